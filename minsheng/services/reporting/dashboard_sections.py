"""The dashboard's other sections: the overdue list, the misroute matrix, the confusion of the
NLU's readings with staff corrections, volume by domain, and the satisfaction trend."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from case_store.lifecycle import Outcome
from case_store.models import Case, CaseCorrection, CaseEvent, Rating, Transfer
from case_store.taxonomy import KINDS, URGENCIES
from minsheng.services.bootstrap import App
from minsheng.services.reporting.dashboard_months import Month, in_scope, month_key
from minsheng.services.sla import overdue
from routing import rates


def overdue_list(app: App, scope: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Open cases past a deadline, most overdue first (the sweep's definition)."""
    return [row for row in overdue.overdue(app) if in_scope(row["department"], scope)]


def misroute_matrix(
    app: App, months: Sequence[Month], scope: Collection[str] | None = None
) -> dict[str, Any]:
    """Transfers in the months, counted from department × to department.

    A transfer is in scope when either end is: a supervisor sees what their departments sent
    away and what they were sent by mistake.
    """
    start, end = months[0].start(app.tz), months[-1].next().start(app.tz)
    with app.uow() as uow:
        pairs = uow.session.execute(
            select(Transfer.from_department, Transfer.to_department).where(
                Transfer.at >= start, Transfer.at < end
            )
        ).all()
    counts: Counter[tuple[str, str]] = Counter(
        (src or "", dst) for src, dst in pairs if in_scope(src, scope) or in_scope(dst, scope)
    )
    order = [d.id for d in app.settings.departments]
    rank = {dept: i for i, dept in enumerate(order)}
    sources = sorted({src for src, _ in counts}, key=lambda d: (rank.get(d, len(rank)), d))
    targets = sorted({dst for _, dst in counts}, key=lambda d: (rank.get(d, len(rank)), d))
    return {
        "from": sources,
        "to": targets,
        "counts": [[counts.get((src, dst), 0) for dst in targets] for src in sources],
        "cells": [{"from": src, "to": dst, "count": n} for (src, dst), n in sorted(counts.items())],
        "total": sum(counts.values()),
    }


def correction_confusion(
    app: App, months: Sequence[Month], scope: Collection[str] | None = None
) -> dict[str, Any]:
    """Per axis and month: how often the NLU read X (rows) where staff corrected it to Y.

    A case corrected twice on one axis in a month counts once, with its last correction; the
    reading is the NLU's at intake, or the label staff changed when that was not stored. The
    department now holding the case decides scope.
    """
    start, end = months[0].start(app.tz), months[-1].next().start(app.tz)
    with app.uow() as uow:
        found = uow.session.execute(
            select(
                CaseCorrection.case_id,
                CaseCorrection.at,
                CaseCorrection.axis,
                CaseCorrection.predicted,
                CaseCorrection.before,
                CaseCorrection.after,
                Case.department,
            )
            .join(Case, Case.id == CaseCorrection.case_id)
            .where(CaseCorrection.at >= start, CaseCorrection.at < end)
            .order_by(CaseCorrection.at, CaseCorrection.id)
        ).all()
    last: dict[tuple[str, int, str], tuple[str, str]] = {}
    for case_id, at, axis, predicted, before, after, dept in found:
        if in_scope(dept, scope):
            last[(month_key(at, app.tz), case_id, axis)] = (predicted or before, after)
    counts: Counter[tuple[str, str, str, str]] = Counter(
        (month, axis, predicted, corrected)
        for (month, _case, axis), (predicted, corrected) in last.items()
    )
    axes = []
    order = {"domain": app.settings.taxonomy.keys, "urgency": URGENCIES, "kind": KINDS}
    for axis, known in order.items():
        mine = {key: n for key, n in counts.items() if key[1] == axis}
        if not mine:
            continue
        seen_to = {key[3] for key in mine}
        labels_to = [lab for lab in known if lab in seen_to] + sorted(seen_to - set(known))
        per_month = []
        for month in months:
            here = {key: n for key, n in mine.items() if key[0] == month.key}
            if not here:
                continue
            seen_from = {key[2] for key in here}
            labels_from = [lab for lab in known if lab in seen_from] + sorted(
                seen_from - set(known)
            )
            per_month.append(
                {
                    "month": month.key,
                    "rows": [
                        {
                            "predicted": src,
                            "counts": [
                                here.get((month.key, axis, src, dst), 0) for dst in labels_to
                            ],
                        }
                        for src in labels_from
                    ],
                    "total": sum(here.values()),
                }
            )
        axes.append(
            {"axis": axis, "to": labels_to, "months": per_month, "total": sum(mine.values())}
        )
    return {
        "axes": axes,
        "cells": [
            {"month": m, "axis": a, "predicted": p, "corrected": c, "count": n}
            for (m, a, p, c), n in sorted(counts.items())
        ],
        "total": sum(counts.values()),
    }


