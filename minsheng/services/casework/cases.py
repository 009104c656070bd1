"""Case use cases: one function each, each in one unit of work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from case_store import repository
from case_store.lifecycle import Action, Outcome, Status, plan
from case_store.models import Case, CaseEvent, Message, Rating, Resident, Transfer
from case_store.references import new_access_token, new_reference
from case_store.taxonomy import DOMAINS, KINDS, URGENCIES
from routing import router, sla, transfers
from minsheng.services.messaging import notices
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.errors import ConcurrencyConflict, InvalidRequest
from minsheng.services.messaging.notify import notify_resident

REFERENCE_ATTEMPTS = 8


@dataclass(frozen=True)
class Intake:
    """What a resident submitted, already classified."""

    text: str
    domain: str
    urgency: str
    kind: str
    channel: str = "cli"
    external_id: str | None = None
    display_name: str | None = None
    language: str = "zh"
    address: str | None = None
    phone: str | None = None
    confidence: float = 1.0
    entities: list[dict[str, Any]] = field(default_factory=list)
    safety_rules: list[dict[str, Any]] = field(default_factory=list)
    complaint_about_staff: bool = False
    accused_department: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


# -- helpers ------------------------------------------------------------------------------

def record_event(session: Session, case: Case, type_: str, actor: str, now: dt.datetime, *,
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                 note: str | None = None) -> CaseEvent:
    event = CaseEvent(case=case, at=now, actor=actor, type=type_, before=before, after=after,
                      note=note)
    session.add(event)
    return event


def _apply(app: App, session: Session, case: Case, action: Action, actor: str,
           now: dt.datetime, *, note: str | None = None, extra: dict[str, Any] | None = None) -> None:
    """Move the case through the lifecycle, appending one event per move."""
    for step in plan(case.status, action):
        case.status = step.after.value
        after: dict[str, Any] = {"status": step.after.value}
        if step.implied_acceptance:
            after["implied"] = True
        elif extra:
            after.update(extra)
        record_event(session, case, _EVENT_NAMES[step.action], actor, now,
                     before={"status": step.before.value}, after=after,
                     note=None if step.implied_acceptance else note)
        if step.action is Action.ACCEPT:
            _first_response(app, case, now)
    case.updated_at = now


_EVENT_NAMES = {
    Action.ROUTE: "routed", Action.ACCEPT: "accepted", Action.START: "started",
    Action.ASK_RESIDENT: "asked_resident", Action.RESIDENT_ANSWERED: "resident_answered",
    Action.TRANSFER: "transferred", Action.RESOLVE: "resolved", Action.CLOSE: "closed",
    Action.REOPEN: "reopened", Action.WITHDRAW: "withdrawn",
}


def _first_response(app: App, case: Case, now: dt.datetime) -> None:
    """Stop the first-response clock once; the next alert is then a resolution one."""
    if case.first_responded_at is None:
        case.first_responded_at = now
        if case.next_due_at is not None and case.resolution_due_at is not None:
            clock = policy.clock_of(case, app.settings, app.calendar)
            case.next_due_at = sla.next_due_at(clock, after=now)


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise ConcurrencyConflict(
            f"{case.reference} was changed by someone else (version {case.version}, "
            f"you saw {expected_version}); reload it and try again")


def _validate_department(app: App, dept_id: str) -> None:
    if dept_id not in {d.id for d in app.settings.departments}:
        raise InvalidRequest(f"unknown department '{dept_id}'")


def get_or_create_resident(session: Session, channel: str, external_id: str,
                           display_name: str | None, language: str,
                           now: dt.datetime) -> Resident:
    resident = repository.find_resident(session, channel, external_id)
    if resident is None:
        resident = Resident(channel=channel, external_id=external_id, display_name=display_name,
                            language=language, deliverable=True, created_at=now)
        session.add(resident)
        session.flush()
    return resident


# -- use cases ----------------------------------------------------------------------------

def submit(app: App, intake: Intake) -> dict[str, Any]:
    """Create a case from a resident's words and route it to a department."""
    if intake.domain not in DOMAINS:
        raise InvalidRequest(f"unknown domain '{intake.domain}'")
    if intake.urgency not in URGENCIES:
        raise InvalidRequest(f"unknown urgency '{intake.urgency}'")
    if intake.kind not in KINDS:
        raise InvalidRequest(f"unknown kind '{intake.kind}'")
    if not intake.text.strip():
        raise InvalidRequest("the description is empty")
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            return _submit_once(app, intake)
        except IntegrityError as exc:
            # A reference collision is the only constraint a fresh case can hit; retry with
            # a new one, and give up loudly if something else is wrong.
            if "reference" not in str(exc.orig).lower() or attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _submit_once(app: App, intake: Intake) -> dict[str, Any]:
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        resident = None
        if intake.external_id is not None:
            resident = get_or_create_resident(s, intake.channel, intake.external_id,
                                              intake.display_name, intake.language, now)
        case = Case(
            reference=new_reference(now.astimezone(app.tz)),
            access_token=new_access_token(),
            resident=resident,
            channel=intake.channel,
            language=intake.language,
            domain=intake.domain,
            urgency=intake.urgency,
            kind=intake.kind,
            description=intake.text,
            address=intake.address,
            phone=intake.phone,
            details={**intake.details, "entities": intake.entities,
                     "safety_rules": intake.safety_rules,
                     "confidence": round(intake.confidence, 4)},
            status=Status.NEW.value,
            created_at=now,
            updated_at=now,
        )
        s.add(case)
        record_event(s, case, "created", _resident_actor(intake), now,
                     after={"status": Status.NEW.value, "domain": intake.domain,
                            "urgency": intake.urgency, "kind": intake.kind,
                            "channel": intake.channel})
        s.add(Message(case=case, at=now, author="resident", text=intake.text))
        _route_new_case(app, s, case, intake, now)
        notices.new_case_notice(app, s, case, now)
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def _resident_actor(intake: Intake) -> str:
    return f"resident:{intake.channel}"


