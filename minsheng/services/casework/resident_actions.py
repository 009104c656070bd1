"""What a resident does with their case: add details, withdraw it, rate the resolution; and
the close that ends the survey when they never rate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from case_store import repository
from case_store.lifecycle import Action, Status, is_final
from case_store.models import Case, Message, Rating
from minsheng.services.bootstrap import App
from minsheng.services.casework.records import apply_action, case_unit, record_event
from minsheng.services.casework.views import case_view
from minsheng.services.errors import InvalidRequest


def resident_message(
    app: App, reference: str, *, text: str, actor: str = "resident"
) -> dict[str, Any]:
    """A resident adds details to an open case; an awaited answer puts it back in progress."""
    if not text.strip():
        raise InvalidRequest("the message is empty")
    now = app.now()
    with case_unit(app, reference) as (uow, case):
        s = uow.session
        if is_final(case.status):
            raise InvalidRequest(f"{reference} is {case.status}; details can no longer be added")
        s.add(Message(case=case, at=now, author="resident", text=text))
        if case.status == Status.AWAITING_RESIDENT:
            apply_action(app, s, case, Action.RESIDENT_ANSWERED, actor, now, note=text)
        else:
            record_event(s, case, "details_added", actor, now, note=text)
            case.updated_at = now
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def add_contact_to(
    s: Session,
    case: Case,
    *,
    address: str | None,
    phone: str | None,
    actor: str,
    now: dt.datetime,
) -> None:
    """The place or callback number a resident gives after an urgent case was created, on the
    case as loaded in the caller's transaction.

    A second place is added to the first rather than replacing it: both may help staff find
    the spot. The event names what was added, never the number itself. Refuses
    (InvalidRequest) before it changes anything, so the caller's transaction stays usable.
    """
    address = (address or "").strip() or None
    phone = (phone or "").strip() or None
    if address is None and phone is None:
        raise InvalidRequest("nothing to add")
    if is_final(case.status):
        raise InvalidRequest(f"{case.reference} is {case.status}; details can no longer be added")
    added = []
    if address is not None:
        case.address = f"{case.address}；{address}" if case.address else address
        added.append("address")
    if phone is not None:
        case.phone = phone
        added.append("phone")
    record_event(s, case, "contact_added", actor, now, after={"added": added})
    case.updated_at = now


def withdraw(
    app: App, reference: str, *, actor: str = "resident", reason: str | None = None
) -> dict[str, Any]:
    """The resident no longer needs the case handled."""
    now = app.now()
    with case_unit(app, reference) as (uow, case):
        s = uow.session
        apply_action(app, s, case, Action.WITHDRAW, actor, now, note=reason)
        case.next_due_at = None
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def rate(
    app: App, reference: str, *, score: int, comment: str | None = None, actor: str = "resident"
) -> dict[str, Any]:
    """The resident's 1–5 score for a resolved case; it closes the case (rated)."""
    with case_unit(app, reference) as (uow, case):
        rating = rate_in(app, uow.session, case, score=score, comment=comment, actor=actor)
        uow.session.flush()
        view = case_view(case, rating, app)
        uow.commit()
    return view


def rate_in(
    app: App,
    s: Session,
    case: Case,
    *,
    score: int,
    comment: str | None = None,
    actor: str = "resident",
) -> Rating:
    """`rate` in the caller's transaction; a refusal (InvalidRequest) comes before any change."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidRequest("a rating is a whole number from 1 to 5")
    now = app.now()
    # Asked before the status: a second score finds the case closed by the first.
    existing = s.scalars(
        select(Rating).where(Rating.case_id == case.id, Rating.round == case.resolution_round)
    ).first()
    if existing is not None:
        raise InvalidRequest(f"{case.reference} is already rated")
    if case.status != Status.RESOLVED:
        raise InvalidRequest(f"{case.reference} is {case.status}; only a resolved case is rated")
    rating = Rating(
        case=case,
        round=case.resolution_round,
        score=score,
        comment=comment,
        department=case.department,
        at=now,
    )
    s.add(rating)
    record_event(s, case, "rated", actor, now, after={"score": score}, note=comment)
    apply_action(app, s, case, Action.CLOSE, actor, now, extra={"rated": True})
    case.closed_at = now
    return rating


def close(
    app: App, reference: str, *, actor: str = "system", note: str | None = None
) -> dict[str, Any]:
    """Close a resolved case without a rating, when the survey period has ended."""
    now = app.now()
    with case_unit(app, reference) as (uow, case):
        s = uow.session
        apply_action(app, s, case, Action.CLOSE, actor, now, note=note)
        case.closed_at = now
        s.flush()
        view = case_view(case, repository.latest_rating(s, case.id), app)
        uow.commit()
    return view
