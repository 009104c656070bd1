"""Livelihood projects in the console: the project pool, the review queue per level, the
project page with its allowed actions, the demand topics (merge, split, covered by), and the
project figures beside the dashboard.

Actions are exactly case_store.projects.allowed_actions (shown on the page) plus progress,
offline backing and scores and the evaluation; who may do which is decided by
minsheng.services.projects.workspace.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from case_store.projects import REVIEW_ORDER, Stage
from minsheng.services.access import web_sessions
from minsheng.services.access.staff import AccessDenied, scope_of
from minsheng.services.errors import ConcurrencyConflict, DomainError
from minsheng.services.projects import demand, reporting, views, workspace
from minsheng.services.projects.records import ProjectNotFound
from minsheng.web.console.common import (
    DASHBOARD_ROLES,
    Page,
    console_router,
    error_page,
    int_or_none,
    page_for,
    redirect,
    to_login,
)

router = console_router()


@router.get("/projects")
def pool(request: Request) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    q = request.query_params
    stage = q.get("stage") if q.get("stage") in {s.value for s in Stage} else None
    domain = q.get("domain") if q.get("domain") in page.app.settings.taxonomy.keys else None
    department = q.get("department") or None
    year = int_or_none(q.get("year"), 2000, 2100)
    review = q.get("review") if q.get("review") in {r.value for r in REVIEW_ORDER} else None
    rows = views.list_projects(
        page.app,
        stage=[stage] if stage else None,
        domain=domain,
        department=department,
        year=year,
        review=review,
    )
    return page.render(
        "projects.html",
        rows=rows,
        chosen={
            "stage": stage,
            "domain": domain,
            "department": department,
            "year": year,
            "review": review,
        },
        stages=[s.value for s in Stage],
        reviews=[r.value for r in REVIEW_ORDER],
        domains=page.app.settings.taxonomy.keys,
        departments=[d.id for d in page.app.settings.departments],
    )


def _project_page(
    page: Page,
    reference: str,
    *,
    status: int = 200,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    try:
        project = views.show(page.app, reference)
    except ProjectNotFound:
        return error_page(page, 404, "not_found")
    return page.render(
        "project.html",
        status=status,
        p=project,
        h=views.history(page.app, project["reference"]),
        done=done,
        error=error,
        departments=[d.id for d in page.app.settings.departments],
    )


@router.get("/projects/{reference}")
def project_page(request: Request, reference: str, done: str | None = None) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    return _project_page(page, reference, done=done if done in workspace.ACTIONS else None)


@router.post("/projects/{reference}/{action}")
async def project_action(request: Request, reference: str, action: str) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not web_sessions.csrf_ok(page.session, form.get("csrf")):
        return error_page(page, 403, "csrf_failed")
    if action not in workspace.ACTIONS:
        return error_page(page, 404, "not_found")
    try:
        view = workspace.perform(page.app, page.member, reference, action, form)
    except ProjectNotFound:
        return error_page(page, 404, "not_found")
    except AccessDenied:
        return _project_page(page, reference, status=403, error=page.t("forbidden"))
    except ConcurrencyConflict:
        return _project_page(page, reference, status=409, error=page.t("conflict"))
    except DomainError as exc:
        return _project_page(
            page, reference, status=400, error=page.t("bad_request", detail=str(exc))
        )
    return redirect(f"/console/projects/{view['reference']}?done={action}")


@router.get("/topics")
def topics_page(request: Request, done: str | None = None, error: str | None = None) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    topics = demand.stored_topics(page.app)
    charts = {
        t["id"]: json.dumps(
            {
                "labels": [m["month"] for m in t["trend"]],
                "series": [
                    {"name": page.t("pj_cases"), "values": [m["cases"] for m in t["trend"]]}
                ],
                "empty": page.t("no_data"),
            },
            ensure_ascii=False,
        )
        for t in topics[:10]
    }
    return page.render("topics.html", topics=topics, charts=charts, done=done, error=error)


@router.post("/topics/{action}")
async def topics_action(request: Request, action: str) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not web_sessions.csrf_ok(page.session, form.get("csrf")):
        return error_page(page, 403, "csrf_failed")
    actor = page.member.actor
    try:
        if action == "refresh":
            demand.clusters_of(page.app, actor=actor)
        elif action == "merge":
            demand.merge(page.app, form.get("topic", ""), form.get("into", "").strip(), actor=actor)
        elif action == "split":
            refs = [r for r in form.get("cases", "").replace("，", ",").split(",") if r.strip()]
            demand.split(
                page.app, form.get("topic", ""), refs, label=form.get("label", ""), actor=actor
            )
        elif action == "cover":
            demand.cover(
                page.app,
                form.get("topic", ""),
                form.get("project", "").strip() or None,
                actor=actor,
            )
        else:
            return error_page(page, 404, "not_found")
    except DomainError as exc:
        return page.render(
            "topics.html",
            status=400,
            topics=demand.stored_topics(page.app),
            charts={},
            done=None,
            error=page.t("bad_request", detail=str(exc)),
        )
    return redirect(f"/console/topics?done={action}")


@router.get("/project-figures")
def figures_page(request: Request) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    if page.member.role not in DASHBOARD_ROLES:
        return error_page(page, 403, "forbidden")
    year = int_or_none(request.query_params.get("year"), 2000, 2100)
    data = reporting.summary(
        page.app, year=year, scope=scope_of(page.app.settings, page.member).departments
    )
    chart: dict[str, Any] = {
        "labels": [page.t("pj_stage_" + k) for k in data["by_stage"]],
        "series": [{"name": page.t("pj_projects"), "values": list(data["by_stage"].values())}],
        "empty": page.t("no_data"),
    }
    return page.render(
        "project_figures.html", data=data, chart=json.dumps(chart, ensure_ascii=False), year=year
    )