def _route_new_case(app: App, s: Session, case: Case, intake: Intake, now: dt.datetime) -> None:
    district, street = policy.place_of(app.settings, intake.entities, intake.address)
    decision = router.route(
        router.RoutingRequest(domain=intake.domain, kind=intake.kind,
                              confidence=intake.confidence, district=district, street=street,
                              complaint_about_staff=intake.complaint_about_staff,
                              accused_department=intake.accused_department),
        policy.routing_table(app.settings),
    )
    case.department = decision.department
    case.hide_identity_from = decision.hide_identity_from
    case.routed_at = now
    clock = sla.start_clock(now, intake.urgency, intake.kind, intake.domain,
                            policy.sla_policy(app.settings), app.calendar, app.tz)
    policy.store_clock(case, clock, now)
    _apply(app, s, case, Action.ROUTE, "system:router", now,
           note=decision.reason,
           extra={"department": decision.department, "rule": decision.rule,
                  "confidence": round(decision.confidence, 4)})


def accept(app: App, reference: str, *, actor: str = "staff",
           expected_version: int | None = None) -> dict[str, Any]:
    """The department takes the case on; this is its first response when none came before."""
    return _simple_action(app, reference, Action.ACCEPT, actor, expected_version,
                          notify="accepted")


def start(app: App, reference: str, *, actor: str = "staff",
          expected_version: int | None = None) -> dict[str, Any]:
    return _simple_action(app, reference, Action.START, actor, expected_version)


def _simple_action(app: App, reference: str, action: Action, actor: str,
                   expected_version: int | None, note: str | None = None,
                   notify: str | None = None) -> dict[str, Any]:
    now = app.now()
    with app.uow() as uow:
        case = repository.get_case(uow.session, reference)
        _check_version(case, expected_version)
        _apply(app, uow.session, case, action, actor, now, note=note)
        if notify is not None:
            notify_resident(uow.session, case, notify, now, settings=app.settings)
        uow.session.flush()
        view = case_view(case, repository.latest_rating(uow.session, case.id), app)
        uow.commit()
    return view


