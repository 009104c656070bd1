"""Who sees what: every role against every workspace endpoint, and the hidden-identity rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from minsheng.web.app import create_app

ROLES: dict[str, tuple[str, str]] = {
    "housing agent": ("agent", "housing_bureau"),
    "utilities agent": ("agent", "utilities_desk"),
    "housing supervisor": ("supervisor", "housing_bureau"),
    "triage officer": ("triage", "hotline_12345"),
    "admin": ("admin", "supervision"),
}
# utilities_desk sits under housing_bureau; the complaint C about utilities_desk staff goes to
# housing_bureau, its supervisor department.
VISIBLE: dict[str, set[str]] = {
    "housing agent": {"H", "C"},
    "utilities agent": {"U"},
    "housing supervisor": {"H", "U", "C"},
    "triage officer": {"X"},
    "admin": {"H", "U", "T", "X", "C"},
}
CASES = ("H", "U", "T", "X", "C")
COMPLAINANT_PHONE = "13912345678"
PHONE_IN_TEXT = "13812345678"

READS = {
    ("GET", "/api/v1/cases/{reference}"): "",
    ("GET", "/api/v1/cases/{reference}/events"): "/events",
    ("GET", "/api/v1/cases/{reference}/attachments"): "/attachments",
    ("GET", "/api/v1/cases/{reference}/attachments/{number}"): "/attachments/1",
    ("GET", "/api/v1/cases/{reference}/contact"): "/contact",
    ("GET", "/api/v1/cases/{reference}/similar"): "/similar",
}
ACTIONS: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("POST", "/api/v1/cases/{reference}/accept"): ("/accept", {}),
    ("POST", "/api/v1/cases/{reference}/start"): ("/start", {}),
    ("POST", "/api/v1/cases/{reference}/reply"): ("/reply", {"text": "我们已收到"}),
    ("POST", "/api/v1/cases/{reference}/ask"): ("/ask", {"question": "请问具体是几号楼？"}),
    ("POST", "/api/v1/cases/{reference}/transfer"): (
        "/transfer",
        {"reason": "不属于本部门", "to_department": "market_regulation"},
    ),
    ("POST", "/api/v1/cases/{reference}/resolve"): (
        "/resolve",
        {"note": "已处理", "outcome": "resolved"},
    ),
    ("POST", "/api/v1/cases/{reference}/reopen"): ("/reopen", {"reason": "居民不满意"}),
    # The primary is the other case of the pair, filled in by `_body`.
    ("POST", "/api/v1/cases/{reference}/duplicate-of"): ("/duplicate-of", {"primary": "?"}),
    ("DELETE", "/api/v1/cases/{reference}/duplicate-of"): ("/duplicate-of", {}),
}
COLLECTIONS = {("GET", "/api/v1/me"), ("GET", "/api/v1/cases"), ("GET", "/api/v1/cases/export.csv")}


@dataclass
class World:
    refs: dict[str, str]
    headers: dict[str, dict[str, str]]


@pytest.fixture
def world(workspace: Any) -> World:
    ws = workspace
    refs = {
        "H": ws.submit("小区电梯坏了三天了", "housing"),
        "U": ws.submit("我家停水两天了", "utilities"),
        "T": ws.submit("人民路红绿灯坏了", "transport"),
        "X": ws.submit("有件事不知道该找谁", "other"),
        "C": ws.submit(
            f"供水所工作人员态度恶劣，我的手机{PHONE_IN_TEXT}",
            "utilities",
            kind="complaint",
            resident="tg-2002",
            name="李女士",
            phone=COMPLAINANT_PHONE,
            complaint_about_staff=True,
            accused_department="utilities_desk",
        ),
    }
    for ref in refs.values():
        ws.attach(ref, b"\xff\xd8 not really a jpeg")
    headers = {label: ws.staff(role, dept) for label, (role, dept) in ROLES.items()}
    return World(refs, headers)


# Projects and the demand ledger have their own access rules (tests/integration/web/
# test_projects_http.py); this matrix is the case workspace's.
NOT_CASES = ("/api/v1/projects", "/api/v1/demand")


def test_the_matrix_covers_every_workspace_endpoint(workspace: Any) -> None:
    paths = workspace.client.get("/openapi.json").json()["paths"]
    served = {
        (method.upper(), path)
        for path, ops in paths.items()
        if path.startswith("/api/v1/") and not path.startswith(NOT_CASES)
        for method in ops
    }
    assert served == set(READS) | set(ACTIONS) | COLLECTIONS


def test_a_complaint_about_a_departments_staff_goes_to_its_supervisor(
    workspace: Any, world: World
) -> None:
    view = workspace.client.get(
        f"/api/v1/cases/{world.refs['C']}", headers=world.headers["admin"]
    ).json()
    assert view["department"] == "housing_bureau"


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_reads_exactly_the_cases_in_its_scope(
    workspace: Any, world: World, role: str
) -> None:
    for key in CASES:
        for suffix in READS.values():
            response = workspace.client.get(
                f"/api/v1/cases/{world.refs[key]}{suffix}", headers=world.headers[role]
            )
            expected = 200 if key in VISIBLE[role] else 404
            assert response.status_code == expected, (role, key, suffix, response.text)


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_finds_only_its_cases_in_the_queue_search_and_export(
    workspace: Any, world: World, role: str
) -> None:
    client, headers = workspace.client, world.headers[role]
    listed = {
        item["reference"] for item in client.get("/api/v1/cases", headers=headers).json()["items"]
    }
    assert listed == {world.refs[k] for k in VISIBLE[role]}
    exported = client.get("/api/v1/cases/export.csv", headers=headers).text
    for key in CASES:
        assert (world.refs[key] in exported) == (key in VISIBLE[role])
        found = client.get("/api/v1/cases", params={"q": world.refs[key]}, headers=headers).json()
        assert found["total"] == (1 if key in VISIBLE[role] else 0)


@pytest.mark.parametrize("role", list(ROLES))
def test_no_role_can_act_on_a_case_outside_its_scope(
    workspace: Any, world: World, role: str
) -> None:
    for key in set(CASES) - VISIBLE[role]:
        ref = world.refs[key]
        before_version = workspace.version(ref)
        before_events = len(
            workspace.client.get(
                f"/api/v1/cases/{ref}/events", headers=world.headers["admin"]
            ).json()
        )
        for (method, template), (suffix, body) in ACTIONS.items():
            if role == "triage officer" and suffix == "/transfer":
                continue  # the triage desk routes any case (tested below)
            response = _send(
                workspace,
                method,
                f"/api/v1/cases/{ref}{suffix}",
                _body(world, key, body),
                before_version,
                world.headers[role],
            )
            assert response.status_code == 404, (role, key, template, response.text)
        assert workspace.version(ref) == before_version
        assert (
            len(
                workspace.client.get(
                    f"/api/v1/cases/{ref}/events", headers=world.headers["admin"]
                ).json()
            )
            == before_events
        )


def _body(world: World, key: str, body: dict[str, Any]) -> dict[str, Any]:
    """A duplicate-of body names a visible other case, so only the scope can refuse it."""
    if "primary" not in body:
        return body
    return {**body, "primary": world.refs["H" if key != "H" else "U"]}


def _send(
    workspace: Any,
    method: str,
    url: str,
    body: dict[str, Any],
    version: int,
    headers: dict[str, str],
) -> Any:
    if method == "DELETE":
        return workspace.client.delete(url, params={"version": version}, headers=headers)
    return workspace.client.post(url, json={**body, "version": version}, headers=headers)


HOME_DOMAIN = {
    "housing agent": "housing",
    "utilities agent": "utilities",
    "housing supervisor": "housing",
    "triage officer": "other",
    "admin": "transport",
}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_can_work_a_case_in_its_scope(workspace: Any, role: str) -> None:
    client = workspace.client
    headers = workspace.staff(*ROLES[role])
    ref = workspace.submit("路灯不亮了", HOME_DOMAIN[role])

    def act(suffix: str, body: dict[str, Any]) -> Any:
        etag = client.get(f"/api/v1/cases/{ref}", headers=headers).headers["ETag"]
        return client.post(
            f"/api/v1/cases/{ref}{suffix}", json=body, headers={**headers, "If-Match": etag}
        )

    allowed = client.get(f"/api/v1/cases/{ref}", headers=headers).json()["allowed_actions"]
    assert allowed == ["accept", "reply", "transfer", "resolve"]
    assert act("/accept", {}).json()["status"] == "accepted"
    assert act("/start", {}).json()["status"] == "in_progress"
    assert act("/ask", {"question": "请问是哪一盏灯？"}).json()["status"] == "awaiting_resident"
    assert act("/reply", {"text": "已安排维修"}).status_code == 200
    resolved = act("/resolve", {"note": "已更换灯泡", "outcome": "resolved"}).json()
    assert (resolved["status"], resolved["outcome"]) == ("resolved", "resolved")
    allowed = client.get(f"/api/v1/cases/{ref}", headers=headers).json()["allowed_actions"]
    assert allowed == (["reply"] if ROLES[role][0] == "agent" else ["reply", "reopen"])
    reopened = act("/reopen", {"reason": "又坏了"})
    if ROLES[role][0] == "agent":
        assert reopened.status_code == 403
        assert workspace.version(ref) == resolved["version"]
    else:
        assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"
        moved = act("/transfer", {"reason": "属于市场监管", "to_department": "market_regulation"})
        assert moved.status_code == 200 and moved.json()["department"] == "market_regulation"

    other = workspace.submit("另一件事", HOME_DOMAIN[role])
    etag = client.get(f"/api/v1/cases/{other}", headers=headers).headers["ETag"]
    moved = client.post(
        f"/api/v1/cases/{other}/transfer",
        headers={**headers, "If-Match": etag},
        json={"reason": "送错部门了", "to_department": "market_regulation"},
    )
    assert moved.status_code == 200 and moved.json()["department"] == "market_regulation"


def test_the_triage_desk_routes_a_case_it_cannot_otherwise_see(
    workspace: Any, world: World
) -> None:
    client, triage = workspace.client, world.headers["triage officer"]
    ref = world.refs["H"]
    assert client.get(f"/api/v1/cases/{ref}", headers=triage).status_code == 404
    response = client.post(
        f"/api/v1/cases/{ref}/transfer",
        headers=triage,
        json={
            "reason": "应由交通部门处理",
            "to_department": "transport_bureau",
            "version": workspace.version(ref),
        },
    )
    assert response.status_code == 200
    assert response.json()["department"] == "transport_bureau"
    assert (
        client.get(f"/api/v1/cases/{ref}", headers=world.headers["housing agent"]).status_code
        == 404
    )


def test_an_unknown_case_and_a_case_outside_the_scope_answer_alike(
    workspace: Any, world: World
) -> None:
    client, agent = workspace.client, world.headers["utilities agent"]
    ref = world.refs["T"]
    outside = client.get(f"/api/v1/cases/{ref}", headers=agent)
    missing = client.get("/api/v1/cases/MS-2611-ZZZZZZ", headers=agent)
    assert outside.status_code == missing.status_code == 404
    assert set(outside.json()) == set(missing.json()) == {"detail"}


def test_every_workspace_endpoint_needs_a_valid_token(workspace: Any, world: World) -> None:
    client, ref = workspace.client, world.refs["H"]
    requests = [
        ("GET", "/api/v1/me", None),
        ("GET", "/api/v1/cases", None),
        ("GET", "/api/v1/cases/export.csv", None),
    ]
    requests += [("GET", f"/api/v1/cases/{ref}{suffix}", None) for suffix in READS.values()]
    requests += [
        (method, f"/api/v1/cases/{ref}{suffix}", {**body, "version": 1})
        for (method, _), (suffix, body) in ACTIONS.items()
    ]
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwdw=="},
    ):
        for method, url, body in requests:
            response = client.request(method, url, json=body, headers=headers)
            assert response.status_code == 401, (method, url, headers)
            assert "detail" in response.json()
    assert workspace.version(ref) == 1


def test_a_deactivated_account_loses_access_at_once(workspace: Any) -> None:
    from minsheng.services.access import staff

    headers = workspace.staff("agent", "housing_bureau", name="离职员工")
    assert workspace.client.get("/api/v1/me", headers=headers).status_code == 200
    login = workspace.client.get("/api/v1/me", headers=headers).json()["login"]
    staff.deactivate(workspace.app, login)
    assert workspace.client.get("/api/v1/me", headers=headers).status_code == 401


# -- the hidden-identity rule -----------------------------------------------------------------


def _move_complaint_to_the_accused(workspace: Any, world: World) -> str:
    ref = world.refs["C"]
    response = workspace.client.post(
        f"/api/v1/cases/{ref}/transfer",
        headers=world.headers["admin"],
        json={
            "reason": "请供水所说明情况",
            "to_department": "utilities_desk",
            "version": workspace.version(ref),
        },
    )
    assert response.status_code == 200
    return ref


def test_the_accused_department_never_sees_who_complained(workspace: Any, world: World) -> None:
    ref = _move_complaint_to_the_accused(workspace, world)
    client, accused = workspace.client, world.headers["utilities agent"]
    detail = client.get(f"/api/v1/cases/{ref}", headers=accused)
    assert detail.status_code == 200
    assert detail.json()["identity_hidden"] is True
    assert detail.json()["resident"] == {"identity_hidden": True, "contact_available": False}
    texts = [
        detail.text,
        client.get(f"/api/v1/cases/{ref}/events", headers=accused).text,
        client.get("/api/v1/cases", headers=accused).text,
        client.get("/api/v1/cases/export.csv", headers=accused).text,
    ]
    for text in texts:
        for secret in (COMPLAINANT_PHONE, PHONE_IN_TEXT, "李女士", "tg-2002"):
            assert secret not in text
    assert "供水所工作人员态度恶劣" in detail.json()["description"]
    contact = client.get(f"/api/v1/cases/{ref}/contact", headers=accused)
    assert contact.status_code == 403
    assert not [
        e
        for e in client.get(f"/api/v1/cases/{ref}/events", headers=accused).json()
        if e["type"] == "contact_viewed"
    ]


def test_the_supervisor_sees_the_complainant_and_each_look_up_is_logged(
    workspace: Any, world: World
) -> None:
    client, supervisor = workspace.client, world.headers["housing supervisor"]
    ref = world.refs["C"]
    detail = client.get(f"/api/v1/cases/{ref}", headers=supervisor).json()
    assert detail["identity_hidden"] is False and detail["resident"]["contact_available"]
    assert COMPLAINANT_PHONE not in str(detail)  # contact details only on request
    contact = client.get(f"/api/v1/cases/{ref}/contact", headers=supervisor).json()
    assert (contact["name"], contact["phone"]) == ("李女士", COMPLAINANT_PHONE)
    me = client.get("/api/v1/me", headers=supervisor).json()
    looked = [
        e
        for e in client.get(f"/api/v1/cases/{ref}/events", headers=supervisor).json()
        if e["type"] == "contact_viewed"
    ]
    assert [e["actor"] for e in looked] == [f"staff:{me['id']}"]
    # Looking is logged but is not a change: a clerk's pending action still applies.
    assert workspace.version(ref) == detail["version"]


def test_the_rule_holds_for_a_supervisor_of_the_accused_department(
    workspace: Any, world: World
) -> None:
    ref = _move_complaint_to_the_accused(workspace, world)
    supervisor = workspace.staff("supervisor", "utilities_desk")
    detail = workspace.client.get(f"/api/v1/cases/{ref}", headers=supervisor).json()
    assert detail["identity_hidden"] is True and PHONE_IN_TEXT not in str(detail)
    assert (
        workspace.client.get(f"/api/v1/cases/{ref}/contact", headers=supervisor).status_code == 403
    )


def test_create_app_can_be_built_twice_on_one_service_layer(workspace: Any) -> None:
    # Each app has its own metrics registry, so a second one does not collide.
    from fastapi.testclient import TestClient

    with TestClient(create_app(workspace.app)) as other:
        assert other.get("/metrics").status_code == 200
