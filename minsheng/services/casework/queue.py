"""The department workspace: scoped queues, case detail, attachments and exports.

Every function takes the acting staff member and shows only cases inside their scope; a case
outside it is reported as not found, exactly like a reference that does not exist. A complaint
about a department's staff never shows that department who complained. Contact look-ups and
staff actions are in `workspace_actions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from case_store import repository
from case_store.lifecycle import OPEN_STATUSES, Status, staff_actions
from case_store.models import AuditLog, Case, CaseRead, Message, Staff
from case_store.taxonomy import URGENCIES
from minsheng.services.access.staff import Role, Scope, StaffMember, scope_of
from minsheng.services.bootstrap import App
from minsheng.services.casework import workspace_view as present
from minsheng.services.errors import CaseNotFound, InvalidRequest

MAX_PER_PAGE = 200
MAX_EXPORT = 10_000
REOPEN_ROLES = frozenset({Role.SUPERVISOR, Role.TRIAGE, Role.ADMIN})
SORTS = ("deadline", "created", "reference", "urgency", "status", "domain")


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
    # One of SORTS; the default is the most pressing deadline first.
    sort: str = "deadline"
    descending: bool = False

    def validate(self, domains: tuple[str, ...]) -> None:
        statuses = {s.value for s in Status}
        for value in self.status:
            if value not in statuses:
                raise InvalidRequest(f"unknown status '{value}'")
        for value in self.urgency:
            if value not in URGENCIES:
                raise InvalidRequest(f"unknown urgency '{value}'")
        for value in self.domain:
            if value not in domains:
                raise InvalidRequest(f"unknown domain '{value}'")
        if self.page < 1:
            raise InvalidRequest("page starts at 1")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidRequest(f"per_page is between 1 and {MAX_PER_PAGE}")
        if self.due_within_days is not None and self.due_within_days < 0:
            raise InvalidRequest("due_within_days cannot be negative")
        if self.sort not in SORTS:
            raise InvalidRequest(f"sort is one of {', '.join(SORTS)}")


# -- the next deadline, in SQL and in Python ------------------------------------------------


def _next_deadline() -> ColumnElement[Any]:
    """The earliest deadline still running: first response until given, then resolution."""
    return case(
        (Case.status.not_in(OPEN_STATUSES), None),
        (
            and_(Case.first_responded_at.is_(None), Case.first_response_due_at.is_not(None)),
            Case.first_response_due_at,
        ),
        else_=Case.resolution_due_at,
    )


# -- scope ----------------------------------------------------------------------------------


def _scope_condition(scope: Scope) -> ColumnElement[bool] | None:
    if scope.departments is None:
        return None
    return Case.department.in_(sorted(scope.departments))


def scoped_case(app: App, s: Session, member: StaffMember, reference: str) -> Case:
    """The case if the member may see it; else not found."""
    c = repository.get_case(s, reference)
    check_scope(app, member, c)
    return c


def check_scope(app: App, member: StaffMember, c: Case, *, routing: bool = False) -> None:
    """Not found unless the member may see the case (or route it, for `routing`)."""
    scope = scope_of(app.settings, member)
    if not (scope.sees(c.department) or (routing and scope.may_route_any)):
        raise CaseNotFound(c.reference)


def allowed_actions(member: StaffMember, status: str) -> list[str]:
    """The workspace actions this member may take on a case in `status`."""
    return [
        name for name in staff_actions(status) if name != "reopen" or member.role in REOPEN_ROLES
    ]


# -- reading --------------------------------------------------------------------------------


def queue(app: App, member: StaffMember, flt: QueueFilter) -> dict[str, Any]:
    """One page of the member's queue, most pressing deadline first.

    No page counts the whole queue: one row more than the page says whether another follows.
    `total` is exact on the last page (and on the first, when it is the only one); elsewhere it
    is None and `total_at_least` says how many there are at the least.
    """
    flt.validate(app.settings.taxonomy.keys)
    now = app.now()
    offset = (flt.page - 1) * flt.per_page
    with app.uow() as uow:
        s = uow.session
        stmt = _filtered(app, member, flt, now)
        rows = list(
            s.scalars(stmt.order_by(*_order(flt)).offset(offset).limit(flt.per_page + 1)).unique()
        )
        has_next = len(rows) > flt.per_page
        shown = rows[: flt.per_page]
        fresh = _details_since_seen(s, member, shown)
        items = [
            {**present.summary(app, member, c, now), "new_details": c.id in fresh} for c in shown
        ]
        total: int | None = None if has_next else offset + len(items)
        if not items and flt.page > 1:
            total = None  # past the end: how far is unknown without a count
    return {
        "items": items,
        "total": total,
        "total_at_least": offset + len(rows),
        "has_next": has_next,
        "page": flt.page,
        "per_page": flt.per_page,
    }


def _order(flt: QueueFilter) -> list[Any]:
    """ORDER BY for the chosen column; ties fall back to the deadline, then the case id."""
    deadline = _next_deadline()
    by_deadline = [deadline.is_(None), deadline.desc() if flt.descending else deadline]
    if flt.sort == "deadline":
        return [*by_deadline, Case.id]
    column: Any = {
        "created": Case.created_at,
        "reference": Case.reference,
        "status": Case.status,
        "domain": Case.domain,
        # Most urgent first when ascending: urgent, high, normal.
        "urgency": case({u: i for i, u in enumerate(URGENCIES)}, value=Case.urgency, else_=99),
    }[flt.sort]
    return [column.desc() if flt.descending else column, deadline.is_(None), deadline, Case.id]


def _details_since_seen(s: Session, member: StaffMember, rows: Sequence[Case]) -> set[int]:
    """The cases whose resident wrote after the member last opened them (or, never opened,
    after submitting them)."""
    if not rows:
        return set()
    ids = [c.id for c in rows]
    seen = {
        case_id: at
        for case_id, at in s.execute(
            select(CaseRead.case_id, CaseRead.seen_at).where(
                CaseRead.staff_public_id == member.public_id, CaseRead.case_id.in_(ids)
            )
        )
    }
    latest = s.execute(
        select(Message.case_id, func.max(Message.at))
        .where(Message.case_id.in_(ids), Message.author == "resident")
        .group_by(Message.case_id)
    ).all()
    created = {c.id: c.created_at for c in rows}
    return {
        case_id
        for case_id, at in latest
        if at is not None and at > (seen.get(case_id) or created[case_id])
    }


def mark_seen(app: App, member: StaffMember, reference: str) -> None:
    """Remember that the member opened the case now (the queue's "new details" mark)."""
    now = app.now()
    try:
        with app.uow() as uow:
            s = uow.session
            c = scoped_case(app, s, member, reference)
            row = s.get(CaseRead, (member.public_id, c.id))
            if row is None:
                s.add(CaseRead(staff_public_id=member.public_id, case_id=c.id, seen_at=now))
            else:
                row.seen_at = now
            uow.commit()
    except IntegrityError:
        pass  # the same member opened it in another tab at the same moment: seen either way


def _filtered(app: App, member: StaffMember, flt: QueueFilter, now: dt.datetime) -> Any:
    stmt = select(Case)
    scope_cond = _scope_condition(scope_of(app.settings, member))
    if scope_cond is not None:
        stmt = stmt.where(scope_cond)
    stmt = stmt.where(Case.status.in_(list(flt.status) or OPEN_STATUSES))
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
        stmt = stmt.where(deadline >= now, deadline <= now + dt.timedelta(days=flt.due_within_days))
    if flt.text and flt.text.strip():
        pattern = f"%{_escape_like(flt.text.strip())}%"
        stmt = stmt.where(
            or_(
                Case.reference.ilike(pattern, escape="\\"),
                Case.description.ilike(pattern, escape="\\"),
                Case.address.ilike(pattern, escape="\\"),
            )
        )
    return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def detail(app: App, member: StaffMember, reference: str) -> dict[str, Any]:
    """Everything about one case: summary, both clocks, transcript, attachments, events."""
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        c = scoped_case(app, s, member, reference)
        hidden = present.hidden_from(app, member, c)
        view = present.summary(app, member, c, now, rating=repository.latest_rating(s, c.id))
        view["allowed_actions"] = allowed_actions(member, c.status)
        view["transcript"] = [
            {
                "at": present.local(app, m.at),
                "author": m.author,
                "author_name": m.author_name if m.author != "resident" else None,
                "text": present.mask(m.text, hidden),
            }
            for m in s.scalars(
                select(Message).where(Message.case_id == c.id).order_by(Message.at, Message.id)
            )
        ]
        view["attachments"] = present.attachment_list(s, c)
        view["events"] = present.event_list(app, c, hidden)
        names = _staff_names(s, [e["actor"] for e in view["events"]])
        for e in view["events"]:
            e["actor_name"] = names.get(e["actor"])
        view["resident"] = {
            "identity_hidden": hidden,
            "contact_available": not hidden and present.has_contact(c),
        }
    return view


def _staff_names(s: Session, actors: Sequence[str]) -> dict[str, str]:
    """Staff actors ("staff:<public id>") and the names of the people behind them."""
    ids = {a.split(":", 1)[1] for a in actors if a.startswith("staff:")}
    if not ids:
        return {}
    rows = s.execute(select(Staff.public_id, Staff.name).where(Staff.public_id.in_(ids)))
    return {f"staff:{public_id}": name for public_id, name in rows}


def events(app: App, member: StaffMember, reference: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        c = scoped_case(app, uow.session, member, reference)
        return present.event_list(app, c, present.hidden_from(app, member, c))


def attachments(app: App, member: StaffMember, reference: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        s = uow.session
        return present.attachment_list(s, scoped_case(app, s, member, reference))


@dataclass(frozen=True)
class StoredFile:
    path: Path
    filename: str
    content_type: str


def attachment_file(app: App, member: StaffMember, reference: str, number: int) -> StoredFile:
    """The stored file of the case's `number`th attachment (1-based)."""
    with app.uow() as uow:
        s = uow.session
        c = scoped_case(app, s, member, reference)
        rows = present.attachment_rows(s, c)
        if not 1 <= number <= len(rows) or not rows[number - 1].storage_path:
            raise CaseNotFound(f"{reference}/attachments/{number}")
        row = rows[number - 1]
        assert row.storage_path is not None
        base = app.settings.base_dir.resolve()
        path = (base / row.storage_path).resolve()
        # Stored paths are ours, but a file outside the project is never served.
        if not path.is_relative_to(base) or not path.is_file():
            raise CaseNotFound(f"{reference}/attachments/{number}")
        return StoredFile(
            path=path,
            filename=row.filename or f"{reference}-{number}",
            content_type=row.content_type or "application/octet-stream",
        )


def export(app: App, member: StaffMember, flt: QueueFilter) -> list[dict[str, Any]]:
    """Every case of the member's queue matching the filter (no paging), audited."""
    flt.validate(app.settings.taxonomy.keys)
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        deadline = _next_deadline()
        rows = list(
            s.scalars(
                _filtered(app, member, flt, now)
                .order_by(deadline.is_(None), deadline, Case.id)
                .limit(MAX_EXPORT)
            ).unique()
        )
        out = [_export_row(app, member, c, now) for c in rows]
        s.add(
            AuditLog(
                at=now,
                actor=member.actor,
                action="cases_exported",
                subject=member.department,
                detail={
                    "count": len(out),
                    "status": list(flt.status),
                    "domain": list(flt.domain),
                    "urgency": list(flt.urgency),
                },
            )
        )
        uow.commit()
    return out


EXPORT_COLUMNS = (
    "reference",
    "status",
    "outcome",
    "domain",
    "urgency",
    "kind",
    "department",
    "created_at",
    "next_deadline",
    "first_response_due_at",
    "resolution_due_at",
    "resolved_at",
    "escalated",
    "description",
)


def _export_row(app: App, member: StaffMember, c: Case, now: dt.datetime) -> dict[str, Any]:
    view = present.summary(app, member, c, now)
    return {key: view.get(key) for key in EXPORT_COLUMNS}
