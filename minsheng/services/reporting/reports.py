"""Rates per department (响应率 / 解决率 / 满意率): stored cases mapped onto routing.rates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import raiseload

from case_store.lifecycle import Outcome, Status
from case_store.models import Case, CaseEvent, Rating
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest
from routing import rates


def _parse_day(text: str | None, default: dt.date, tz: dt.tzinfo) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text) if text else default
    except ValueError:
        raise InvalidRequest(f"'{text}' is not a date (YYYY-MM-DD)") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)


def period_of(app: App, date_from: str | None, date_to: str | None) -> rates.Period:
    """[from, to] as whole local days; the default is the current month up to today."""
    today = app.now().astimezone(app.tz).date()
    start = _parse_day(date_from, today.replace(day=1), app.tz)
    end = _parse_day(date_to, today, app.tz) + dt.timedelta(days=1)
    if end <= start:
        raise InvalidRequest("the period ends before it starts")
    return rates.Period(start=start, end=end)


def case_records(
    app: App, before: dt.datetime | None = None, group: Callable[[Case], str] | None = None
) -> list[rates.CaseRecord]:
    """One record per resolution round; past rounds come from their `resolved` events.

    Cases opened at or after `before` cannot count in a period ending then, so they are not
    read. A withdrawn case keeps the rounds it completed and drops the abandoned one.
    `group` puts its key (a domain, say) in each record's `department`, the field the rates
    are grouped by.
    """
    with app.uow() as uow:
        s = uow.session
        case_stmt = select(Case).options(raiseload("*"))
        if before is not None:
            case_stmt = case_stmt.where(Case.created_at < before)
        found = [c for c in s.scalars(case_stmt) if c.resolution_due_at is not None]
        ids = [c.id for c in found]
        ratings: dict[tuple[int, int], Rating] = {}
        resolved: dict[int, dict[int, tuple[dt.datetime, dict[str, Any]]]] = defaultdict(dict)
        for chunk in _chunks(ids, 5000):
            for rating in s.scalars(select(Rating).where(Rating.case_id.in_(chunk))):
                ratings[(rating.case_id, rating.round)] = rating
            for event in s.scalars(
                select(CaseEvent)
                .where(CaseEvent.type == "resolved", CaseEvent.case_id.in_(chunk))
                .order_by(CaseEvent.id)
            ):
                after = event.after or {}
                resolved[event.case_id][int(after.get("round", 1))] = (event.at, after)
        return [
            record if group is None else dataclasses.replace(record, department=group(case))
            for case in found
            for record in _rounds(case, ratings, resolved.get(case.id, {}))
        ]


def _rounds(
    case: Case,
    ratings: dict[tuple[int, int], Rating],
    resolved: dict[int, tuple[dt.datetime, dict[str, Any]]],
) -> list[rates.CaseRecord]:
    records = []
    for round_no in range(1, case.resolution_round + 1):
        outcome: str | None = None
        if round_no == case.resolution_round:
            if case.status == Status.WITHDRAWN.value:
                continue
            outcome = case.outcome
            department = case.department or ""
            started = case.resolution_started_at or case.created_at
            due, resolved_at = case.resolution_due_at, case.resolved_at
        elif round_no in resolved:
            resolved_at, after = resolved[round_no]
            department = str(after.get("department") or case.department or "")
            outcome = str(after["outcome"]) if after.get("outcome") else None
            started = _parse_moment(after.get("resolution_started_at")) or case.created_at
            due = _parse_moment(after.get("resolution_due_at"))
        else:
            continue
        if due is None:
            continue
        first = round_no == 1
        rating = ratings.get((case.id, round_no))
        records.append(
            rates.CaseRecord(
                department=department,
                kind=case.kind,
                opened_at=case.created_at if first else started,
                resolution_due=due,
                resolved_at=resolved_at,
                first_response_due=case.first_response_due_at if first else None,
                first_responded_at=case.first_responded_at if first else None,
                rating=rating.score if rating else None,
                rated_at=rating.at if rating else None,
                outcome=outcome,
            )
        )
    return records


def _parse_moment(text: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if isinstance(text, str) and text else None


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def department_rates(
    app: App, date_from: str | None = None, date_to: str | None = None
) -> list[dict[str, Any]]:
    period = period_of(app, date_from, date_to)
    records = case_records(app, period.end)
    result = rates.department_rates(
        records, period, app.now(), app.calendar, app.tz, min_sample=app.settings.sla.min_sample
    )
    names = {d.id: d for d in app.settings.departments}
    by_outcome = satisfaction_by_outcome(records, period, app.settings.sla.min_sample)
    rows = []
    for dept_id, r in result.items():
        figures = (r.response, r.resolution, r.satisfaction, r.complaint_closure)
        if not any(f.denominator for f in figures) and not r.working_days_to_resolve.sample_size:
            continue  # nothing of this department's falls in the period
        dept = names.get(dept_id)
        rows.append(
            {
                "department": dept_id,
                "name_zh": dept.name_zh if dept else dept_id,
                "name_en": dept.name_en if dept else dept_id,
                "from": period.start.date().isoformat(),
                "to": (period.end - dt.timedelta(days=1)).date().isoformat(),
                "response_rate": _rate(r.response),
                "resolution_rate": _rate(r.resolution),
                "satisfaction_rate": _rate(r.satisfaction),
                "complaint_closure_rate": _rate(r.complaint_closure),
                "satisfaction_by_outcome": by_outcome.get(dept_id, _empty_by_outcome(app)),
                "mean_working_days_to_resolve": {
                    "value": None
                    if r.working_days_to_resolve.value is None
                    else round(r.working_days_to_resolve.value, 2),
                    "sample_size": r.working_days_to_resolve.sample_size,
                    "status": r.working_days_to_resolve.status,
                },
            }
        )
    return rows


OUTCOMES = tuple(o.value for o in Outcome)


def satisfaction_by_outcome(
    records: list[rates.CaseRecord], period: rates.Period, min_sample: int
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per department, the satisfaction rate of ratings given in the period, per outcome: a
    "not responsible" answer rated 2 is not the same verdict as a repair rated 2."""
    scores: dict[str, dict[str, list[int]]] = defaultdict(lambda: {o: [] for o in OUTCOMES})
    for r in records:
        if r.rating is None or r.rated_at is None or r.rated_at not in period:
            continue
        scores[r.department][r.outcome or Outcome.RESOLVED.value].append(r.rating)
    return {
        dept: {o: _rate(rates.satisfaction(s, min_sample).rate) for o, s in per.items()}
        for dept, per in scores.items()
    }


