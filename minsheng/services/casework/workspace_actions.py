"""The department workspace's writes: contact look-ups (each one logged) and staff actions.

Each takes the acting staff member and checks the case against their scope exactly as the
queue does: a case outside it is not found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from case_store.models import Case, CaseEvent
from minsheng.services.access.staff import AccessDenied, Role, StaffMember
from minsheng.services.bootstrap import App
from minsheng.services.casework import staff_actions as actions
from minsheng.services.casework import workspace_view as present
from minsheng.services.casework.queue import REOPEN_ROLES, check_scope, scoped_case


def contact(app: App, member: StaffMember, reference: str) -> dict[str, Any]:
    """The resident's contact details; every look-up is written to the case's event log."""
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        c = scoped_case(app, s, member, reference)
        if present.hidden_from(app, member, c):
            raise AccessDenied(
                "this complaint concerns your department: the complainant's "
                "identity is not shown to it"
            )
        resident = c.resident
        details = {
            "reference": c.reference,
            "name": resident.display_name if resident else None,
            "phone": c.phone or (resident.phone if resident else None),
            "channel": resident.channel if resident else c.channel,
            "reachable": bool(resident.deliverable) if resident else False,
            "language": c.language,
            "identity_withdrawn": c.identity_withdrawn,
        }
        if c.identity_withdrawn:
            details.update(name=None, phone=None)
        # Added by case_id, not through the relationship: looking must not bump the version.
        s.add(CaseEvent(case_id=c.id, at=now, actor=member.actor, type="contact_viewed", note=None))
        uow.commit()
    return details


UseCase = Callable[..., dict[str, Any]]


def _act(
    app: App,
    member: StaffMember,
    action: UseCase,
    reference: str,
    *,
    routing: bool = False,
    roles: frozenset[Role] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Run a staff use case with the member's scope and role checked on the case it loads,
    in its own unit of work."""
    hidden = False

    def authorize(c: Case) -> None:
        nonlocal hidden
        check_scope(app, member, c, routing=routing)
        if roles is not None and member.role not in roles:
            raise AccessDenied(f"a {member.role.value} may not do this")
        hidden = present.hidden_from(app, member, c)

    view = action(app, reference, actor=member.actor, authorize=authorize, **kwargs)
    view["description"] = present.mask(view["description"], hidden)
    view["identity_hidden"] = hidden
    return view


def accept(app: App, member: StaffMember, reference: str, *, version: int) -> dict[str, Any]:
    return _act(app, member, actions.accept, reference, expected_version=version)


def start(app: App, member: StaffMember, reference: str, *, version: int) -> dict[str, Any]:
    return _act(app, member, actions.start, reference, expected_version=version)


def reply(
    app: App, member: StaffMember, reference: str, *, text: str, version: int
) -> dict[str, Any]:
    return _act(app, member, actions.reply, reference, text=text, expected_version=version)


def ask(
    app: App, member: StaffMember, reference: str, *, question: str, version: int
) -> dict[str, Any]:
    return _act(
        app, member, actions.ask_resident, reference, question=question, expected_version=version
    )


def transfer(
    app: App,
    member: StaffMember,
    reference: str,
    *,
    reason: str,
    to_department: str | None,
    to_domain: str | None,
    version: int,
) -> dict[str, Any]:
    """Triage and administrators may route any case; others only their own."""
    return _act(
        app,
        member,
        actions.transfer,
        reference,
        routing=True,
        to_department=to_department,
        to_domain=to_domain,
        reason=reason,
        expected_version=version,
    )


def reclassify(
    app: App,
    member: StaffMember,
    reference: str,
    *,
    reason: str,
    domain: str | None = None,
    urgency: str | None = None,
    kind: str | None = None,
    source: str = "console",
    version: int,
) -> dict[str, Any]:
    """Correct a case's classification: triage and administrators any case, others their own."""
    return _act(
        app,
        member,
        actions.reclassify,
        reference,
        routing=True,
        reason=reason,
        domain=domain,
        urgency=urgency,
        kind=kind,
        source=source,
        expected_version=version,
    )


def resolve(
    app: App, member: StaffMember, reference: str, *, note: str, outcome: str, version: int
) -> dict[str, Any]:
    return _act(
        app,
        member,
        actions.resolve,
        reference,
        note=note,
        outcome=outcome,
        expected_version=version,
    )


def reopen(
    app: App, member: StaffMember, reference: str, *, reason: str, version: int
) -> dict[str, Any]:
    """Reopening is a supervisor's, the triage desk's or an administrator's call."""
    return _act(
        app,
        member,
        actions.reopen,
        reference,
        reason=reason,
        expected_version=version,
        roles=REOPEN_ROLES,
    )
