"""What every case use case shares: loading a case in its unit of work, moving it through
the lifecycle with one event per move, and the first-response clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from case_store.lifecycle import Action, Transition, plan
from case_store.models import Case, CaseEvent
from case_store.uow import UnitOfWork
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.errors import ConcurrencyConflict, InvalidRequest
from routing import sla

Authorize = Callable[[Case], None]
"""Raises when the caller may not act on the loaded case (e.g. outside a clerk's scope)."""

EVENT_NAMES = {
    Action.ROUTE: "routed",
    Action.ACCEPT: "accepted",
    Action.START: "started",
    Action.ASK_RESIDENT: "asked_resident",
    Action.RESIDENT_ANSWERED: "resident_answered",
    Action.TRANSFER: "transferred",
    Action.RESOLVE: "resolved",
    Action.CLOSE: "closed",
    Action.REOPEN: "reopened",
    Action.WITHDRAW: "withdrawn",
}


@contextmanager
def case_unit(
    app: App,
    reference: str,
    *,
    authorize: Authorize | None = None,
    expected_version: int | None = None,
) -> Iterator[tuple[UnitOfWork, Case]]:
    """One unit of work on one case: loaded once, authorised, version-checked, then acted on.

    Authorisation runs before the version check so that a case outside the caller's scope
    is reported as not found, never as changed.
    """
    with app.uow() as uow:
        case = uow.cases.get(reference)
        if authorize is not None:
            authorize(case)
        check_version(case, expected_version)
        yield uow, case


def record_event(
    session: Session,
    case: Case,
    type_: str,
    actor: str,
    now: dt.datetime,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case=case, at=now, actor=actor, type=type_, before=before, after=after, note=note
    )
    session.add(event)
    return event


def apply_action(
    app: App,
    session: Session,
    case: Case,
    action: Action,
    actor: str,
    now: dt.datetime,
    *,
    note: str | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Move the case through the lifecycle, appending one event per move."""
    for step, event in moves(case.status, action, actor, now, note=note, extra=extra):
        case.status = step.after.value
        session.add(CaseEvent(case=case, **event))
        if step.action is Action.ACCEPT:
            first_response(app, case, now)
    case.updated_at = now


def moves(
    status: str,
    action: Action,
    actor: str,
    now: dt.datetime,
    *,
    note: str | None = None,
    extra: dict[str, Any] | None = None,
) -> list[tuple[Transition, dict[str, Any]]]:
    """The lifecycle's moves for this action, each with its event's columns."""
    out = []
    for step in plan(status, action):
        after: dict[str, Any] = {"status": step.after.value}
        if step.implied_acceptance:
            after["implied"] = True
        elif extra:
            after.update(extra)
        event = {
            "at": now,
            "actor": actor,
            "type": EVENT_NAMES[step.action],
            "before": {"status": step.before.value},
            "after": after,
            "note": None if step.implied_acceptance else note,
        }
        out.append((step, event))
    return out


def first_response(app: App, case: Case, now: dt.datetime) -> None:
    """Stop the first-response clock once; the next alert is then a resolution one."""
    if case.first_responded_at is None:
        case.first_responded_at = now
        if case.next_due_at is not None and case.resolution_due_at is not None:
            clock = policy.clock_of(case, app.settings, app.calendar)
            case.next_due_at = sla.next_due_at(clock, after=now)


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise ConcurrencyConflict(
            f"{case.reference} was changed by someone else (version {case.version}, "
            f"you saw {expected_version}); reload it and try again"
        )


def validate_department(app: App, dept_id: str) -> None:
    if dept_id not in {d.id for d in app.settings.departments}:
        raise InvalidRequest(f"unknown department '{dept_id}'")


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
