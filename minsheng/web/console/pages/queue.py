"""The queue: the member's cases, filtered and paged like the API's queue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from case_store.lifecycle import Status
from case_store.taxonomy import DOMAINS, URGENCIES
from minsheng.services.casework import queue
from minsheng.web.console.common import console_router, int_or_none, marked, page_for, to_login

PER_PAGE = 50

router = console_router()


def _filter_from(request: Request) -> tuple[queue.QueueFilter, dict[str, Any]]:
    """The API's filters, read leniently from the query string: junk values are dropped."""
    q = request.query_params
    statuses = {s.value for s in Status}
    status = [v for v in q.getlist("status") if v in statuses]
    urgency = [v for v in q.getlist("urgency") if v in URGENCIES]
    domain = [v for v in q.getlist("domain") if v in DOMAINS]
    overdue = q.get("overdue") or ""
    overdue = overdue if overdue in ("yes", "no") else ""
    due_within = int_or_none(q.get("due_within"), 0, 3650)
    text = (q.get("q") or "").strip()[:100]
    page = int_or_none(q.get("page"), 1, 10_000) or 1
    flt = queue.QueueFilter(
        status=status,
        urgency=urgency,
        domain=domain,
        overdue={"yes": True, "no": False}.get(overdue),
        due_within_days=due_within,
        text=text or None,
        page=page,
        per_page=PER_PAGE,
    )
    chosen = {
        "status": status,
        "urgency": urgency,
        "domain": domain,
        "overdue": overdue,
        "due_within": due_within,
        "q": text,
        "page": page,
    }
    return flt, chosen


@router.get("/queue")
def queue_page(request: Request) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    flt, chosen = _filter_from(request)
    result = queue.queue(page.app, page.member, flt)
    now = page.app.now()
    items = marked(result["items"], now)
    # The queue is not counted page by page: the count is exact on the last page only.
    total = result["total"]
    pages = max(1, -(-total // PER_PAGE)) if total is not None else None
    base = {k: v for k, v in request.query_params.multi_items() if k != "page"}
    return page.render(
        "queue.html",
        items=items,
        total=total,
        total_at_least=result["total_at_least"],
        has_next=result["has_next"],
        chosen=chosen,
        pages=pages,
        statuses=[s.value for s in Status],
        urgencies=URGENCIES,
        domains=DOMAINS,
        page_url=lambda n: "/console/queue?" + urlencode([*base.items(), ("page", n)]),
    )
