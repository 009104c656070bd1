"""The triage desk: cases still to route, and cases departments bounced back."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from case_store.taxonomy import KINDS, URGENCIES
from minsheng.services.access import web_sessions
from minsheng.services.access.staff import AccessDenied, scope_of
from minsheng.services.casework import queue, workspace_actions
from minsheng.services.errors import CaseNotFound, ConcurrencyConflict, DomainError
from minsheng.web.console.common import (
    Page,
    console_router,
    error_page,
    int_or_none,
    marked,
    may_triage,
    page_for,
    redirect,
    to_login,
)

router = console_router()


@router.get("/triage")
def triage_page(request: Request) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    if not may_triage(page.app, page.session):
        return error_page(page, 403, "forbidden")
    done = request.query_params.get("done") == "reclassify"
    return _render(page, done=done)


def _render(
    page: Page, *, status: int = 200, error: str | None = None, done: bool = False
) -> Response:
    settings = page.app.settings
    desk = settings.triage_department
    now = page.app.now()
    scope = scope_of(settings, page.member)
    at_desk = _all_of(page, desk.id) if scope.sees(desk.id) else []
    to_route = [i for i in at_desk if not i["bounce_count"]]
    bounced = [i for i in at_desk if i["bounce_count"]]
    supervisor = desk.parent
    if supervisor and scope.sees(supervisor):
        bounced += [i for i in _all_of(page, supervisor) if i["bounce_count"]]
    return page.render(
        "triage.html",
        status=status,
        to_route=marked(to_route, now),
        bounced=marked(bounced, now),
        error=error,
        done=done,
        domains=page.app.settings.taxonomy.keys,
        urgencies=URGENCIES,
        kinds=KINDS,
    )


def _all_of(page: Page, department: str) -> list[dict[str, Any]]:
    flt = queue.QueueFilter(department=department, per_page=queue.MAX_PER_PAGE)
    return list(queue.queue(page.app, page.member, flt)["items"])


@router.post("/triage/{reference}/reclassify")
async def reclassify(request: Request, reference: str) -> Response:
    """Correct a case's domain, urgency or kind at the desk; kept as NLU training data."""
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    if not may_triage(page.app, page.session):
        return error_page(page, 403, "forbidden")
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not web_sessions.csrf_ok(page.session, form.get("csrf")):
        return error_page(page, 403, "csrf_failed")
    version = int_or_none(form.get("version"), 1, 2**31)
    if version is None:
        return _render(page, status=400, error=page.t("bad_request", detail="version"))
    try:
        workspace_actions.reclassify(
            page.app,
            page.member,
            reference,
            reason=form.get("reason", ""),
            domain=form.get("domain") or None,
            urgency=form.get("urgency") or None,
            kind=form.get("kind") or None,
            source="triage",
            version=version,
        )
    except CaseNotFound:
        return error_page(page, 404, "not_found")
    except AccessDenied:
        return error_page(page, 403, "forbidden")
    except ConcurrencyConflict:
        return _render(page, status=409, error=page.t("conflict"))
    except DomainError as exc:
        return _render(page, status=400, error=page.t("bad_request", detail=str(exc)))
    return redirect("/console/triage?done=reclassify")
