"""Submission: a resident's classified words become a case, routed to a department."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from case_store.lifecycle import Action, Status
from case_store.models import Case, Message, Resident
from case_store.references import new_access_token, new_reference
from case_store.taxonomy import KINDS, URGENCIES
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.casework.records import apply_action, record_event
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


def get_or_create_resident(
    session: Session,
    channel: str,
    external_id: str,
    display_name: str | None,
    language: str,
    now: dt.datetime,
) -> Resident:
    """The resident of this chat, created on first contact: one INSERT ... ON CONFLICT.

    The conflict branch touches nothing the resident set (name, language, deliverable); the
    no-op update is only there so that RETURNING hands back the existing row.
    """
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(Resident).values(
        channel=channel,
        external_id=external_id,
        display_name=display_name,
        language=language,
        deliverable=True,
        created_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["channel", "external_id"], set_={"channel": stmt.excluded.channel}
    ).returning(Resident)
    resident: Resident = session.scalars(stmt, execution_options={"populate_existing": True}).one()
    return resident


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
        view = case_view(submit_in(app, uow.session, intake, now), None, app)
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
    resident: Resident | None = None,
) -> Case:
    """The case in the caller's transaction (validated beforehand with `validate`).

    A reference collision raises IntegrityError, which spoils the transaction: the caller
    starts it again.
    """
    if resident is None and intake.external_id is not None:
        resident = get_or_create_resident(
            s, intake.channel, intake.external_id, intake.display_name, intake.language, now
        )
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
        details={
            **intake.details,
            "entities": intake.entities,
            "safety_rules": intake.safety_rules,
            "confidence": round(intake.confidence, 4),
            **({"nlu": dict(intake.predicted)} if intake.predicted else {}),
        },
        status=Status.NEW.value,
        created_at=now,
        updated_at=now,
    )
    s.add(case)
    record_event(
        s,
        case,
        "created",
        _resident_actor(intake),
        now,
        after={
            "status": Status.NEW.value,
            "domain": intake.domain,
            "urgency": intake.urgency,
            "kind": intake.kind,
            "channel": intake.channel,
        },
    )
    s.add(Message(case=case, at=now, author="resident", text=intake.text))
    _route_new_case(app, s, case, intake, now)
    notices.new_case_notice(app, s, case, now)
    s.flush()
    return case


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


def _route_new_case(app: App, s: Session, case: Case, intake: Intake, now: dt.datetime) -> None:
    decision = route_decision(app, intake)
    case.department = decision.department
    case.hide_identity_from = decision.hide_identity_from
    case.routed_at = now
    clock = sla.start_clock(
        now,
        intake.urgency,
        intake.kind,
        intake.domain,
        policy.sla_policy(app.settings),
        app.calendar,
        app.tz,
    )
    policy.store_clock(case, clock, now)
    apply_action(
        app,
        s,
        case,
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