def _empty_by_outcome(app: App) -> dict[str, dict[str, Any]]:
    return {o: _rate(rates.satisfaction([], app.settings.sla.min_sample).rate) for o in OUTCOMES}


def _rate(rate: rates.Rate) -> dict[str, Any]:
    return {
        "value": None if rate.value is None else round(rate.value, 4),
        "numerator": rate.numerator,
        "sample_size": rate.denominator,
        "status": rate.status,
    }


def format_table(rows: list[dict[str, Any]]) -> str:
    def cell(r: dict[str, Any]) -> str:
        if r["value"] is None:
            return f"not enough data (n={r['sample_size']})"
        return f"{r['value'] * 100:5.1f}% (n={r['sample_size']})"

    head = (
        f"{'department':<24}{'response':<24}{'resolution':<24}{'satisfaction':<24}"
        f"{'complaints closed':<24}mean working days"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        mean = row["mean_working_days_to_resolve"]
        mean_txt = (
            "not enough data"
            if mean["value"] is None
            else f"{mean['value']:.1f} (n={mean['sample_size']})"
        )
        lines.append(
            f"{row['department']:<24}{cell(row['response_rate']):<24}"
            f"{cell(row['resolution_rate']):<24}{cell(row['satisfaction_rate']):<24}"
            f"{cell(row['complaint_closure_rate']):<24}{mean_txt}"
        )
    if not rows:
        lines.append("(no cases in this period)")
    return "\n".join(lines)
