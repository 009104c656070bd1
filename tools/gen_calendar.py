"""Write routing/data/cn_official_calendar.json from the `chinesecalendar` package.

Run once per year after the State Council publishes the next year's holidays and the package
has caught up:  python tools/gen_calendar.py
It then cross-checks CROSS_CHECK_YEAR day by day against the `holidays` package and prints
the result (exit status 1 when the two disagree on any day).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "routing" / "data" / "cn_official_calendar.json"
FIRST_YEAR = 2004
CROSS_CHECK_YEAR = 2026


def build_document() -> dict[str, Any]:
    from chinese_calendar import constants

    last_year = max(day.year for day in constants.holidays)
    years: dict[str, dict[str, dict[str, str]]] = {}
    for year in range(FIRST_YEAR, last_year + 1):
        years[str(year)] = {
            "holidays": _named_days(constants.holidays, year),
            "workdays": _named_days(constants.workdays, year),
        }
    return {
        "format": 1,
        "description": "Mainland China public holidays and make-up working days (调休), "
        "as published by the State Council.",
        "years": years,
    }


def _named_days(days: dict[dt.date, object], year: int) -> dict[str, str]:
    return {
        day.isoformat(): _holiday_name(name)
        for day, name in sorted(days.items())
        if day.year == year
    }


def _holiday_name(value: object) -> str:
    # chinesecalendar stores Holiday enum members; older versions stored (en, zh, days) tuples.
    name = getattr(value, "value", value)
    if isinstance(name, tuple):
        name = name[0]
    return str(name)


def cross_check(document: dict[str, Any], year: int) -> list[str]:
    """Days of `year` on which the document and the `holidays` package disagree."""
    import holidays

    entry = document["years"][str(year)]
    holiday_days = {dt.date.fromisoformat(d) for d in entry["holidays"]}
    work_days = {dt.date.fromisoformat(d) for d in entry["workdays"]}
    other = holidays.country_holidays("CN", years=year)
    problems: list[str] = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        ours = day in work_days or (day.weekday() < 5 and day not in holiday_days)
        theirs = other.is_working_day(day)
        if ours != theirs:
            problems.append(
                f"{day.isoformat()} ({day.strftime('%a')}): here "
                f"{'working' if ours else 'day off'}, holidays package "
                f"{'working' if theirs else 'day off'}"
            )
        day += dt.timedelta(days=1)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check-year", type=int, default=CROSS_CHECK_YEAR)
    args = parser.parse_args(argv)
    document = build_document()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    years = list(document["years"])
    print(f"wrote {args.output} ({years[0]}–{years[-1]}, {len(years)} years)")
    problems = cross_check(document, args.check_year)
    if problems:
        print(
            f"cross-check {args.check_year} against the holidays package: "
            f"{len(problems)} day(s) differ"
        )
        for line in problems:
            print("  " + line)
        return 1
    print(
        f"cross-check {args.check_year} against the holidays package: "
        "all 365 days agree on working/non-working"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
