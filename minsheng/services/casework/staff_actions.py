"""What a department does with a case: accept, start, ask, reply, transfer, resolve, reopen
(a resident reopens too, when unhappy with the resolution).

Each use case loads the case once and acts in one unit of work. `authorize`, when given,
sees the loaded case before anything changes; the workspace passes its scope and role check.
"""

from __future__ import annotations

from typing import Any

from case_store import repository
from case_store.lifecycle import Action, Outcome, may_reply
from case_store.models import Message, Transfer
from case_store.taxonomy import KINDS, URGENCIES
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.casework import corrections, duplicates
from minsheng.services.casework.records import (
    Authorize,
    apply_action,
    case_unit,
    first_response,
    iso,
    record_event,
    validate_department,
)
from minsheng.services.casework.views import case_view
from minsheng.services.errors import InvalidRequest
from minsheng.services.messaging.notify import notify_resident
from routing import sla, transfers


def accept(
    app: App,
    reference: str,
    *,
    actor: str = "staff",
    expected_version: int | None = None,
    authorize: Authorize | None = None,
) -> dict[str, Any]:
    """The department takes the case on; this is its first response when none came before."""
    return _simple_action(
        app, reference, Action.ACCEPT, actor, expected_version, authorize, notify="accepted"
    )


def start(
    app: App,
    reference: str,
    *,
    actor: str = "staff",
    expected_version: int | None = None,
    authorize: Authorize | None = None,
) -> dict[str, Any]:
    """Work on the case begins (accepting it first when nobody did); the resident is told."""
    return _simple_action(
        app, reference, Action.START, actor, expected_version, authorize, notify="started"
    )


def _simple_action(
    app: App,
    reference: str,
    action: Action,
    actor: str,
    expected_version: int | None,
    authorize: Authorize | None,
    notify: str | None = None,
) -> dict[str, Any]:
    now = app.now()
    with case_unit(app, reference, authorize=authorize, expected_version=expected_version) as (
        uow,
        case,
    ):
        apply_action(app, uow.session, case, action, actor, now)
        if notify is not None:
            notify_resident(uow.session, case, notify, now, settings=app.settings)
        if action is Action.START:
            duplicates.follow(app, uow.session, case, "started", actor, now)
        uow.session.flush()
        view = case_view(case, repository.latest_rating(uow.session, case.id), app)
        uow.commit()
    return view


