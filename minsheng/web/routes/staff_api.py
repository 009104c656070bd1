"""The department workspace API under /api/v1 (bearer tokens from `minsheng staff add`).

Every case endpoint is scoped to the caller's departments: a case outside them is a 404, the
same answer as for a reference that does not exist. Actions need the case's version (the
`If-Match` header, as served in `ETag`, or a `version` field): a stale one is a 409.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from case_store.references import normalise_reference
from minsheng.services.access.staff import scope_of
from minsheng.services.casework import duplicates, queue, workspace_actions
from minsheng.services.errors import InvalidRequest
from minsheng.web.deps import AppDep, CurrentStaff
from minsheng.web.errors import PreconditionRequired

router = APIRouter(prefix="/api/v1", tags=["workspace"])

Reference = Annotated[str, Path(max_length=40, description="a case reference, MS-YYMM-XXXXXX")]
IfMatch = Annotated[str | None, Header(description="the case version from its ETag")]


def _ref(text: str) -> str:
    return normalise_reference(text) or text


def _version(if_match: str | None, body_version: int | None) -> int:
    if if_match is not None:
        raw = if_match.strip().removeprefix("W/").strip('"')
        if not raw.isdigit():
            raise InvalidRequest('If-Match must carry the case version, e.g. "3"')
        return int(raw)
    if body_version is None:
        raise PreconditionRequired(
            "send the version you acted on (If-Match header or a 'version' field)"
        )
    return body_version


def _with_etag(response: Response, view: dict[str, Any]) -> dict[str, Any]:
    response.headers["ETag"] = f'"{view["version"]}"'
    return view


# -- who am I -------------------------------------------------------------------------------


@router.get("/me", summary="the signed-in staff member and the departments they see")
def me(app: AppDep, member: CurrentStaff) -> dict[str, Any]:
    scope = scope_of(app.settings, member)
    return {
        "id": member.public_id,
        "name": member.name,
        "login": member.login,
        "department": member.department,
        "role": member.role.value,
        "departments": None if scope.departments is None else sorted(scope.departments),
        "may_route_any_case": scope.may_route_any,
    }


# -- the queue ------------------------------------------------------------------------------


def _filter(
    status: list[str] | None,
    urgency: list[str] | None,
    domain: list[str] | None,
    department: str | None,
    overdue: bool | None,
    due_within_days: int | None,
    q: str | None,
    page: int = 1,
    per_page: int = 50,
) -> queue.QueueFilter:
    return queue.QueueFilter(
        status=status or (),
        urgency=urgency or (),
        domain=domain or (),
        department=department,
        overdue=overdue,
        due_within_days=due_within_days,
        text=q,
        page=page,
        per_page=per_page,
    )


StatusQ = Annotated[list[str] | None, Query(description="repeatable; default: open states")]
UrgencyQ = Annotated[list[str] | None, Query(description="repeatable")]
DomainQ = Annotated[list[str] | None, Query(description="repeatable; taxonomy keys")]
DepartmentQ = Annotated[str | None, Query(max_length=64)]
OverdueQ = Annotated[bool | None, Query(description="only (or no) cases past a deadline")]
DueQ = Annotated[int | None, Query(ge=0, le=3650, description="next deadline within N days")]
TextQ = Annotated[str | None, Query(max_length=200, description="search reference, text, address")]


@router.get("/cases", summary="the caller's queue, most pressing deadline first, paginated")
def list_cases(
    app: AppDep,
    member: CurrentStaff,
    status: StatusQ = None,
    urgency: UrgencyQ = None,
    domain: DomainQ = None,
    department: DepartmentQ = None,
    overdue: OverdueQ = None,
    due_within_days: DueQ = None,
    q: TextQ = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=queue.MAX_PER_PAGE)] = 50,
) -> dict[str, Any]:
    return queue.queue(
        app,
        member,
        _filter(status, urgency, domain, department, overdue, due_within_days, q, page, per_page),
    )


@router.get(
    "/cases/export.csv",
    summary="the caller's queue as CSV (same filters, no paging)",
    response_class=Response,
)
def export_cases(
    app: AppDep,
    member: CurrentStaff,
    status: StatusQ = None,
    urgency: UrgencyQ = None,
    domain: DomainQ = None,
    department: DepartmentQ = None,
    overdue: OverdueQ = None,
    due_within_days: DueQ = None,
    q: TextQ = None,
) -> Response:
    rows = queue.export(
        app, member, _filter(status, urgency, domain, department, overdue, due_within_days, q)
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(queue.EXPORT_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'},
    )


# -- one case -------------------------------------------------------------------------------


@router.get("/cases/{reference}", summary="case detail: clocks, transcript, attachments, events")
def case_detail(
    app: AppDep, member: CurrentStaff, reference: Reference, response: Response
) -> dict[str, Any]:
    return _with_etag(response, queue.detail(app, member, _ref(reference)))


@router.get("/cases/{reference}/events", summary="the case's event log")
def case_events(app: AppDep, member: CurrentStaff, reference: Reference) -> list[dict[str, Any]]:
    return queue.events(app, member, _ref(reference))


@router.get("/cases/{reference}/attachments", summary="the case's attachments, numbered from 1")
def case_attachments(
    app: AppDep, member: CurrentStaff, reference: Reference
) -> list[dict[str, Any]]:
    return queue.attachments(app, member, _ref(reference))


@router.get(
    "/cases/{reference}/attachments/{number}",
    summary="one attachment's file",
    response_class=FileResponse,
)
def case_attachment(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    number: Annotated[int, Path(ge=1, le=10_000)],
) -> FileResponse:
    stored = queue.attachment_file(app, member, _ref(reference), number)
    return FileResponse(stored.path, media_type=stored.content_type, filename=stored.filename)


@router.get(
    "/cases/{reference}/contact",
    summary="the resident's contact details (each look-up is logged on the case)",
)
def case_contact(app: AppDep, member: CurrentStaff, reference: Reference) -> dict[str, Any]:
    return workspace_actions.contact(app, member, _ref(reference))


# -- actions --------------------------------------------------------------------------------


class Versioned(BaseModel):
    version: int | None = Field(default=None, ge=1, description="or send If-Match")


class ReplyBody(Versioned):
    text: str = Field(min_length=1, max_length=4000)


class AskBody(Versioned):
    question: str = Field(min_length=1, max_length=4000)


class TransferBody(Versioned):
    reason: str = Field(min_length=1, max_length=2000)
    to_department: str | None = Field(
        default=None, max_length=64, description="omit to return it to the triage desk"
    )
    to_domain: str | None = Field(default=None, max_length=32)


class ResolveBody(Versioned):
    note: str = Field(min_length=1, max_length=4000)
    outcome: Literal["resolved", "not_responsible", "unresolved"] = "resolved"


class ReopenBody(Versioned):
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/cases/{reference}/accept", summary="the department takes the case on")
def accept(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    response: Response,
    if_match: IfMatch = None,
    body: Versioned | None = None,
) -> dict[str, Any]:
    version = _version(if_match, body.version if body else None)
    return _with_etag(
        response, workspace_actions.accept(app, member, _ref(reference), version=version)
    )


@router.post("/cases/{reference}/start", summary="work on the case begins")
def start(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    response: Response,
    if_match: IfMatch = None,
    body: Versioned | None = None,
) -> dict[str, Any]:
    version = _version(if_match, body.version if body else None)
    return _with_etag(
        response, workspace_actions.start(app, member, _ref(reference), version=version)
    )


@router.post("/cases/{reference}/reply", summary="a message to the resident, via their channel")
def reply(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    body: ReplyBody,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    version = _version(if_match, body.version)
    return _with_etag(
        response,
        workspace_actions.reply(app, member, _ref(reference), text=body.text, version=version),
    )


@router.post("/cases/{reference}/ask", summary="ask the resident for more information")
def ask(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    body: AskBody,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    version = _version(if_match, body.version)
    return _with_etag(
        response,
        workspace_actions.ask(
            app, member, _ref(reference), question=body.question, version=version
        ),
    )


@router.post("/cases/{reference}/transfer", summary="send a misrouted case on (reason required)")
def transfer(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    body: TransferBody,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    version = _version(if_match, body.version)
    return _with_etag(
        response,
        workspace_actions.transfer(
            app,
            member,
            _ref(reference),
            reason=body.reason,
            to_department=body.to_department,
            to_domain=body.to_domain,
            version=version,
        ),
    )


@router.post("/cases/{reference}/resolve", summary="record the resolution and its outcome")
def resolve(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    body: ResolveBody,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    version = _version(if_match, body.version)
    return _with_etag(
        response,
        workspace_actions.resolve(
            app, member, _ref(reference), note=body.note, outcome=body.outcome, version=version
        ),
    )


@router.post("/cases/{reference}/reopen", summary="reopen a resolved or closed case")
def reopen(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    body: ReopenBody,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    version = _version(if_match, body.version)
    return _with_etag(
        response,
        workspace_actions.reopen(app, member, _ref(reference), reason=body.reason, version=version),
    )


# -- possible duplicates --------------------------------------------------------------------


class DuplicateOfBody(Versioned):
    primary: str = Field(min_length=1, max_length=40, description="the case that answers both")


@router.get(
    "/cases/{reference}/similar",
    summary="open cases in the caller's scope that may report the same thing, and the links",
)
def case_similar(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    ref = _ref(reference)
    return {
        "similar": duplicates.similar_open_cases(app, member, ref, limit=limit),
        **duplicates.links(app, member, ref),
    }


@router.post(
    "/cases/{reference}/duplicate-of",
    summary="link the case as a duplicate of another: that case's handling answers it too",
)
def link_duplicate(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    body: DuplicateOfBody,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    version = _version(if_match, body.version)
    return _with_etag(
        response,
        duplicates.link_duplicate(
            app, member, _ref(reference), _ref(body.primary), version=version
        ),
    )


@router.delete("/cases/{reference}/duplicate-of", summary="handle the case on its own again")
def unlink_duplicate(
    app: AppDep,
    member: CurrentStaff,
    reference: Reference,
    response: Response,
    if_match: IfMatch = None,
    version: Annotated[int | None, Query(ge=1, description="or send If-Match")] = None,
) -> dict[str, Any]:
    return _with_etag(
        response,
        duplicates.unlink_duplicate(
            app, member, _ref(reference), version=_version(if_match, version)
        ),
    )