def volume_by_domain(
    app: App, months: Sequence[Month], scope: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """Cases received per month and domain (the department now holding them decides scope)."""
    start, end = months[0].start(app.tz), months[-1].next().start(app.tz)
    with app.uow() as uow:
        found = uow.session.execute(
            select(Case.created_at, Case.domain, Case.department).where(
                Case.created_at >= start, Case.created_at < end
            )
        ).all()
    counts: Counter[tuple[str, str]] = Counter(
        (month_key(at, app.tz), domain) for at, domain, dept in found if in_scope(dept, scope)
    )
    return [
        {"month": month.key, "domain": domain, "cases": counts.get((month.key, domain), 0)}
        for month in months
        for domain in app.settings.taxonomy.keys
    ]


def satisfaction_trend(
    app: App, months: Sequence[Month], scope: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """Ratings per month: how many, their mean, and the share of 4s and 5s, overall and per
    outcome of the resolution rated (resolved, not responsible, unresolved)."""
    start, end = months[0].start(app.tz), months[-1].next().start(app.tz)
    with app.uow() as uow:
        s = uow.session
        found = s.execute(
            select(Rating.at, Rating.score, Rating.department, Rating.case_id, Rating.round).where(
                Rating.at >= start, Rating.at < end
            )
        ).all()
        outcomes = _rated_outcomes(s, {row.case_id for row in found})
    scores: dict[str, list[int]] = defaultdict(list)
    per_outcome: dict[tuple[str, str], list[int]] = defaultdict(list)
    for at, score, dept, case_id, round_no in found:
        if in_scope(dept, scope):
            key = month_key(at, app.tz)
            scores[key].append(score)
            outcome = outcomes.get((case_id, round_no), Outcome.RESOLVED.value)
            per_outcome[(key, outcome)].append(score)
    min_sample = app.settings.sla.min_sample
    rows = []
    for month in months:
        given = scores.get(month.key, [])
        rate = rates.Rate(
            sum(1 for s in given if s in rates.SATISFIED_RATINGS), len(given), min_sample
        )
        enough = rate.status == rates.OK
        rows.append(
            {
                "month": month.key,
                "ratings": len(given),
                "mean_score": round(sum(given) / len(given), 2) if enough else None,
                "satisfaction_rate": None if rate.value is None else round(rate.value, 4),
                "status": rate.status,
                "by_outcome": {
                    o.value: _satisfaction_cell(
                        per_outcome.get((month.key, o.value), []), min_sample
                    )
                    for o in Outcome
                },
            }
        )
    return rows


def _satisfaction_cell(given: list[int], min_sample: int) -> dict[str, Any]:
    rate = rates.Rate(sum(1 for s in given if s in rates.SATISFIED_RATINGS), len(given), min_sample)
    return {
        "ratings": len(given),
        "satisfaction_rate": None if rate.value is None else round(rate.value, 4),
        "status": rate.status,
    }


def _rated_outcomes(s: Session, case_ids: set[int]) -> dict[tuple[int, int], str]:
    """(case, round) -> the outcome its `resolved` event recorded (the latest one wins)."""
    found: dict[tuple[int, int], str] = {}
    ids = sorted(case_ids)
    for i in range(0, len(ids), 5000):
        for case_id, after in s.execute(
            select(CaseEvent.case_id, CaseEvent.after)
            .where(CaseEvent.type == "resolved", CaseEvent.case_id.in_(ids[i : i + 5000]))
            .order_by(CaseEvent.id)
        ):
            after = after or {}
            if after.get("outcome"):
                found[(case_id, int(after.get("round", 1)))] = str(after["outcome"])
    return found
