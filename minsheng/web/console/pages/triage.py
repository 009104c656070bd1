"""The triage desk: cases still to route, and cases departments bounced back."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from minsheng.services.access.staff import scope_of
from minsheng.services.casework import queue
from minsheng.web.console.common import (
    Page,
    console_router,
    error_page,
    marked,
    may_triage,
    page_for,
    to_login,
)

router = console_router()


@router.get("/triage")
def triage_page(request: Request) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    if page.session is None or not may_triage(page.app, page.session):
        return error_page(page, 403, "forbidden")
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
    return page.render("triage.html", to_route=marked(to_route, now), bounced=marked(bounced, now))


def _all_of(page: Page, department: str) -> list[dict[str, Any]]:
    flt = queue.QueueFilter(department=department, per_page=queue.MAX_PER_PAGE)
    return list(queue.queue(page.app, page.member, flt)["items"])
