"""The queue: the member's cases, filtered and paged like the API's queue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from case_store.lifecycle import Status
from case_store.taxonomy import URGENCIES
from minsheng.services.casework import queue
from minsheng.web.console.common import console_router, int_or_none, marked, page_for, to_login

PER_PAGE = 50
PAGE_SIZES = (20, 50, 100, 200)
ALL = "all"
REFRESH_SECONDS = 60

router = console_router()


def _filter_from(request: Request) -> tuple[queue.QueueFilter, dict[str, Any]]:
    """The API's filters, read leniently from the query string: junk values are dropped."""
    q = request.query_params
    statuses = {s.value for s in Status}
    status = [v for v in q.getlist("status") if v in statuses]
    every = ALL in q.getlist("status")
    urgency = [v for v in q.getlist("urgency") if v in URGENCIES]
    domain = [v for v in q.getlist("domain") if v in request.app.state.app.settings.taxonomy.keys]
    overdue = q.get("overdue") or ""
    overdue = overdue if overdue in ("yes", "no") else ""
    due_within = int_or_none(q.get("due_within"), 0, 3650)
    text = (q.get("q") or "").strip()[:100]
    page = int_or_none(q.get("page"), 1, 10_000) or 1
    per_page = int_or_none(q.get("per_page"), 1, queue.MAX_PER_PAGE)
    per_page = per_page if per_page in PAGE_SIZES else PER_PAGE
    sort = q.get("sort") or "deadline"
    sort = sort if sort in queue.SORTS else "deadline"
    descending = q.get("dir") == "desc"
    # "All", or a search with no status chosen, looks at every case, closed ones too: a
    # reference typed into the search box must find its case whatever its state.
    wanted = [s.value for s in Status] if every or (text and not status) else status
    flt = queue.QueueFilter(
        status=wanted,
        urgency=urgency,
        domain=domain,
        overdue={"yes": True, "no": False}.get(overdue),
        due_within_days=due_within,
        text=text or None,
        page=page,
        per_page=per_page,
        sort=sort,
        descending=descending,
    )
    chosen = {
        "status": status,
        "all": every,
        "per_page": per_page,
        "sort": sort,
        "dir": "desc" if descending else "asc",
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
    pages = max(1, -(-total // flt.per_page)) if total is not None else None
    params = request.query_params.multi_items()
    base = [(k, v) for k, v in params if k != "page"]
    unsorted = [(k, v) for k, v in params if k not in ("page", "sort", "dir")]

    def sort_url(column: str) -> str:
        """The column's header link: by this column, flipping the direction on a second click."""
        flip = chosen["sort"] == column and chosen["dir"] == "asc"
        return "/console/queue?" + urlencode(
            [*unsorted, ("sort", column), ("dir", "desc" if flip else "asc")]
        )

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
        domains=page.app.settings.taxonomy.keys,
        page_sizes=PAGE_SIZES,
        refresh_seconds=int_or_none(request.query_params.get("refresh"), 5, 600) or REFRESH_SECONDS,
        sort_url=sort_url,
        page_url=lambda n: "/console/queue?" + urlencode([*base, ("page", n)]),
    )
