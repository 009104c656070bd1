"""The department workspace: scoped queues, case detail, contact look-ups and staff actions.

Every function takes the acting staff member and shows only cases inside their scope; a case
outside it is reported as not found, exactly like a reference that does not exist. A complaint
about a department's staff never shows that department who complained.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from case_store import repository
from case_store.lifecycle import OPEN_STATES, Status
from case_store.models import Attachment, AuditLog, Case, CaseEvent, Message, Rating
from minsheng.logs import redact
from case_store.taxonomy import DOMAINS, URGENCIES
from routing.calendar import working_days_between
from minsheng.services.casework import cases
from minsheng.services.bootstrap import App
from minsheng.services.errors import CaseNotFound, InvalidRequest
from minsheng.services.access.staff import AccessDenied, Role, Scope, StaffMember, identity_hidden, scope_of

OPEN = [s.value for s in OPEN_STATES]
MAX_PER_PAGE = 200
MAX_EXPORT = 10_000
REOPEN_ROLES = frozenset({Role.SUPERVISOR, Role.TRIAGE, Role.ADMIN})


@dataclass(frozen=True)
class QueueFilter:
    """What a clerk asks the queue for; empty sequences mean "any"."""

    status: Sequence[str] = ()
    urgency: Sequence[str] = ()
    domain: Sequence[str] = ()
    department: str | None = None
    overdue: bool | None = None
    due_within_days: int | None = None
    text: str | None = None
    page: int = 1
    per_page: int = 50

    def validate(self) -> None:
        statuses = {s.value for s in Status}
        for value in self.status:
            if value not in statuses:
                raise InvalidRequest(f"unknown status '{value}'")
        for value in self.urgency:
            if value not in URGENCIES:
                raise InvalidRequest(f"unknown urgency '{value}'")
        for value in self.domain:
            if value not in DOMAINS:
                raise InvalidRequest(f"unknown domain '{value}'")
        if self.page < 1:
            raise InvalidRequest("page starts at 1")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidRequest(f"per_page is between 1 and {MAX_PER_PAGE}")
        if self.due_within_days is not None and self.due_within_days < 0:
            raise InvalidRequest("due_within_days cannot be negative")


# -- the next deadline, in SQL and in Python ------------------------------------------------

def _next_deadline() -> ColumnElement[Any]:
    """The earliest deadline still running: first response until given, then resolution."""
    return case(
        (Case.status.not_in(OPEN), None),
        (and_(Case.first_responded_at.is_(None), Case.first_response_due_at.is_not(None)),
         Case.first_response_due_at),
        else_=Case.resolution_due_at,
    )


def next_deadline_of(c: Case) -> dt.datetime | None:
    if c.status not in OPEN:
        return None
    if c.first_responded_at is None and c.first_response_due_at is not None:
        return c.first_response_due_at
    return c.resolution_due_at


# -- scope ----------------------------------------------------------------------------------

def _scope_condition(scope: Scope) -> ColumnElement[bool] | None:
    if scope.departments is None:
        return None
    return Case.department.in_(sorted(scope.departments))


def _scoped_case(app: App, s: Session, member: StaffMember, reference: str, *,
                 routing: bool = False) -> Case:
    """The case if the member may see it (or route it, for `routing`); else not found."""
    c = repository.get_case(s, reference)
    scope = scope_of(app.settings, member)
    if scope.sees(c.department) or (routing and scope.may_route_any):
        return c
    raise CaseNotFound(reference)


# -- reading --------------------------------------------------------------------------------

def queue(app: App, member: StaffMember, flt: QueueFilter) -> dict[str, Any]:
    """One page of the member's queue, most pressing deadline first."""
    flt.validate()
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        stmt = _filtered(app, member, flt, now)
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        deadline = _next_deadline()
        rows = s.scalars(stmt.order_by(deadline.is_(None), deadline, Case.id)
                         .offset((flt.page - 1) * flt.per_page).limit(flt.per_page)).unique()
        items = [_summary(app, member, c, now) for c in rows]
    return {"items": items, "total": total, "page": flt.page, "per_page": flt.per_page}


