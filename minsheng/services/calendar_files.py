"""Load the working-day calendar: shipped data, the operator's file and config overrides.

The shipped file covers the years published when this release was built. When the State
Council publishes the next year (usually in November), the operator adds that year to the
file named by `calendar.extra_file` in the same format; a year in that file replaces the
shipped year of the same number. `calendar.extra_holidays` / `calendar.extra_workdays` are
single-day corrections applied last.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

from routing.calendar import (
    CalendarDataError,
    WorkCalendar,
    YearData,
    calendar_from_years,
    parse_calendar_document,
    parse_iso_day,
)

SHIPPED_NAME = "cn_official_calendar.json"


class CalendarFileError(ValueError):
    """A calendar file or override that cannot be used; the message names file and date."""


def shipped_calendar_text() -> str:
    return resources.files("routing").joinpath("data", SHIPPED_NAME).read_text(encoding="utf-8")


def read_calendar_file(path: Path) -> list[YearData]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarFileError(f"{source}: cannot read calendar file ({exc.strerror})") from exc
    return _parse_text(text, source)


def _parse_text(text: str, source: str) -> list[YearData]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalendarFileError(f"{source}: not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    try:
        return parse_calendar_document(document, source)
    except CalendarDataError as exc:
        raise CalendarFileError(str(exc)) from exc


def load_work_calendar(
    extra_file: Path | None = None,
    extra_holidays: Iterable[object] = (),
    extra_workdays: Iterable[object] = (),
) -> WorkCalendar:
    """Shipped years, then the operator file's years (which win), then single-day overrides."""
    years = _parse_text(shipped_calendar_text(), f"routing/data/{SHIPPED_NAME}")
    if extra_file is not None:
        years += read_calendar_file(extra_file)
    try:
        holidays = [parse_iso_day(d, "calendar.extra_holidays") for d in extra_holidays]
        workdays = [parse_iso_day(d, "calendar.extra_workdays") for d in extra_workdays]
        return calendar_from_years(years, holidays, workdays)
    except CalendarDataError as exc:
        raise CalendarFileError(str(exc)) from exc


def load_from_config_section(section: object, base_dir: Path) -> WorkCalendar:
    """Load from a config's `calendar:` mapping; a relative extra_file is taken from base_dir."""
    if section is None:
        section = {}
    if not isinstance(section, Mapping):
        raise CalendarFileError("config: `calendar` must be a mapping")
    extra_file = section.get("extra_file")
    path: Path | None = None
    if extra_file:
        path = Path(str(extra_file)).expanduser()
        if not path.is_absolute():
            path = base_dir / path
    return load_work_calendar(
        path,
        _date_list(section.get("extra_holidays"), "calendar.extra_holidays"),
        _date_list(section.get("extra_workdays"), "calendar.extra_workdays"),
    )


def _date_list(value: object, key: str) -> list[object]:
    if value is None:
        return []
    if isinstance(value, (str, dt.date)) or not isinstance(value, Iterable):
        raise CalendarFileError(f"config: `{key}` must be a list of YYYY-MM-DD dates")
    return list(value)
