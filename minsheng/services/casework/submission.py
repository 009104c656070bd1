"""Submission: a resident's classified words become a case, routed to a department."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from case_store import new_case
from case_store.lifecycle import Action, Status
from case_store.references import new_access_token, new_reference
from case_store.taxonomy import KINDS, URGENCIES
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.casework.records import moves
from minsheng.services.casework.views import case_view
from minsheng.services.errors import InvalidRequest
from minsheng.services.messaging import notices
from routing import router, sla

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
    # The NLU's own reading {"domain", "urgency", "kind"} before any explicit choice; kept so
    # that a later staff correction can be compared with what the classifier said.
    predicted: dict[str, str] | None = None


@dataclass(frozen=True)
class NewCase:
    """A case just written: its id, reference and the columns it was written with."""

    id: int
    reference: str
    columns: dict[str, Any]


def resident_row(intake: Intake, now: dt.datetime) -> dict[str, Any]:
    """The resident written on the first case from a chat (an existing one is kept as is)."""
    return {
        "channel": intake.channel,
        "external_id": intake.external_id,
        "display_name": intake.display_name,
        "language": intake.language,
        "deliverable": True,
        "created_at": now,
    }


def submit(app: App, intake: Intake) -> dict[str, Any]:
    """Create a case from a resident's words and route it to a department."""
    validate(app, intake)
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
        new = submit_in(app, uow.session, intake, now)
        view = case_view(uow.cases.get(new.reference), None, app)
        uow.commit()
    return view


def validate(app: App, intake: Intake) -> None:
    if intake.domain not in app.settings.taxonomy.keys:
        raise InvalidRequest(f"unknown domain '{intake.domain}'")
    if intake.urgency not in URGENCIES:
        raise InvalidRequest(f"unknown urgency '{intake.urgency}'")
    if intake.kind not in KINDS:
        raise InvalidRequest(f"unknown kind '{intake.kind}'")
    if not intake.text.strip():
        raise InvalidRequest("the description is empty")


def submit_in(
    app: App,
    s: Session,
    intake: Intake,
    now: dt.datetime,
    *,
    resident_id: int | None = None,
) -> NewCase:
    """The case in the caller's transaction (validated beforehand with `validate`), routed,
    its clock started and its department's notice queued.

    Written with Core statements built once, not through the ORM: this is the busiest write
    of the service. A reference collision raises IntegrityError, which spoils the
    transaction: the caller starts it again.
    """
    conn = s.connection()
    if resident_id is None and intake.external_id is not None:
        resident_id = new_case.upsert_resident(conn, resident_row(intake, now))
    reference = new_reference(now.astimezone(app.tz))
    details = {
        **intake.details,
        "entities": intake.entities,
        "safety_rules": intake.safety_rules,
        "confidence": round(intake.confidence, 4),
        **({"nlu": dict(intake.predicted)} if intake.predicted else {}),
    }
    decision = route_decision(app, intake)
    clock = sla.start_clock(
        now,
        intake.urgency,
        intake.kind,
        intake.domain,
        policy.sla_policy(app.settings),
        app.calendar,
        app.tz,
    )
    routed = moves(
        Status.NEW.value,
        Action.ROUTE,
        "system:router",
        now,
        note=decision.reason,
        extra={
            "department": decision.department,
            "rule": decision.rule,
            "confidence": round(decision.confidence, 4),
        },
    )
    columns = {
        "reference": reference,
        "access_token": new_access_token(),
        "resident_id": resident_id,
        "channel": intake.channel,
        "language": intake.language,
        "domain": intake.domain,
        "urgency": intake.urgency,
        "kind": intake.kind,
        "description": intake.text,
        "address": intake.address,
        "phone": intake.phone,
        "department": decision.department,
        "hide_identity_from": decision.hide_identity_from,
        "status": routed[-1][0].after.value,
        "created_at": now,
        "updated_at": now,
        "routed_at": now,
        **policy.clock_fields(clock, details, now),
    }
    created = {
        "at": now,
        "actor": _resident_actor(intake),
        "type": "created",
        "before": None,
        "after": {
            "status": Status.NEW.value,
            "domain": intake.domain,
            "urgency": intake.urgency,
            "kind": intake.kind,
            "channel": intake.channel,
        },
        "note": None,
    }
    rows = new_case.NewCaseRows(
        case=columns,
        events=[created, *(event for _, event in routed)],
        message={"at": now, "author": "resident", "text": intake.text},
        notice=notices.new_case_notice(
            app,
            reference=reference,
            department=decision.department,
            domain=intake.domain,
            urgency=intake.urgency,
            kind=intake.kind,
            now=now,
        ),
    )
    return NewCase(new_case.insert_new_case(conn, rows), reference, columns)


def _resident_actor(intake: Intake) -> str:
    return f"resident:{intake.channel}"


def route_decision(app: App, intake: Intake) -> router.RoutingDecision:
    """Where the router sends this intake; the bot shows it before the case exists."""
    district, street = policy.place_of(app.settings, intake.entities, intake.address)
    return router.route(
        router.RoutingRequest(
            domain=intake.domain,
            kind=intake.kind,
            confidence=intake.confidence,
            district=district,
            street=street,
            complaint_about_staff=intake.complaint_about_staff,
            accused_department=intake.accused_department,
            text=intake.text,
        ),
        policy.routing_table(app.settings),
    )