def _filtered(app: App, member: StaffMember, flt: QueueFilter, now: dt.datetime) -> Any:
    stmt = select(Case)
    scope_cond = _scope_condition(scope_of(app.settings, member))
    if scope_cond is not None:
        stmt = stmt.where(scope_cond)
    stmt = stmt.where(Case.status.in_(list(flt.status) or OPEN))
    if flt.urgency:
        stmt = stmt.where(Case.urgency.in_(list(flt.urgency)))
    if flt.domain:
        stmt = stmt.where(Case.domain.in_(list(flt.domain)))
    if flt.department:
        stmt = stmt.where(Case.department == flt.department)
    deadline = _next_deadline()
    if flt.overdue is True:
        stmt = stmt.where(deadline < now)
    elif flt.overdue is False:
        stmt = stmt.where(or_(deadline.is_(None), deadline >= now))
    if flt.due_within_days is not None:
        stmt = stmt.where(deadline >= now,
                          deadline <= now + dt.timedelta(days=flt.due_within_days))
    if flt.text and flt.text.strip():
        pattern = f"%{_escape_like(flt.text.strip())}%"
        stmt = stmt.where(or_(Case.reference.ilike(pattern, escape="\\"),
                              Case.description.ilike(pattern, escape="\\"),
                              Case.address.ilike(pattern, escape="\\")))
    return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def detail(app: App, member: StaffMember, reference: str) -> dict[str, Any]:
    """Everything about one case: summary, both clocks, transcript, attachments, events."""
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        c = _scoped_case(app, s, member, reference)
        hidden = _hidden(app, member, c)
        view = _summary(app, member, c, now, rating=repository.latest_rating(s, c.id))
        view["transcript"] = [
            {"at": _local(app, m.at), "author": m.author,
             "author_name": m.author_name if m.author != "resident" else None,
             "text": _mask(m.text, hidden)}
            for m in s.scalars(select(Message).where(Message.case_id == c.id)
                               .order_by(Message.at, Message.id))]
        view["attachments"] = _attachment_list(s, c)
        view["events"] = _event_list(app, c, hidden)
        view["resident"] = {
            "identity_hidden": hidden,
            "contact_available": not hidden and _has_contact(c),
        }
    return view


