"""Deadline computations per second on the shipped calendar.

Run:  .venv/bin/python bench/sla_deadlines.py [--count N]
Starts are spread over 2024–2026 at varied hours; each computation counts 30 working days.
Also times a full case clock (start_clock + due_alerts + next_due_at).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from zoneinfo import ZoneInfo

from minsheng.services.calendar_files import load_work_calendar
from routing.calendar import working_day_deadline
from routing.sla import SlaPolicy, due_alerts, next_due_at, start_clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    tz = ZoneInfo("Asia/Shanghai")
    calendar = load_work_calendar()
    base = dt.datetime(2024, 1, 1, tzinfo=tz)
    starts = [base + dt.timedelta(hours=7 * i + (i % 13)) for i in range(args.count)]
    starts = [base + (s - base) % dt.timedelta(days=3 * 365) for s in starts]

    began = time.perf_counter()
    for start in starts:
        working_day_deadline(start, 30, calendar, tz)
    elapsed = time.perf_counter() - began
    print(
        f"working_day_deadline(30 working days): {args.count / elapsed:,.0f} computations/s "
        f"({args.count} in {elapsed:.2f} s)"
    )

    policy = SlaPolicy()
    sample = starts[: max(1, args.count // 10)]
    began = time.perf_counter()
    for start in sample:
        clock = start_clock(start, "high", "complaint", "housing", policy, calendar, tz)
        due_alerts(clock, start + dt.timedelta(days=20))
        next_due_at(clock, after=start + dt.timedelta(days=20))
    elapsed = time.perf_counter() - began
    print(
        f"start_clock + due_alerts + next_due_at: {len(sample) / elapsed:,.0f} cases/s "
        f"({len(sample)} in {elapsed:.2f} s)"
    )


if __name__ == "__main__":
    main()
