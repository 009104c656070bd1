"""The supervisor dashboard: rates per department and month, the overdue list, the misroute
matrix, the confusion of the NLU's readings with staff corrections, volume by domain, the
satisfaction trend, and each of them as CSV.

Every figure is scoped to a set of departments (a supervisor's own and those under it); None
means the whole city. Rates reuse `minsheng.services.reporting.reports.case_records` and `routing.rates`, so the
dashboard and `minsheng report` always agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from case_store.lifecycle import Outcome
from case_store.models import AuditLog, Case, CaseCorrection, CaseEvent, Rating, Transfer
from case_store.taxonomy import DOMAINS, KINDS, URGENCIES
from minsheng.config.settings import Settings
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest
from minsheng.services.reporting import reports
from minsheng.services.sla import overdue
from routing import rates

MAX_MONTHS = 24
RATE_NAMES = ("response_rate", "resolution_rate", "satisfaction_rate", "complaint_closure_rate")
ALL = "*"


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def start(self, tz: dt.tzinfo) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=tz)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def period(self, tz: dt.tzinfo) -> rates.Period:
        return rates.Period(start=self.start(tz), end=self.next().start(tz))

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            year, month = (int(part) for part in text.split("-"))
            if not 1 <= month <= 12 or not 1900 <= year <= 9999:
                raise ValueError
        except ValueError:
            raise InvalidRequest(f"'{text}' is not a month (YYYY-MM)") from None
        return cls(year, month)


def months_ending(app: App, last: str | None = None, count: int = 6) -> list[Month]:
    """`count` consecutive months ending with `last` (default: the current local month)."""
    if not 1 <= count <= MAX_MONTHS:
        raise InvalidRequest(f"between 1 and {MAX_MONTHS} months can be shown")
    if last:
        end = Month.parse(last)
    else:
        today = app.now().astimezone(app.tz).date()
        end = Month(today.year, today.month)
    first_index = end.year * 12 + end.month - 1 - (count - 1)
    return [Month(i // 12, i % 12 + 1) for i in range(first_index, first_index + count)]


def _in_scope(department: str | None, scope: Collection[str] | None) -> bool:
    return scope is None or (department or "") in scope


# -- rates per department and month ---------------------------------------------------------


def monthly_rates(
    app: App, months: Sequence[Month], scope: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """One row per month and department with anything due, plus a total row per month
    (department '*') over the whole scope."""
    if not months:
        return []
    end = months[-1].next().start(app.tz)
    records = [r for r in reports.case_records(app, end) if _in_scope(r.department, scope)]
    names = _department_names(app.settings)
    rows: list[dict[str, Any]] = []
    for month in months:
        rows.extend(_rate_rows(app, month, records, names))
    return rows


def _rate_rows(
    app: App, month: Month, records: list[rates.CaseRecord], names: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    period, now, min_sample = month.period(app.tz), app.now(), app.settings.sla.min_sample
    per_department = rates.department_rates(
        records, period, now, app.calendar, app.tz, min_sample=min_sample
    )
    pooled = rates.department_rates(
        [replace(r, department=ALL) for r in records],
        period,
        now,
        app.calendar,
        app.tz,
        min_sample=min_sample,
    )
    total = pooled.get(ALL) or _empty_rates(min_sample)
    rows = [_rate_row(month, ALL, ("全部", "All"), total)]
    for dept_id, figures in per_department.items():
        if any(getattr(figures, f).denominator for f in _FIELDS):
            rows.append(_rate_row(month, dept_id, names.get(dept_id, (dept_id, dept_id)), figures))
    return rows


_FIELDS = ("response", "resolution", "satisfaction", "complaint_closure")


def _empty_rates(min_sample: int) -> rates.DepartmentRates:
    nothing = rates.Rate(0, 0, min_sample)
    return rates.DepartmentRates(
        ALL, nothing, nothing, nothing, nothing, rates.Mean(0.0, 0, min_sample)
    )


def _rate_row(
    month: Month, dept_id: str, name: tuple[str, str], figures: rates.DepartmentRates
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "month": month.key,
        "department": dept_id,
        "name_zh": name[0],
        "name_en": name[1],
    }
    for field_name, key in zip(_FIELDS, RATE_NAMES, strict=True):
        rate: rates.Rate = getattr(figures, field_name)
        row[key] = {
            "value": None if rate.value is None else round(rate.value, 4),
            "numerator": rate.numerator,
            "sample_size": rate.denominator,
            "status": rate.status,
        }
    return row


def _department_names(settings: Settings) -> dict[str, tuple[str, str]]:
    return {d.id: (d.name_zh, d.name_en) for d in settings.departments}


# -- overdue, misroutes, volume, satisfaction -----------------------------------------------


def overdue_list(app: App, scope: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Open cases past a deadline, most overdue first (the sweep's definition)."""
    return [row for row in overdue.overdue(app) if _in_scope(row["department"], scope)]


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
        (src or "", dst) for src, dst in pairs if _in_scope(src, scope) or _in_scope(dst, scope)
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