def events(app: App, member: StaffMember, reference: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        c = _scoped_case(app, uow.session, member, reference)
        return _event_list(app, c, _hidden(app, member, c))


def attachments(app: App, member: StaffMember, reference: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        s = uow.session
        return _attachment_list(s, _scoped_case(app, s, member, reference))


@dataclass(frozen=True)
class StoredFile:
    path: Path
    filename: str
    content_type: str


def attachment_file(app: App, member: StaffMember, reference: str, number: int) -> StoredFile:
    """The stored file of the case's `number`th attachment (1-based)."""
    with app.uow() as uow:
        s = uow.session
        c = _scoped_case(app, s, member, reference)
        rows = _attachment_rows(s, c)
        if not 1 <= number <= len(rows) or not rows[number - 1].storage_path:
            raise CaseNotFound(f"{reference}/attachments/{number}")
        row = rows[number - 1]
        assert row.storage_path is not None
        base = app.settings.base_dir.resolve()
        path = (base / row.storage_path).resolve()
        # Stored paths are ours, but a file outside the project is never served.
        if not path.is_relative_to(base) or not path.is_file():
            raise CaseNotFound(f"{reference}/attachments/{number}")
        return StoredFile(path=path, filename=row.filename or f"{reference}-{number}",
                          content_type=row.content_type or "application/octet-stream")


def contact(app: App, member: StaffMember, reference: str) -> dict[str, Any]:
    """The resident's contact details; every look-up is written to the case's event log."""
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        c = _scoped_case(app, s, member, reference)
        if _hidden(app, member, c):
            raise AccessDenied("this complaint concerns your department: the complainant's "
                               "identity is not shown to it")
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
        s.add(CaseEvent(case_id=c.id, at=now, actor=member.actor, type="contact_viewed",
                        note=None))
        uow.commit()
    return details


def export(app: App, member: StaffMember, flt: QueueFilter) -> list[dict[str, Any]]:
    """Every case of the member's queue matching the filter (no paging), audited."""
    flt.validate()
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        deadline = _next_deadline()
        rows = list(s.scalars(_filtered(app, member, flt, now)
                              .order_by(deadline.is_(None), deadline, Case.id)
                              .limit(MAX_EXPORT)).unique())
        out = [_export_row(app, member, c, now) for c in rows]
        s.add(AuditLog(at=now, actor=member.actor, action="cases_exported",
                       subject=member.department,
                       detail={"count": len(out), "status": list(flt.status),
                               "domain": list(flt.domain), "urgency": list(flt.urgency)}))
        uow.commit()
    return out


EXPORT_COLUMNS = ("reference", "status", "outcome", "domain", "urgency", "kind", "department",
                  "created_at", "next_deadline", "first_response_due_at",
                  "resolution_due_at", "resolved_at", "escalated", "description")


def _export_row(app: App, member: StaffMember, c: Case, now: dt.datetime) -> dict[str, Any]:
    view = _summary(app, member, c, now)
    return {key: view.get(key) for key in EXPORT_COLUMNS}


# -- presenting -----------------------------------------------------------------------------

def _summary(app: App, member: StaffMember, c: Case, now: dt.datetime,
             rating: Rating | None = None) -> dict[str, Any]:
    hidden = _hidden(app, member, c)
    view = cases.case_view(c, rating, app)
    view["description"] = _mask(view["description"], hidden)
    view["identity_hidden"] = hidden
    view["next_deadline"] = _local(app, next_deadline_of(c))
    view["clocks"] = clocks(app, c, now)
    return view


def clocks(app: App, c: Case, now: dt.datetime) -> dict[str, Any]:
    """Both SLA clocks with their state and the time left (negative once breached)."""
    final = c.status not in OPEN
    first = _clock(app, c.first_response_due_at, c.first_responded_at, now,
                   stopped=final and c.first_responded_at is None, working_days=False)
    resolution = _clock(app, c.resolution_due_at, c.resolved_at, now,
                        stopped=final and c.resolved_at is None, working_days=True)
    resolution["provisional"] = c.resolution_provisional
    resolution["round"] = c.resolution_round
    return {"first_response": first, "resolution": resolution}


def _clock(app: App, due: dt.datetime | None, done: dt.datetime | None, now: dt.datetime, *,
           stopped: bool, working_days: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"due_at": _local(app, due), "done_at": _local(app, done),
                           "state": "none", "seconds_left": None}
    if working_days:
        out["working_days_left"] = None
    if due is None:
        return out
    if done is not None:
        out["state"] = "met" if done <= due else "late"
        return out
    if stopped:
        out["state"] = "stopped"
        return out
    out["state"] = "breached" if now > due else "running"
    out["seconds_left"] = int((due - now).total_seconds())
    if working_days:
        today, due_day = now.astimezone(app.tz).date(), due.astimezone(app.tz).date()
        out["working_days_left"] = (working_days_between(today, due_day, app.calendar)
                                    if due_day >= today else
                                    -working_days_between(due_day, today, app.calendar))
    return out


def _event_list(app: App, c: Case, hidden: bool) -> list[dict[str, Any]]:
    return [{"at": _local(app, e.at), "actor": e.actor, "type": e.type, "before": e.before,
             "after": e.after, "note": _mask(e.note, hidden) if e.note else e.note}
            for e in c.events]


def _attachment_rows(s: Session, c: Case) -> list[Attachment]:
    return list(s.scalars(select(Attachment).where(Attachment.case_id == c.id)
                          .order_by(Attachment.at, Attachment.id)))


def _attachment_list(s: Session, c: Case) -> list[dict[str, Any]]:
    # Attachments are numbered within their case: internal ids never leave the process.
    return [{"number": n, "kind": a.kind, "filename": a.filename,
             "content_type": a.content_type, "size": a.size, "sha256": a.sha256,
             "latitude": a.latitude, "longitude": a.longitude,
             "downloadable": bool(a.storage_path)}
            for n, a in enumerate(_attachment_rows(s, c), start=1)]


def _hidden(app: App, member: StaffMember, c: Case) -> bool:
    return identity_hidden(app.settings, member, c.hide_identity_from)


def _has_contact(c: Case) -> bool:
    return c.resident is not None or bool(c.phone)


def _mask(text: str, hidden: bool) -> str:
    """Phone and ID numbers are taken out of a resident's words for a department that must
    not learn who complained."""
    return redact(text) if hidden else text


def _local(app: App, value: dt.datetime | None) -> str | None:
    return value.astimezone(app.tz).isoformat() if value is not None else None


# -- actions --------------------------------------------------------------------------------

def _act(app: App, member: StaffMember, reference: str, call: Callable[[], dict[str, Any]], *,
         routing: bool = False, roles: frozenset[Role] | None = None) -> dict[str, Any]:
    with app.uow() as uow:
        c = _scoped_case(app, uow.session, member, reference, routing=routing)
        hidden = _hidden(app, member, c)
    if roles is not None and member.role not in roles:
        raise AccessDenied(f"a {member.role.value} may not do this")
    view = call()
    view["description"] = _mask(view["description"], hidden)
    view["identity_hidden"] = hidden
    return view


def accept(app: App, member: StaffMember, reference: str, *, version: int) -> dict[str, Any]:
    return _act(app, member, reference, lambda: cases.accept(
        app, reference, actor=member.actor, expected_version=version))


def start(app: App, member: StaffMember, reference: str, *, version: int) -> dict[str, Any]:
    return _act(app, member, reference, lambda: cases.start(
        app, reference, actor=member.actor, expected_version=version))


def reply(app: App, member: StaffMember, reference: str, *, text: str,
          version: int) -> dict[str, Any]:
    return _act(app, member, reference, lambda: cases.reply(
        app, reference, text=text, actor=member.actor, expected_version=version))


def ask(app: App, member: StaffMember, reference: str, *, question: str,
        version: int) -> dict[str, Any]:
    return _act(app, member, reference, lambda: cases.ask_resident(
        app, reference, question=question, actor=member.actor, expected_version=version))


def transfer(app: App, member: StaffMember, reference: str, *, reason: str,
             to_department: str | None, to_domain: str | None,
             version: int) -> dict[str, Any]:
    """Triage and administrators may route any case; others only their own."""
    return _act(app, member, reference, lambda: cases.transfer(
        app, reference, to_department=to_department, to_domain=to_domain, reason=reason,
        actor=member.actor, expected_version=version), routing=True)


def resolve(app: App, member: StaffMember, reference: str, *, note: str, outcome: str,
            version: int) -> dict[str, Any]:
    return _act(app, member, reference, lambda: cases.resolve(
        app, reference, note=note, outcome=outcome, actor=member.actor,
        expected_version=version))


def reopen(app: App, member: StaffMember, reference: str, *, reason: str,
           version: int) -> dict[str, Any]:
    """Reopening is a supervisor's, the triage desk's or an administrator's call."""
    return _act(app, member, reference, lambda: cases.reopen(
        app, reference, reason=reason, actor=member.actor, expected_version=version),
        roles=REOPEN_ROLES)
