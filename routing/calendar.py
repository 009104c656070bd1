"""Working days on mainland China's official calendar, as pure data and arithmetic.

A day is a working day when it is a make-up working day (调休上班), or when it is
Monday–Friday and not a public holiday. Years without published data fall back to
Monday–Friday; results that depend on such a year are flagged provisional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

CALENDAR_FORMAT = 1
END_OF_DAY = dt.time(23, 59, 59)


class CalendarDataError(ValueError):
    """Calendar data that cannot be used; the message names the source and the date."""

    def __init__(self, source: str, message: str, day: str | None = None) -> None:
        self.source = source
        self.day = day
        where = f"{source}: {day}" if day else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class YearData:
    """One year as published by the State Council: holidays and make-up working days."""

    year: int
    holidays: Mapping[dt.date, str]
    workdays: Mapping[dt.date, str]


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days; `covered_years` are the years with published data."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    covered_years: frozenset[int] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def covers(self, year: int) -> bool:
        return year in self.covered_years

    def uncovered_years(self, years: Iterable[int]) -> tuple[int, ...]:
        return tuple(sorted({y for y in years if y not in self.covered_years}))


@dataclass(frozen=True)
class WorkingDayResult:
    """The Nth working day and whether any year it depended on lacks published data."""

    day: dt.date
    provisional: bool
    years: tuple[int, ...]
    uncovered_years: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class Deadline:
    """The end of a working day in the city's time zone."""

    at: dt.datetime
    provisional: bool
    years: tuple[int, ...]
    uncovered_years: tuple[int, ...] = field(default=())


def calendar_from_years(
    years: Iterable[YearData],
    extra_holidays: Iterable[dt.date] = (),
    extra_workdays: Iterable[dt.date] = (),
) -> WorkCalendar:
    """Build a calendar; a later YearData for the same year replaces an earlier one.

    Extra holidays and workdays are single-day corrections: they change those days only and
    do not make their year count as published.
    """
    by_year: dict[int, YearData] = {}
    for year_data in years:
        by_year[year_data.year] = year_data
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    for year_data in by_year.values():
        holidays.update(year_data.holidays)
        workdays.update(year_data.workdays)
    extra_h = set(extra_holidays)
    extra_w = set(extra_workdays)
    both = extra_h & extra_w
    if both:
        first = min(both).isoformat()
        raise CalendarDataError("calendar overrides", "listed as both holiday and workday", first)
    holidays = (holidays - extra_w) | extra_h
    workdays = (workdays - extra_h) | extra_w
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(by_year))


def parse_calendar_document(document: object, source: str) -> list[YearData]:
    """Validate a decoded calendar JSON document and return its years.

    Format: {"format": 1, "years": {"2026": {"holidays": {"2026-01-01": "New Year's Day"},
    "workdays": {"2026-01-04": "New Year's Day"}}}}.
    """
    if not isinstance(document, Mapping):
        raise CalendarDataError(source, "expected a JSON object at the top level")
    if document.get("format") != CALENDAR_FORMAT:
        raise CalendarDataError(source, f'expected "format": {CALENDAR_FORMAT}')
    years = document.get("years")
    if not isinstance(years, Mapping):
        raise CalendarDataError(source, 'expected "years" to be an object keyed by year')
    return [_parse_year(key, value, source) for key, value in years.items()]


def _parse_year(key: object, value: object, source: str) -> YearData:
    if not (isinstance(key, str) and key.isdigit() and len(key) == 4):
        raise CalendarDataError(source, f"year key {key!r} is not a four-digit year")
    year = int(key)
    if not isinstance(value, Mapping):
        raise CalendarDataError(source, f"year {year}: expected an object")
    holidays = _parse_days(value.get("holidays", {}), year, "holidays", source)
    workdays = _parse_days(value.get("workdays", {}), year, "workdays", source)
    for day in sorted(holidays.keys() & workdays.keys()):
        raise CalendarDataError(source, "listed as both holiday and workday", day.isoformat())
    for day in sorted(workdays):
        if day.weekday() < 5:
            raise CalendarDataError(
                source, "a make-up workday must be a Saturday or Sunday", day.isoformat()
            )
    return YearData(year, holidays, workdays)


def _parse_days(raw: object, year: int, label: str, source: str) -> dict[dt.date, str]:
    if not isinstance(raw, Mapping):
        raise CalendarDataError(source, f"year {year}: {label} must map ISO dates to names")
    days: dict[dt.date, str] = {}
    for text, name in raw.items():
        day = parse_iso_day(text, source)
        if day.year != year:
            raise CalendarDataError(source, f"listed under year {year}", day.isoformat())
        if not isinstance(name, str):
            raise CalendarDataError(source, "the name must be a string", day.isoformat())
        days[day] = name
    return days


def parse_iso_day(text: object, source: str) -> dt.date:
    """Parse YYYY-MM-DD strictly (a date object passes through, as YAML may give one)."""
    if isinstance(text, dt.date) and not isinstance(text, dt.datetime):
        return text
    if not isinstance(text, str) or len(text) != 10:
        raise CalendarDataError(source, "not a YYYY-MM-DD date", repr(text))
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CalendarDataError(source, "not a valid date", text) from None


def nth_working_day_after(day: dt.date, n: int, calendar: WorkCalendar) -> WorkingDayResult:
    """The Nth working day counted from the day after `day` (n >= 1)."""
    if n < 1:
        raise ValueError(f"working days must be at least 1, got {n}")
    current = day
    counted = 0
    while counted < n:
        current += dt.timedelta(days=1)
        if calendar.is_working_day(current):
            counted += 1
    # The submission day itself is never counted, so the count depends only on later days.
    years = tuple(range((day + dt.timedelta(days=1)).year, current.year + 1))
    uncovered = calendar.uncovered_years(years)
    return WorkingDayResult(current, bool(uncovered), years, uncovered)


def working_day_deadline(
    start: dt.datetime, working_days: int, calendar: WorkCalendar, tz: dt.tzinfo
) -> Deadline:
    """End (23:59:59 local) of the Nth working day after the local date of `start`."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    local_day = start.astimezone(tz).date()
    result = nth_working_day_after(local_day, working_days, calendar)
    return Deadline(
        at=end_of_day(result.day, tz),
        provisional=result.provisional,
        years=result.years,
        uncovered_years=result.uncovered_years,
    )


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=tz)


def working_days_between(start: dt.date, end: dt.date, calendar: WorkCalendar) -> int:
    """Working days in (start, end]: 0 on the same day, N when `end` is the Nth working day."""
    if end <= start:
        return 0
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if calendar.is_working_day(current):
            count += 1
    return count


def next_working_day_on_or_after(day: dt.date, calendar: WorkCalendar) -> dt.date:
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def provisional_now_settled(years: Iterable[int], calendar: WorkCalendar) -> bool:
    """True when every year a provisional deadline depended on now has published data.

    The service recomputes such deadlines (same start, same working days) once this is true.
    """
    return not calendar.uncovered_years(years)