CORRECTION_AXES: dict[str, tuple[str, ...]] = {
    "domain": DOMAINS,
    "urgency": URGENCIES,
    "kind": KINDS,
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
        if _in_scope(dept, scope):
            last[(_month_key(at, app.tz), case_id, axis)] = (predicted or before, after)
    counts: Counter[tuple[str, str, str, str]] = Counter(
        (month, axis, predicted, corrected)
        for (month, _case, axis), (predicted, corrected) in last.items()
    )
    axes = []
    for axis, known in CORRECTION_AXES.items():
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
        (_month_key(at, app.tz), domain) for at, domain, dept in found if _in_scope(dept, scope)
    )
    return [
        {"month": month.key, "domain": domain, "cases": counts.get((month.key, domain), 0)}
        for month in months
        for domain in DOMAINS
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
        if _in_scope(dept, scope):
            key = _month_key(at, app.tz)
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


def _month_key(moment: dt.datetime, tz: dt.tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


# -- the whole dashboard --------------------------------------------------------------------


def dashboard(
    app: App, *, last_month: str | None = None, count: int = 6, scope: Collection[str] | None = None
) -> dict[str, Any]:
    months = months_ending(app, last_month, count)
    return {
        "months": [m.key for m in months],
        "min_sample": app.settings.sla.min_sample,
        "rates": monthly_rates(app, months, scope),
        "overdue": overdue_list(app, scope),
        "misroutes": misroute_matrix(app, months, scope),
        "corrections": correction_confusion(app, months, scope),
        "volume": volume_by_domain(app, months, scope),
        "satisfaction": satisfaction_trend(app, months, scope),
    }


# -- CSV ------------------------------------------------------------------------------------

SECTIONS = ("rates", "overdue", "misroutes", "corrections", "volume", "satisfaction")


def to_csv(section: str, data: dict[str, Any]) -> str:
    """One dashboard section as CSV (UTF-8 text; rates as fractions, blanks below min_sample)."""
    if section == "rates":
        return _csv(_rate_header(), (_rate_csv_row(r) for r in data["rates"]))
    if section == "overdue":
        header = [
            "reference",
            "department",
            "status",
            "domain",
            "urgency",
            "kind",
            "missed",
            "overdue_since",
            "overdue_hours",
            "first_response_due_at",
            "resolution_due_at",
            "escalated",
        ]
        return _csv(header, ([_cell(r[h]) for h in header] for r in data["overdue"]))
    if section == "misroutes":
        matrix = data["misroutes"]
        return _csv(
            ["from \\ to", *matrix["to"]],
            ([src, *counts] for src, counts in zip(matrix["from"], matrix["counts"], strict=True)),
        )
    if section == "corrections":
        header = ["month", "axis", "predicted", "corrected", "count"]
        return _csv(header, ([r[h] for h in header] for r in data["corrections"]["cells"]))
    if section == "volume":
        return _csv(
            ["month", "domain", "cases"],
            ([r["month"], r["domain"], r["cases"]] for r in data["volume"]),
        )
    if section == "satisfaction":
        header = ["month", "ratings", "mean_score", "satisfaction_rate", "status"]
        return _csv(header, ([_cell(r[h]) for h in header] for r in data["satisfaction"]))
    raise InvalidRequest(f"unknown section '{section}' ({', '.join(SECTIONS)})")


def record_export(app: App, actor: str, section: str, months: Sequence[str]) -> None:
    """Write a dashboard export to the audit log (the overdue list names cases)."""
    with app.uow() as uow:
        uow.session.add(
            AuditLog(
                at=app.now(),
                actor=actor,
                action="dashboard_exported",
                subject=section,
                detail={"from": months[0], "to": months[-1]},
            )
        )
        uow.commit()


def _rate_header() -> list[str]:
    header = ["month", "department", "name_zh", "name_en"]
    for name in RATE_NAMES:
        header += [name, f"{name}_numerator", f"{name}_sample_size", f"{name}_status"]
    return header


def _rate_csv_row(row: dict[str, Any]) -> list[Any]:
    out = [row["month"], row["department"], row["name_zh"], row["name_en"]]
    for name in RATE_NAMES:
        rate = row[name]
        out += [_cell(rate["value"]), rate["numerator"], rate["sample_size"], rate["status"]]
    return out


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        # A spreadsheet would run a cell starting with = + - @ as a formula; quote it away.
        writer.writerow([_defuse(v) for v in row])
    return buffer.getvalue()


def _defuse(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