def ask_resident(
    app: App,
    reference: str,
    *,
    question: str,
    actor: str = "staff",
    expected_version: int | None = None,
    authorize: Authorize | None = None,
) -> dict[str, Any]:
    """Staff need more from the resident; the case waits for the answer."""
    if not question.strip():
        raise InvalidRequest("the question is empty")
    now = app.now()
    with case_unit(app, reference, authorize=authorize, expected_version=expected_version) as (
        uow,
        case,
    ):
        s = uow.session
        apply_action(app, s, case, Action.ASK_RESIDENT, actor, now, note=question)
        s.add(Message(case=case, at=now, author="staff", author_name=actor, text=question))
        first_response(app, case, now)
        notify_resident(s, case, "asked", now, question=question, settings=app.settings)
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def reply(
    app: App,
    reference: str,
    *,
    text: str,
    actor: str = "staff",
    expected_version: int | None = None,
    authorize: Authorize | None = None,
) -> dict[str, Any]:
    """A department's message to the resident; the first one counts as the first response."""
    if not text.strip():
        raise InvalidRequest("the reply is empty")
    now = app.now()
    with case_unit(app, reference, authorize=authorize, expected_version=expected_version) as (
        uow,
        case,
    ):
        s = uow.session
        if not may_reply(case.status):
            raise InvalidRequest(f"cannot reply on a case that is {case.status}")
        s.add(Message(case=case, at=now, author="staff", author_name=actor, text=text))
        record_event(s, case, "replied", actor, now, note=text)
        first_response(app, case, now)
        case.updated_at = now
        notify_resident(s, case, "replied", now, text=text, settings=app.settings)
        duplicates.follow(app, s, case, "replied", actor, now, text=text)
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def transfer(
    app: App,
    reference: str,
    *,
    to_department: str | None,
    reason: str,
    to_domain: str | None = None,
    actor: str = "staff",
    expected_version: int | None = None,
    authorize: Authorize | None = None,
) -> dict[str, Any]:
    """Return a misrouted case; the clocks keep running; too many bounces go to triage."""
    if not reason.strip():
        raise InvalidRequest("a transfer needs a reason")
    if to_domain is not None and to_domain not in app.settings.taxonomy.keys:
        raise InvalidRequest(f"unknown domain '{to_domain}'")
    settings = app.settings
    target = to_department
    if target is None:
        target = settings.routing.get(to_domain) if to_domain else settings.triage_department.id
    assert target is not None
    validate_department(app, target)
    now = app.now()
    with case_unit(app, reference, authorize=authorize, expected_version=expected_version) as (
        uow,
        case,
    ):
        s = uow.session
        if target == case.department:
            raise InvalidRequest(f"{reference} is already with {target}")
        final = transfers.decide_transfer(
            transfers.TransferRequest(
                from_department=case.department or "",
                reason=reason,
                target_department=to_department
                if to_department is not None
                else (target if to_domain else None),
            ),
            case.bounce_count,
            transfers.TransferPolicy(
                triage_department=settings.triage_department.id,
                triage_supervisor=settings.triage_department.parent
                or settings.triage_department.id,
                max_bounces=settings.routing_rules.max_bounces,
            ),
            clock=None,
        )
        bounces = final.bounce_count
        before = {"department": case.department, "domain": case.domain}
        s.add(
            Transfer(
                case=case,
                at=now,
                actor=actor,
                from_department=case.department,
                to_department=final.department,
                reason=reason,
                from_domain=case.domain,
                to_domain=to_domain or case.domain,
            )
        )
        apply_action(
            app,
            s,
            case,
            Action.TRANSFER,
            actor,
            now,
            note=reason,
            extra={
                "department": final.department,
                "requested": target,
                "bounces": bounces,
                "rule": final.rule,
            },
        )
        case.events[-1].before = {**(case.events[-1].before or {}), **before}
        case.department = final.department
        case.bounce_count = bounces
        # The department taking the case over may be the one the complaint is about.
        case.hide_identity_from = policy.hide_identity_from(settings, case)
        if to_domain:
            # A transfer to another domain says the reading was wrong: keep it as a correction.
            corrections.record(
                s, case, "domain", to_domain, actor=actor, source="transfer", now=now, note=reason
            )
            case.domain = to_domain
        from_triage = before["department"] == settings.triage_department.id
        notify_resident(s, case, "routed" if from_triage else "transferred", now, settings=settings)
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def reclassify(
    app: App,
    reference: str,
    *,
    reason: str,
    domain: str | None = None,
    urgency: str | None = None,
    kind: str | None = None,
    actor: str = "staff",
    source: str = "console",
    expected_version: int | None = None,
    authorize: Authorize | None = None,
) -> dict[str, Any]:
    """Correct a case's domain, urgency or kind without moving it (a transfer moves it).

    Each changed axis is kept as a correction beside the NLU's reading. A new urgency or kind
    moves the first-response deadline when nobody has answered yet: an urgent case needs its
    answer within hours, whenever staff noticed it was urgent.
    """
    if not reason.strip():
        raise InvalidRequest("a re-classification needs a reason")
    if source not in corrections.SOURCES:
        raise InvalidRequest(f"unknown source '{source}'")
    wanted = {"domain": domain, "urgency": urgency, "kind": kind}
    allowed = {"domain": app.settings.taxonomy.keys, "urgency": URGENCIES, "kind": KINDS}
    for axis, value in wanted.items():
        if value is not None and value not in allowed[axis]:
            raise InvalidRequest(f"unknown {axis} '{value}'")
    if all(value is None for value in wanted.values()):
        raise InvalidRequest("nothing to re-classify: give a domain, urgency or kind")
    now = app.now()
    with case_unit(app, reference, authorize=authorize, expected_version=expected_version) as (
        uow,
        case,
    ):
        s = uow.session
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for axis, value in wanted.items():
            if value is None:
                continue
            row = corrections.record(
                s, case, axis, value, actor=actor, source=source, now=now, note=reason
            )
            if row is not None:
                before[axis], after[axis] = row.before, row.after
                setattr(case, axis, value)
        if not after:
            raise InvalidRequest(f"{reference} already has that classification")
        if case.first_responded_at is None and ("urgency" in after or "kind" in after):
            window = sla.first_response_window(
                policy.sla_policy(app.settings), case.urgency, case.kind
            )
            before["first_response_due_at"] = iso(case.first_response_due_at)
            case.first_response_due_at = case.created_at + window if window else None
            if case.resolution_started_at is not None and case.resolution_due_at is not None:
                clock = policy.clock_of(case, app.settings, app.calendar)
                case.next_due_at = sla.next_due_at(clock, after=now)
            after["first_response_due_at"] = iso(case.first_response_due_at)
        record_event(s, case, "reclassified", actor, now, before=before, after=after, note=reason)
        case.updated_at = now
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def resolve(
    app: App,
    reference: str,
    *,
    note: str,
    outcome: str = Outcome.RESOLVED.value,
    actor: str = "staff",
    expected_version: int | None = None,
    authorize: Authorize | None = None,
) -> dict[str, Any]:
    """Record the department's resolution; the resident is then asked to rate it."""
    if not note.strip():
        raise InvalidRequest("a resolution needs a note for the resident")
    try:
        outcome_value = Outcome(outcome).value
    except ValueError:
        raise InvalidRequest(
            f"unknown outcome '{outcome}' (resolved, not_responsible or unresolved)"
        ) from None
    now = app.now()
    with case_unit(app, reference, authorize=authorize, expected_version=expected_version) as (
        uow,
        case,
    ):
        s = uow.session
        apply_action(
            app,
            s,
            case,
            Action.RESOLVE,
            actor,
            now,
            note=note,
            extra={
                "outcome": outcome_value,
                "round": case.resolution_round,
                "department": case.department,
                "resolution_started_at": iso(case.resolution_started_at),
                "resolution_due_at": iso(case.resolution_due_at),
            },
        )
        case.outcome = outcome_value
        case.resolution_note = note
        case.resolved_at = now
        s.add(Message(case=case, at=now, author="staff", author_name=actor, text=note))
        case.next_due_at = None
        notify_resident(s, case, "resolved", now, settings=app.settings)
        duplicates.follow(app, s, case, "resolved", actor, now, text=note, outcome=outcome_value)
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def reopen(
    app: App,
    reference: str,
    *,
    reason: str,
    actor: str = "staff",
    expected_version: int | None = None,
    authorize: Authorize | None = None,
) -> dict[str, Any]:
    """Open a resolved or closed case again with a fresh resolution clock."""
    if not reason.strip():
        raise InvalidRequest("a reopen needs a reason")
    now = app.now()
    with case_unit(app, reference, authorize=authorize, expected_version=expected_version) as (
        uow,
        case,
    ):
        s = uow.session
        clock = policy.clock_of(case, app.settings, app.calendar)
        apply_action(
            app,
            s,
            case,
            Action.REOPEN,
            actor,
            now,
            note=reason,
            extra={"resolution_round": case.resolution_round + 1},
        )
        resolved_clock = (
            clock if clock.resolved_at else sla.record_resolution(clock, case.resolved_at or now)
        )
        new_clock = sla.reopen(
            resolved_clock, now, policy.sla_policy(app.settings), app.calendar, app.tz
        )
        policy.store_clock(case, new_clock, now)
        case.outcome = None
        case.resolved_at = None
        case.closed_at = None
        if not actor.startswith("resident:"):
            # A resident who reopened reads the new deadline in the dialogue's own answer.
            notify_resident(s, case, "reopened", now, settings=app.settings, tz=app.tz)
        s.flush()
        view = case_view(case, repository.latest_rating(s, case.id), app)
        uow.commit()
    return view
