"""Possible duplicates over HTTP: the workspace API and the case page's buttons."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from minsheng.services.access import staff
from minsheng.services.casework import views
from minsheng.web.app import create_app

LAMP = "人民路88号门口的路灯不亮了，晚上很黑"
LAMP_AGAIN = "人民路88號附近路燈壞了好幾天，走路看不見"


def test_a_clerk_finds_links_and_unlinks_a_duplicate_through_the_api(workspace: Any) -> None:
    client, headers = workspace.client, workspace.staff("agent", "transport_bureau")
    primary = workspace.submit(LAMP, "transport", resident="tg-1")
    dup = workspace.submit(LAMP_AGAIN, "transport", resident="tg-2")
    similar = client.get(f"/api/v1/cases/{primary}/similar", headers=headers).json()
    assert similar["similar"][0]["reference"] == dup and similar["duplicates"] == []
    refused = client.post(
        f"/api/v1/cases/{dup}/duplicate-of",
        json={"primary": dup, "version": workspace.version(dup)},
        headers=headers,
    )
    assert refused.status_code == 400 and "itself" in refused.json()["detail"]
    linked = client.post(
        f"/api/v1/cases/{dup}/duplicate-of",
        json={"primary": primary, "version": workspace.version(dup)},
        headers=headers,
    )
    assert linked.status_code == 200 and linked.json()["duplicate_of"] == primary
    stale = client.delete(f"/api/v1/cases/{dup}/duplicate-of?version=1", headers=headers)
    assert stale.status_code == 409
    etag = linked.headers["ETag"]
    unlinked = client.delete(
        f"/api/v1/cases/{dup}/duplicate-of", headers={**headers, "If-Match": etag}
    )
    assert unlinked.status_code == 200 and unlinked.json()["duplicate_of"] is None


def test_a_clerk_links_a_duplicate_from_the_case_page_and_unlinks_it(workspace: Any) -> None:
    app = workspace.app
    console_cfg = app.settings.console.model_copy(update={"two_factor_roles": []})
    app.settings = app.settings.model_copy(update={"console": console_cfg})
    creds = staff.add_staff(
        app, name="王科员", department="transport_bureau", role="agent", login="wang"
    )
    primary = workspace.submit(LAMP, "transport", resident="tg-1")
    dup = workspace.submit(LAMP_AGAIN, "transport", resident="tg-2")
    client = TestClient(create_app(app), base_url="https://testserver")
    form = client.get("/console/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token is not None
    client.post(
        "/console/login",
        data={"login": "wang", "password": creds.password, "login_csrf": token.group(1)},
    )
    page = client.get(f"/console/cases/{primary}")
    assert page.status_code == 200 and "可能重复的在办诉求" in page.text
    assert dup in page.text and f"/console/cases/{dup}/duplicate_of" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    forged = client.post(
        f"/console/cases/{dup}/duplicate_of",
        data={"csrf": "forged", "primary": primary, "version": workspace.version(dup)},
    )
    assert forged.status_code == 403 and views.show(app, dup)["status"] == "routed"
    done = client.post(
        f"/console/cases/{dup}/duplicate_of",
        data={"csrf": csrf.group(1), "primary": primary, "version": workspace.version(dup)},
    )
    assert done.status_code == 200 and "已合并办理" in done.text
    assert f'href="/console/cases/{dup}"' in done.text  # the primary lists its duplicate
    linked = client.get(f"/console/cases/{dup}")
    assert f"与 {primary} 合并办理" in linked.text and 'id="unlink-duplicate"' in linked.text
    again = client.post(
        f"/console/cases/{dup}/duplicate_of",
        data={"csrf": csrf.group(1), "primary": primary, "version": workspace.version(dup)},
    )
    assert again.status_code == 400 and "already a duplicate" in again.text
    undone = client.post(
        f"/console/cases/{dup}/unlink_duplicate",
        data={"csrf": csrf.group(1), "version": workspace.version(dup)},
    )
    assert undone.status_code == 200 and "已取消合并" in undone.text
    assert 'id="unlink-duplicate"' not in client.get(f"/console/cases/{dup}").text
