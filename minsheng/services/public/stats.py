"""Public statistics (信息公开): cases received, resolved on time and satisfaction, by month and
by domain. Only counts and rates: nothing here names a person, a case or a member of staff.

The figures use the same definitions as the department report (`minsheng.services.reporting.reports`):
- received: cases submitted in the period (every channel, withdrawn ones included);
- resolved: resolution rounds completed in the period;
- resolved on time: rounds whose resolution deadline fell in the period and had passed or been
  met by now, resolved at or before that deadline;
- satisfaction: ratings of 4 or 5 among the ratings given in the period.
A rate with fewer than `sla.min_sample` cases behind it is published as "not enough data".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select

from case_store.models import Case
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest
from minsheng.services.reporting import reports
from routing import rates

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
# The public page is unauthenticated; figures are recomputed at most once a minute.
CACHE_SECONDS = 60
_ALL = "_all"


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_periods(today: dt.date, months: int, tz: dt.tzinfo) -> list[tuple[str, rates.Period]]:
    """The last `months` calendar months up to and including today's, oldest first."""
    first = _month_start(today)
    for _ in range(months - 1):
        first = _month_start(first - dt.timedelta(days=1))
    periods = []
    while first <= today:
        nxt = _next_month(first)
        periods.append(
            (
                f"{first:%Y-%m}",
                rates.Period(
                    start=dt.datetime.combine(first, dt.time(), tzinfo=tz),
                    end=dt.datetime.combine(nxt, dt.time(), tzinfo=tz),
                ),
            )
        )
        first = nxt
    return periods


def public_stats(app: App, months: int = DEFAULT_MONTHS) -> dict[str, Any]:
    """The published figures for the last `months` months (cached for a minute)."""
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidRequest(f"months must be between 1 and {MAX_MONTHS}")
    now = app.now()
    cached = app._cache.get(f"public_stats:{months}")
    if cached is not None and cached[0] > now:
        return dict(cached[1])
    result = _compute(app, months, now)
    app._cache[f"public_stats:{months}"] = (now + dt.timedelta(seconds=CACHE_SECONDS), result)
    return dict(result)


def _compute(app: App, months: int, now: dt.datetime) -> dict[str, Any]:
    tz = app.tz
    periods = month_periods(now.astimezone(tz).date(), months, tz)
    whole = rates.Period(start=periods[0][1].start, end=periods[-1][1].end)
    records = reports.case_records(app, whole.end, group=lambda case: case.domain)
    received = _received(app, whole)
    min_sample = app.settings.sla.min_sample

    def figures(recs: list[rates.CaseRecord], period: rates.Period, count: int) -> dict[str, Any]:
        found = rates.department_rates(recs, period, now, app.calendar, tz, min_sample=min_sample)
        # One group key for all the records given: the rates of exactly these records.
        r = found.get(_ALL)
        resolved = sum(
            1
            for x in recs
            if x.resolved_at is not None and x.resolved_at <= now and x.resolved_at in period
        )
        return {
            "received": count,
            "resolved": resolved,
            "resolved_on_time": _figure(r.resolution if r else rates.Rate(0, 0, min_sample)),
            "satisfaction": _figure(r.satisfaction if r else rates.Rate(0, 0, min_sample)),
        }

    everything = [_regroup(rec, _ALL) for rec in records]
    by_month = []
    for label, period in periods:
        count = sum(n for (month, _), n in received.items() if month == label)
        by_month.append({"month": label, **figures(everything, period, count)})
    by_domain = []
    names = app.settings.taxonomy.names()
    for domain in app.settings.taxonomy.keys:
        mine = [_regroup(rec, _ALL) for rec in records if rec.department == domain]
        count = sum(n for (_, d), n in received.items() if d == domain)
        by_domain.append(
            {
                "domain": domain,
                "name_zh": names[domain][0],
                "name_en": names[domain][1],
                **figures(mine, whole, count),
            }
        )
    return {
        "city": {"name_zh": app.settings.city.name_zh, "name_en": app.settings.city.name_en},
        "generated_at": now.astimezone(tz).isoformat(timespec="seconds"),
        "from": periods[0][0],
        "to": periods[-1][0],
        "min_sample": min_sample,
        "totals": figures(everything, whole, sum(received.values())),
        "by_month": by_month,
        "by_domain": by_domain,
    }


def _regroup(record: rates.CaseRecord, key: str) -> rates.CaseRecord:
    return dataclasses.replace(record, department=key)


def _received(app: App, period: rates.Period) -> Counter[tuple[str, str]]:
    """Cases submitted in the period, counted by (local month, domain)."""
    counts: Counter[tuple[str, str]] = Counter()
    with app.uow() as uow:
        rows = uow.session.execute(
            select(Case.created_at, Case.domain).where(
                Case.created_at >= period.start, Case.created_at < period.end
            )
        )
        for created_at, domain in rows:
            counts[(f"{created_at.astimezone(app.tz):%Y-%m}", domain)] += 1
    return counts


def _figure(rate: rates.Rate) -> dict[str, Any]:
    return {
        "value": None if rate.value is None else round(rate.value, 4),
        "numerator": rate.numerator,
        "sample_size": rate.denominator,
        "status": rate.status,
    }
