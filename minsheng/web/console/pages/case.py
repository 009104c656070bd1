"""The case page, its actions and its attachments."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse, Response

from case_store.references import normalise_reference
from minsheng.services.access import web_sessions
from minsheng.services.access.staff import AccessDenied
from minsheng.services.casework import duplicates, queue, workspace_actions
from minsheng.services.errors import (
    CaseNotFound,
    ConcurrencyConflict,
    DomainError,
    IllegalTransition,
)
from minsheng.web.console import event_text, i18n
from minsheng.web.console.common import (
    Page,
    console_router,
    error_page,
    int_or_none,
    page_for,
    redirect,
    secure,
    to_login,
)

ACTIONS = ("accept", "start", "reply", "ask", "transfer", "resolve", "reopen")
# Linking a case as a duplicate of another, and undoing it (services.casework.duplicates).
LINKS = ("duplicate_of", "unlink_duplicate")

router = console_router()


def _case_page(
    page: Page,
    reference: str,
    *,
    status: int = 200,
    done: str | None = None,
    error: str | None = None,
    contact: dict[str, Any] | None = None,
) -> Response:
    try:
        case = queue.detail(page.app, page.member, reference)
    except CaseNotFound:
        return error_page(page, 404, "not_found")
    queue.mark_seen(page.app, page.member, reference)
    settings = page.app.settings
    departments = [d.id for d in settings.departments if d.id != case["department"]]
    mine = next((d for d in settings.departments if d.id == page.member.department), None)
    return page.render(
        "case.html",
        status=status,
        case=case,
        events=event_text.readable(case["events"], page.t),
        done=done,
        error=error,
        contact=contact,
        channel_name=lambda c: event_text.channel_name(c, page.t),
        actions=case["allowed_actions"],
        departments=departments,
        templates=list(mine.reply_templates) if mine is not None else [],
        now=page.app.now(),
        outcomes=list(i18n.OUTCOME_NAMES),
        similar=duplicates.similar_open_cases(page.app, page.member, reference),
        links=duplicates.links(page.app, page.member, reference),
    )


@router.get("/cases/{reference}")
def case_page(request: Request, reference: str, done: str | None = None) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    return _case_page(page, reference, done=done if done in ACTIONS + LINKS else None)


@router.post("/cases/{reference}/{action}")
async def case_action(request: Request, reference: str, action: str) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not web_sessions.csrf_ok(page.session, form.get("csrf")):
        return error_page(page, 403, "csrf_failed")
    if action == "contact":
        return _show_contact(page, reference)
    if action in LINKS:
        return _link(page, reference, action, form)
    if action not in ACTIONS:
        return error_page(page, 404, "not_found")
    version = int_or_none(form.get("version"), 1, 2**31)
    if version is None:
        return _case_page(
            page, reference, status=400, error=page.t("bad_request", detail="version")
        )
    try:
        _perform(page, reference, action, form, version)
    except CaseNotFound:
        return error_page(page, 404, "not_found")
    except AccessDenied:
        return _case_page(page, reference, status=403, error=page.t("forbidden"))
    except (ConcurrencyConflict, IllegalTransition):
        return _case_page(page, reference, status=409, error=page.t("conflict"))
    except DomainError as exc:
        return _case_page(page, reference, status=400, error=page.t("bad_request", detail=str(exc)))
    return redirect(f"/console/cases/{reference}?done={action}")


def _link(page: Page, reference: str, action: str, form: dict[str, str]) -> Response:
    """Link `reference` as a duplicate of the form's primary (the page the clerk is on), or
    unlink it; either way the clerk returns to the page they acted from."""
    primary = normalise_reference(form.get("primary", "")) if action == "duplicate_of" else None
    back = primary or reference
    version = int_or_none(form.get("version"), 1, 2**31)
    if version is None or (action == "duplicate_of" and primary is None):
        return _case_page(page, back, status=400, error=page.t("bad_request", detail="form"))
    try:
        if primary is not None:
            duplicates.link_duplicate(page.app, page.member, reference, primary, version=version)
        else:
            duplicates.unlink_duplicate(page.app, page.member, reference, version=version)
    except CaseNotFound:
        return error_page(page, 404, "not_found")
    except ConcurrencyConflict:
        return _case_page(page, back, status=409, error=page.t("conflict"))
    except DomainError as exc:
        return _case_page(page, back, status=400, error=page.t("bad_request", detail=str(exc)))
    return redirect(f"/console/cases/{back}?done={action}")


def _show_contact(page: Page, reference: str) -> Response:
    """The resident's contact details, through the workspace's logged look-up."""
    try:
        details = workspace_actions.contact(page.app, page.member, reference)
    except CaseNotFound:
        return error_page(page, 404, "not_found")
    except AccessDenied:
        return _case_page(page, reference, status=403, error=page.t("identity_hidden"))
    return _case_page(page, reference, contact=details)


def _perform(page: Page, reference: str, action: str, form: dict[str, str], version: int) -> None:
    app, member = page.app, page.member
    if action == "accept":
        workspace_actions.accept(app, member, reference, version=version)
    elif action == "start":
        workspace_actions.start(app, member, reference, version=version)
    elif action == "reply":
        workspace_actions.reply(app, member, reference, text=form.get("text", ""), version=version)
    elif action == "ask":
        workspace_actions.ask(
            app, member, reference, question=form.get("text", ""), version=version
        )
    elif action == "transfer":
        target = form.get("to_department") or None
        workspace_actions.transfer(
            app,
            member,
            reference,
            reason=form.get("reason", ""),
            to_department=target,
            to_domain=None,
            version=version,
        )
    elif action == "resolve":
        workspace_actions.resolve(
            app,
            member,
            reference,
            note=form.get("note", ""),
            outcome=form.get("outcome", "resolved"),
            version=version,
        )
    elif action == "reopen":
        workspace_actions.reopen(
            app, member, reference, reason=form.get("reason", ""), version=version
        )


@router.get("/cases/{reference}/attachments/{number}")
def attachment(request: Request, reference: str, number: int) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    try:
        stored = queue.attachment_file(page.app, page.member, reference, number)
    except CaseNotFound:
        return error_page(page, 404, "not_found")
    # Always a download, never rendered here: an uploaded file must not run as a page.
    return secure(
        FileResponse(stored.path, media_type="application/octet-stream", filename=stored.filename)
    )