def ask_resident(app: App, reference: str, *, question: str, actor: str = "staff",
                 expected_version: int | None = None) -> dict[str, Any]:
    """Staff need more from the resident; the case waits for the answer."""
    if not question.strip():
        raise InvalidRequest("the question is empty")
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = repository.get_case(s, reference)
        _check_version(case, expected_version)
        _apply(app, s, case, Action.ASK_RESIDENT, actor, now, note=question)
        s.add(Message(case=case, at=now, author="staff", author_name=actor, text=question))
        _first_response(app, case, now)
        notify_resident(s, case, "asked", now, question=question, settings=app.settings)
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def reply(app: App, reference: str, *, text: str, actor: str = "staff",
          expected_version: int | None = None) -> dict[str, Any]:
    """A department's message to the resident; the first one counts as the first response."""
    if not text.strip():
        raise InvalidRequest("the reply is empty")
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = repository.get_case(s, reference)
        _check_version(case, expected_version)
        if Status(case.status) not in (Status.ROUTED, Status.ACCEPTED, Status.IN_PROGRESS,
                                       Status.AWAITING_RESIDENT, Status.RESOLVED):
            raise InvalidRequest(f"cannot reply on a case that is {case.status}")
        s.add(Message(case=case, at=now, author="staff", author_name=actor, text=text))
        record_event(s, case, "replied", actor, now, note=text)
        _first_response(app, case, now)
        case.updated_at = now
        notify_resident(s, case, "replied", now, text=text, settings=app.settings)
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def resident_message(app: App, reference: str, *, text: str,
                     actor: str = "resident") -> dict[str, Any]:
    """A resident adds details to an open case; an awaited answer puts it back in progress."""
    if not text.strip():
        raise InvalidRequest("the message is empty")
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = repository.get_case(s, reference)
        if Status(case.status) in (Status.CLOSED, Status.WITHDRAWN):
            raise InvalidRequest(f"{reference} is {case.status}; details can no longer be added")
        s.add(Message(case=case, at=now, author="resident", text=text))
        if case.status == Status.AWAITING_RESIDENT:
            _apply(app, s, case, Action.RESIDENT_ANSWERED, actor, now, note=text)
        else:
            record_event(s, case, "details_added", actor, now, note=text)
            case.updated_at = now
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def transfer(app: App, reference: str, *, to_department: str | None, reason: str,
             to_domain: str | None = None, actor: str = "staff",
             expected_version: int | None = None) -> dict[str, Any]:
    """Return a misrouted case; the clocks keep running; too many bounces go to triage."""
    if not reason.strip():
        raise InvalidRequest("a transfer needs a reason")
    if to_domain is not None and to_domain not in DOMAINS:
        raise InvalidRequest(f"unknown domain '{to_domain}'")
    settings = app.settings
    target = to_department
    if target is None:
        target = settings.routing.get(to_domain) if to_domain else settings.triage_department.id
    assert target is not None
    _validate_department(app, target)
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = repository.get_case(s, reference)
        _check_version(case, expected_version)
        if target == case.department:
            raise InvalidRequest(f"{reference} is already with {target}")
        final = transfers.decide_transfer(
            transfers.TransferRequest(from_department=case.department or "",
                                      reason=reason, target_department=to_department
                                      if to_department is not None else
                                      (target if to_domain else None)),
            case.bounce_count,
            transfers.TransferPolicy(
                triage_department=settings.triage_department.id,
                triage_supervisor=settings.triage_department.parent
                or settings.triage_department.id,
                max_bounces=settings.routing_rules.max_bounces),
            clock=None,
        )
        bounces = final.bounce_count
        before = {"department": case.department, "domain": case.domain}
        s.add(Transfer(case=case, at=now, actor=actor, from_department=case.department,
                       to_department=final.department, reason=reason,
                       from_domain=case.domain, to_domain=to_domain or case.domain))
        _apply(app, s, case, Action.TRANSFER, actor, now, note=reason,
               extra={"department": final.department, "requested": target,
                      "bounces": bounces, "rule": final.rule})
        case.events[-1].before = {**(case.events[-1].before or {}), **before}
        case.department = final.department
        case.bounce_count = bounces
        if to_domain:
            case.domain = to_domain
        from_triage = before["department"] == settings.triage_department.id
        notify_resident(s, case, "routed" if from_triage else "transferred", now,
                        settings=settings)
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def resolve(app: App, reference: str, *, note: str, outcome: str = Outcome.RESOLVED.value,
            actor: str = "staff", expected_version: int | None = None) -> dict[str, Any]:
    """Record the department's resolution; the resident is then asked to rate it."""
    if not note.strip():
        raise InvalidRequest("a resolution needs a note for the resident")
    try:
        outcome_value = Outcome(outcome).value
    except ValueError:
        raise InvalidRequest(
            f"unknown outcome '{outcome}' (resolved, not_responsible or unresolved)") from None
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = repository.get_case(s, reference)
        _check_version(case, expected_version)
        _apply(app, s, case, Action.RESOLVE, actor, now, note=note,
               extra={"outcome": outcome_value, "round": case.resolution_round,
                      "department": case.department,
                      "resolution_started_at": _iso(case.resolution_started_at),
                      "resolution_due_at": _iso(case.resolution_due_at)})
        case.outcome = outcome_value
        case.resolution_note = note
        case.resolved_at = now
        s.add(Message(case=case, at=now, author="staff", author_name=actor, text=note))
        case.next_due_at = None
        notify_resident(s, case, "resolved", now, settings=app.settings)
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


