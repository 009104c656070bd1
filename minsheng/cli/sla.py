"""`minsheng sla`: the deadline calculator, the sweep and the overdue list.

`sla deadline` is kept light on purpose (yaml, json, zoneinfo and the pure calendar core
only) so that it answers well within a second without touching the database; the main
parser hands it straight to `main` here. `sweep` and `overdue` are ordinary subcommands.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_CONFIG = Path("config.yml")
DEFAULT_WORKING_DAYS = 30


def register(sub: Any) -> None:
    sla = sub.add_parser("sla", help="working-day deadlines and the SLA sweep")
    sla_sub = sla.add_subparsers(metavar="ACTION")
    sla_sub.add_parser(
        "deadline",
        help="the deadline N working days after a moment (see `minsheng sla deadline --help`)",
    )
    swp = sla_sub.add_parser("sweep", help="raise due warnings and breaches now")
    swp.add_argument("--json", action="store_true")
    swp.set_defaults(func=_sweep)

    ovd = sla_sub.add_parser("overdue", help="open cases past a deadline, most overdue first")
    ovd.add_argument("--department")
    ovd.add_argument("--json", action="store_true")
    ovd.set_defaults(func=_overdue)


def _sweep(args: argparse.Namespace) -> int:
    from minsheng.cli.common import app_for, print_json
    from minsheng.services.sla import sweep

    result = sweep.run(app_for(args))
    if args.json:
        print_json(result)
    else:
        print(
            f"checked {result['checked']} case(s), raised {result['alerts']} alert(s), "
            f"escalated {result['escalated']}, survey reminders "
            f"{result['survey_reminders']}, closed unrated {result['closed_unrated']}"
        )
    return 0


def _overdue(args: argparse.Namespace) -> int:
    from minsheng.cli.common import app_for, print_json
    from minsheng.services.sla import overdue

    rows = overdue.overdue(app_for(args), department=args.department)
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print("  ".join(f"{v}" for v in row.values()))
    print(f"{len(rows)} overdue case(s)", file=sys.stderr)
    return 0


# -- sla deadline ---------------------------------------------------------------------------


class UsageError(Exception):
    """A problem the user can fix; printed on stderr with exit status 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command != "deadline":
        parser.print_help(sys.stderr)
        return 2
    try:
        return _deadline(args)
    except UsageError as exc:
        print(f"minsheng sla: error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minsheng sla", description="SLA tools")
    commands = parser.add_subparsers(dest="command")
    deadline = commands.add_parser(
        "deadline", help="resolution deadline on the official working-day calendar"
    )
    deadline.add_argument(
        "--start",
        required=True,
        help="submission time, ISO 8601; without an offset it is local time",
    )
    deadline.add_argument(
        "--working-days",
        type=int,
        default=DEFAULT_WORKING_DAYS,
        help=f"working days (default {DEFAULT_WORKING_DAYS})",
    )
    deadline.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config YAML (default: $MINSHENG_CONFIG, else ./config.yml)",
    )
    return parser


def _deadline(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from minsheng.services.calendar_files import CalendarFileError, load_from_config_section
    from routing.calendar import working_day_deadline

    if args.working_days < 1:
        raise UsageError("--working-days must be at least 1")
    config, base_dir = _read_config(args.config)
    city = config.get("city") or {}
    if not isinstance(city, Mapping):
        raise UsageError("config: `city` must be a mapping")
    tz_name = city.get("timezone") or DEFAULT_TIMEZONE
    try:
        tz = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"unknown city.timezone {tz_name!r}") from exc
    start = _parse_start(args.start, tz)
    try:
        calendar = load_from_config_section(config.get("calendar"), base_dir)
    except CalendarFileError as exc:
        raise UsageError(str(exc)) from exc
    deadline = working_day_deadline(start, args.working_days, calendar, tz)
    if deadline.provisional:
        years = ", ".join(str(y) for y in deadline.uncovered_years)
        print(
            f"minsheng sla: warning: no official holiday data for {years}; counted Monday to "
            "Friday, so the deadline is provisional (add the year to calendar.extra_file)",
            file=sys.stderr,
        )
    print(json.dumps({"deadline": deadline.at.isoformat(), "provisional": deadline.provisional}))
    return 0


def _read_config(explicit: Path | None) -> tuple[Mapping[str, object], Path]:
    env = os.environ.get("MINSHENG_CONFIG")
    path = explicit or (Path(env) if env else None)
    if path is None:
        path = DEFAULT_CONFIG
        if not path.exists():
            return {}, Path.cwd()
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read config {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"config {path} is not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise UsageError(f"config {path} must be a mapping at the top level")
    return data, path.resolve().parent


def _parse_start(text: str, tz: dt.tzinfo) -> dt.datetime:
    try:
        start = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--start {text!r} is not an ISO 8601 date-time") from exc
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    return start


if __name__ == "__main__":
    sys.exit(main())
