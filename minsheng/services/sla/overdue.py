"""The overdue list: open cases past their first-response or resolution deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import raiseload

from case_store.lifecycle import OPEN_STATUSES
from case_store.models import Case
from minsheng.services.bootstrap import App


def overdue(app: App, department: str | None = None) -> list[dict[str, Any]]:
    """Open cases past their first-response or resolution deadline, most overdue first."""
    now = app.now()
    first_missed = and_(Case.first_responded_at.is_(None), Case.first_response_due_at < now)
    stmt = (
        select(Case)
        .options(raiseload("*"))
        .where(Case.status.in_(OPEN_STATUSES), or_(first_missed, Case.resolution_due_at < now))
    )
    if department is not None:
        stmt = stmt.where(Case.department == department)
    with app.uow() as uow:
        rows = [_overdue_row(app, case, now) for case in uow.session.scalars(stmt)]
    rows.sort(key=lambda row: (row["_since"], row["reference"]))
    for row in rows:
        del row["_since"]
    return rows


def _overdue_row(app: App, case: Case, now: dt.datetime) -> dict[str, Any]:
    missed: list[tuple[str, dt.datetime]] = []
    if (
        case.first_responded_at is None
        and case.first_response_due_at is not None
        and case.first_response_due_at < now
    ):
        missed.append(("first_response", case.first_response_due_at))
    if case.resolution_due_at is not None and case.resolution_due_at < now:
        missed.append(("resolution", case.resolution_due_at))
    since = min(at for _, at in missed)

    def local(value: dt.datetime | None) -> str | None:
        return value.astimezone(app.tz).isoformat() if value is not None else None

    return {
        "reference": case.reference,
        "department": case.department,
        "status": case.status,
        "domain": case.domain,
        "urgency": case.urgency,
        "kind": case.kind,
        "missed": [name for name, _ in missed],
        "overdue_since": local(since),
        "overdue_hours": round((now - since).total_seconds() / 3600, 1),
        "first_response_due_at": local(case.first_response_due_at),
        "resolution_due_at": local(case.resolution_due_at),
        "resolution_due_provisional": case.resolution_provisional,
        "resolution_round": case.resolution_round,
        "escalated": case.escalated,
        "_since": since,
    }