def reopen(app: App, reference: str, *, reason: str, actor: str = "staff",
           expected_version: int | None = None) -> dict[str, Any]:
    """Open a resolved or closed case again with a fresh resolution clock."""
    if not reason.strip():
        raise InvalidRequest("a reopen needs a reason")
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = repository.get_case(s, reference)
        _check_version(case, expected_version)
        clock = policy.clock_of(case, app.settings, app.calendar)
        _apply(app, s, case, Action.REOPEN, actor, now, note=reason,
               extra={"resolution_round": case.resolution_round + 1})
        resolved_clock = clock if clock.resolved_at else sla.record_resolution(
            clock, case.resolved_at or now)
        new_clock = sla.reopen(resolved_clock, now, policy.sla_policy(app.settings),
                               app.calendar, app.tz)
        policy.store_clock(case, new_clock, now)
        case.outcome = None
        case.resolved_at = None
        case.closed_at = None
        s.flush()
        view = case_view(case, repository.latest_rating(s, case.id), app)
        uow.commit()
    return view


def close(app: App, reference: str, *, actor: str = "system",
          note: str | None = None) -> dict[str, Any]:
    return _close(app, reference, actor, note)


def _close(app: App, reference: str, actor: str, note: str | None) -> dict[str, Any]:
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = repository.get_case(s, reference)
        _apply(app, s, case, Action.CLOSE, actor, now, note=note)
        case.closed_at = now
        s.flush()
        view = case_view(case, repository.latest_rating(s, case.id), app)
        uow.commit()
    return view


def rate(app: App, reference: str, *, score: int, comment: str | None = None,
         actor: str = "resident") -> dict[str, Any]:
    """The resident's 1–5 score for a resolved case; it closes the case (rated)."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidRequest("a rating is a whole number from 1 to 5")
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = repository.get_case(s, reference)
        if case.status != Status.RESOLVED:
            raise InvalidRequest(f"{reference} is {case.status}; only a resolved case is rated")
        existing = s.scalars(select(Rating).where(Rating.case_id == case.id,
                                                  Rating.round == case.resolution_round)).first()
        if existing is not None:
            raise InvalidRequest(f"{reference} is already rated")
        rating = Rating(case=case, round=case.resolution_round, score=score, comment=comment,
                        department=case.department, at=now)
        s.add(rating)
        record_event(s, case, "rated", actor, now, after={"score": score}, note=comment)
        _apply(app, s, case, Action.CLOSE, actor, now, extra={"rated": True})
        case.closed_at = now
        s.flush()
        view = case_view(case, rating, app)
        uow.commit()
    return view


def withdraw(app: App, reference: str, *, actor: str = "resident",
             reason: str | None = None) -> dict[str, Any]:
    """The resident no longer needs the case handled."""
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = repository.get_case(s, reference)
        _apply(app, s, case, Action.WITHDRAW, actor, now, note=reason)
        case.next_due_at = None
        s.flush()
        view = case_view(case, None, app)
        uow.commit()
    return view


# -- queries ------------------------------------------------------------------------------

def show(app: App, reference: str) -> dict[str, Any]:
    with app.uow() as uow:
        case = repository.get_case(uow.session, reference)
        return case_view(case, repository.latest_rating(uow.session, case.id), app)


def list_all(app: App, *, department: str | None = None,
             status: Sequence[str] | None = None) -> list[dict[str, Any]]:
    with app.uow() as uow:
        s = uow.session
        cases = repository.list_cases(s, department=department, status=status)
        ratings = {r.case_id: r for r in s.scalars(select(Rating).order_by(Rating.round))}
        return [case_view(c, ratings.get(c.id), app) for c in cases]


def events(app: App, reference: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        case = repository.get_case(uow.session, reference)
        return [
            {"at": _iso(e.at), "actor": e.actor, "type": e.type, "before": e.before,
             "after": e.after, "note": e.note}
            for e in case.events
        ]


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


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
