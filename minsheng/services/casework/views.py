"""Reading cases: the flat view every adapter shows, one case, all cases, the event log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from case_store import repository
from case_store.models import Case, Rating
from minsheng.services.bootstrap import App
from minsheng.services.casework.records import iso


def show(app: App, reference: str) -> dict[str, Any]:
    with app.uow() as uow:
        case = repository.get_case(uow.session, reference)
        return case_view(case, repository.latest_rating(uow.session, case.id), app)


def list_all(
    app: App, *, department: str | None = None, status: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    with app.uow() as uow:
        s = uow.session
        cases = repository.list_cases(s, department=department, status=status)
        ratings = {r.case_id: r for r in s.scalars(select(Rating).order_by(Rating.round))}
        return [case_view(c, ratings.get(c.id), app) for c in cases]


def events(app: App, reference: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        case = repository.get_case(uow.session, reference)
        return [
            {
                "at": iso(e.at),
                "actor": e.actor,
                "type": e.type,
                "before": e.before,
                "after": e.after,
                "note": e.note,
            }
            for e in case.events
        ]


def case_view(case: Case, rating: Rating | None, app: App) -> dict[str, Any]:
    """One flat, JSON-ready description of a case (no internal ids)."""
    tz = app.tz

    def local(value: dt.datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value is not None else None

    return {
        "reference": case.reference,
        "status": case.status,
        "outcome": case.outcome,
        "domain": case.domain,
        "urgency": case.urgency,
        "kind": case.kind,
        "department": case.department,
        "description": case.description,
        "address": case.address,
        # The resident's answer to the bot's safety question ("yes"/"no"), when it was asked.
        "safety_answer": (case.details or {}).get("safety_answer"),
        "channel": case.channel,
        "language": case.language,
        "created_at": local(case.created_at),
        "updated_at": local(case.updated_at),
        "routed_at": local(case.routed_at),
        "first_response_due_at": local(case.first_response_due_at),
        "first_responded_at": local(case.first_responded_at),
        "resolution_due_at": local(case.resolution_due_at),
        "resolution_due_provisional": case.resolution_provisional,
        "resolution_round": case.resolution_round,
        "resolved_at": local(case.resolved_at),
        "closed_at": local(case.closed_at),
        "escalated": case.escalated,
        "identity_withdrawn": case.identity_withdrawn,
        "bounce_count": case.bounce_count,
        "resolution_note": case.resolution_note,
        "rating": rating.score if rating is not None else None,
        "version": case.version,
    }
