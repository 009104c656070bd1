"""Projects over HTTP: the workspace API, the console pages and the public page."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from project_factories import approved, at, started

from minsheng.services.access import staff
from minsheng.services.projects import cycle, views
from minsheng.web.app import create_app


def test_the_api_runs_the_review_chain_and_refuses_what_the_stage_or_role_does_not_allow(
    workspace: Any, clock: Any
) -> None:
    at(clock, 2026, 6, 1)
    boss = workspace.staff("supervisor", "supervision")
    clerk = workspace.staff("agent", "housing_bureau")
    ref1 = workspace.submit("小区没有菜市场", "housing", resident="tg-1")
    c = workspace.client
    created = c.post(
        "/api/v1/projects",
        json={"title": "菜市场", "cases": [ref1], "department": "housing_bureau", "year": 2026},
        headers=boss,
    )
    assert created.status_code == 201
    ref = created.json()["reference"]
    assert c.post(f"/api/v1/projects/{ref}/publish", json={}, headers=boss).status_code == 409
    review = {"stage": "street", "decision": "approve", "note": "ok"}
    assert c.post(f"/api/v1/projects/{ref}/review", json=review, headers=clerk).status_code == 403
    for stage in ("street", "department", "expert"):
        body = {"stage": stage, "decision": "approve"}
        assert c.post(f"/api/v1/projects/{ref}/review", json=body, headers=boss).status_code == 200
    shown = c.get(f"/api/v1/projects/{ref}", headers=clerk).json()
    assert shown["stage"] == "approved"
    assert c.get("/api/v1/projects/PJ-2026-0000", headers=clerk).status_code == 404
    listed = c.get("/api/v1/projects", params={"stage": "approved"}, headers=clerk).json()
    assert [p["reference"] for p in listed["projects"]] == [ref]
    paths = c.get("/openapi.json").json()["paths"]
    assert "/api/v1/projects/{reference}/{action}" in paths and "/api/v1/demand/topics" in paths


def test_the_public_page_shows_projects_past_review_without_personal_data(
    workspace: Any, clock: Any
) -> None:
    at(clock, 2026, 6, 1)
    ref = started(workspace.app, backers=("tg-1",))
    hidden = cycle.propose(
        workspace.app,
        title="未评审",
        cases=[workspace.submit("没有公厕", "housing")],
        department="housing_bureau",
        year=2026,
    )["reference"]
    body = workspace.client.get("/public/projects.json").json()
    refs = [p["reference"] for p in body["projects"]]
    assert ref in refs and hidden not in refs
    project = body["projects"][0]
    assert "cases" not in project and "awareness" not in project
    assert project["backers"] == 1 and project["milestones"][0]["due"] == "2026-06-30"
    page = workspace.client.get("/public/projects")
    assert page.status_code == 200 and ref in page.text and "tg-1" not in page.text


def test_a_clerk_works_a_project_from_the_console_pages(sqlite_app: Any, clock: Any) -> None:
    app = sqlite_app
    # Two-step sign-in has tests of its own; this supervisor signs in with a password.
    console_cfg = app.settings.console.model_copy(update={"two_factor_roles": []})
    app.settings = app.settings.model_copy(update={"console": console_cfg})
    at(clock, 2026, 6, 1)
    creds = staff.add_staff(
        app, name="李主任", department="supervision", role="supervisor", login="li"
    )
    ref = approved(app)
    client = TestClient(create_app(app), base_url="https://testserver")
    form = client.get("/console/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token is not None
    client.post(
        "/console/login",
        data={
            "login": "li",
            "password": creds.password,
            "login_csrf": token.group(1),
            "next": "/console/projects",
        },
    )
    pool = client.get("/console/projects")
    assert pool.status_code == 200 and ref in pool.text
    page = client.get(f"/console/projects/{ref}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None and f"/console/projects/{ref}/publish" in page.text
    done = client.post(f"/console/projects/{ref}/publish", data={"csrf": csrf.group(1)})
    assert done.status_code == 200 and views.show(app, ref)["stage"] == "open"
    refused = client.post(f"/console/projects/{ref}/complete", data={"csrf": csrf.group(1)})
    assert refused.status_code in (400, 403)
    assert views.show(app, ref)["stage"] == "open"
    assert client.get("/console/topics").status_code == 200
    figures = client.get("/console/project-figures")
    assert figures.status_code == 200 and "征集点单" in figures.text
    dashboard = client.get("/console/dashboard")
    assert dashboard.status_code == 200 and "project-summary" in dashboard.text
    assert "征集点单 1" in dashboard.text
