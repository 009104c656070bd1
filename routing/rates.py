"""Service rates per department and period, computed from plain records.

Inputs. One `CaseRecord` per resolution round of a case (round 1 starts when the case is
opened, each reopen starts another round). The first-response fields are filled on the round-1
record only. Records belong to the department that held the case in that round. A period is
the half-open interval [start, end). Anything that happened after `as_of` counts as not having
happened yet.

Definitions (each reports its sample size, the denominator):
- Response rate = first responses on time / first responses due. A first response is *due* in
  the period when its deadline falls in the period and, by `as_of`, the deadline has passed or
  the response was given. It is *on time* when given at or before the deadline.
- Resolution rate = rounds resolved by their deadline / resolutions due. A resolution is *due*
  in the period when the round's deadline (end of the last working day) falls in the period
  and, by `as_of`, the deadline has passed or the round was resolved. It is *on time* when
  resolved at or before the deadline.
- Satisfaction rate = ratings of 4 or 5 / all ratings, over ratings given in the period
  (ratings are 1–5).
- Complaint closure rate = complaint rounds resolved by `as_of` / complaint rounds opened in
  the period.
- Mean working days to resolve = the mean, over rounds resolved in the period, of the working
  days from the day after the round started to the day it was resolved (local dates; official
  calendar; resolving on the day the round started counts 0, on the Nth working day counts N).

Below `min_sample` (default 5) in the denominator a figure reports "not enough data": its
value is None, while its counts are still given.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from routing.calendar import WorkCalendar, working_days_between

COMPLAINT = "complaint"
SATISFIED_RATINGS = frozenset({4, 5})
OK = "ok"
NOT_ENOUGH_DATA = "not_enough_data"


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, dt.datetime) and self.start <= moment < self.end


@dataclass(frozen=True)
class CaseRecord:
    department: str
    kind: str
    opened_at: dt.datetime
    resolution_due: dt.datetime
    resolved_at: dt.datetime | None = None
    first_response_due: dt.datetime | None = None
    first_responded_at: dt.datetime | None = None
    rating: int | None = None
    rated_at: dt.datetime | None = None
    # resolved, not_responsible or unresolved: what the rating was a rating of
    outcome: str | None = None


def _sample_status(sample_size: int, min_sample: int) -> str:
    """A figure from fewer cases than the minimum (and never from none) is not reported."""
    return OK if sample_size >= max(min_sample, 1) else NOT_ENOUGH_DATA


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    min_sample: int

    @property
    def status(self) -> str:
        return _sample_status(self.denominator, self.min_sample)

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.status == OK else None


@dataclass(frozen=True)
class Mean:
    total: float
    sample_size: int
    min_sample: int

    @property
    def status(self) -> str:
        return _sample_status(self.sample_size, self.min_sample)

    @property
    def value(self) -> float | None:
        return self.total / self.sample_size if self.status == OK else None


@dataclass(frozen=True)
class DepartmentRates:
    department: str
    response: Rate
    resolution: Rate
    satisfaction: Rate
    complaint_closure: Rate
    working_days_to_resolve: Mean


def department_rates(
    records: Iterable[CaseRecord],
    period: Period,
    as_of: dt.datetime,
    calendar: WorkCalendar,
    tz: dt.tzinfo,
    min_sample: int = 5,
) -> dict[str, DepartmentRates]:
    by_department: dict[str, list[CaseRecord]] = defaultdict(list)
    for record in records:
        by_department[record.department].append(record)
    return {
        department: _rates_for(department, recs, period, as_of, calendar, tz, min_sample)
        for department, recs in sorted(by_department.items())
    }


def _rates_for(
    department: str,
    records: list[CaseRecord],
    period: Period,
    as_of: dt.datetime,
    calendar: WorkCalendar,
    tz: dt.tzinfo,
    min_sample: int,
) -> DepartmentRates:
    return DepartmentRates(
        department=department,
        response=_deadline_rate(
            [(r.first_response_due, r.first_responded_at) for r in records],
            period,
            as_of,
            min_sample,
        ),
        resolution=_deadline_rate(
            [(r.resolution_due, r.resolved_at) for r in records], period, as_of, min_sample
        ),
        satisfaction=_satisfaction(records, period, as_of, min_sample),
        complaint_closure=_complaint_closure(records, period, as_of, min_sample),
        working_days_to_resolve=_mean_working_days(
            records, period, as_of, calendar, tz, min_sample
        ),
    )


def _known(moment: dt.datetime | None, as_of: dt.datetime) -> dt.datetime | None:
    return moment if moment is not None and moment <= as_of else None


def _deadline_rate(
    pairs: list[tuple[dt.datetime | None, dt.datetime | None]],
    period: Period,
    as_of: dt.datetime,
    min_sample: int,
) -> Rate:
    due = on_time = 0
    for deadline, done in pairs:
        if deadline is None or deadline not in period:
            continue
        done = _known(done, as_of)
        if deadline > as_of and done is None:
            continue
        due += 1
        on_time += done is not None and done <= deadline
    return Rate(on_time, due, min_sample)


def _satisfaction(
    records: list[CaseRecord], period: Period, as_of: dt.datetime, min_sample: int
) -> Rate:
    ratings = [
        r.rating for r in records if r.rating is not None and _known(r.rated_at, as_of) in period
    ]
    return Rate(sum(1 for x in ratings if x in SATISFIED_RATINGS), len(ratings), min_sample)


def _complaint_closure(
    records: list[CaseRecord], period: Period, as_of: dt.datetime, min_sample: int
) -> Rate:
    opened = [r for r in records if r.kind == COMPLAINT and _known(r.opened_at, as_of) in period]
    closed = sum(1 for r in opened if _known(r.resolved_at, as_of) is not None)
    return Rate(closed, len(opened), min_sample)


def _mean_working_days(
    records: list[CaseRecord],
    period: Period,
    as_of: dt.datetime,
    calendar: WorkCalendar,
    tz: dt.tzinfo,
    min_sample: int,
) -> Mean:
    days = [
        working_days_between(
            r.opened_at.astimezone(tz).date(), r.resolved_at.astimezone(tz).date(), calendar
        )
        for r in records
        if r.resolved_at is not None and _known(r.resolved_at, as_of) in period
    ]
    return Mean(float(sum(days)), len(days), min_sample)


@dataclass(frozen=True)
class Satisfaction:
    """Residents' 1–5 scores of one thing (a project): mean score and satisfaction rate."""

    mean: Mean
    rate: Rate

    @property
    def sample_size(self) -> int:
        return self.rate.denominator


def satisfaction(scores: Iterable[int], min_sample: int = 5) -> Satisfaction:
    """Mean and share of 4–5 scores, both "not enough data" below `min_sample` scores."""
    values = list(scores)
    for score in values:
        if score not in (1, 2, 3, 4, 5):
            raise ValueError(f"a score is 1–5, got {score!r}")
    satisfied = sum(1 for s in values if s in SATISFIED_RATINGS)
    return Satisfaction(
        Mean(float(sum(values)), len(values), min_sample), Rate(satisfied, len(values), min_sample)
    )
