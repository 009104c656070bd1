"""The console's Telegram page: a member gets a one-time code to link their Telegram account
(sent as /link CODE in the department's group), sees when it is linked, and can unlink."""

from __future__ import annotations

import re
from typing import Any

from minsheng.services.access import telegram_link


def _logged_in(in_process: Any, login: str) -> Any:
    client = in_process.client_for(https=True)
    form = client.get("/console/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/console/login",
        data={
            "login": login,
            "password": in_process.seeded.passwords[login],
            "login_csrf": token.group(1),
            "next": "/console/telegram",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client


def _csrf(html: str) -> str:
    found = re.search(r'action="/console/telegram/code".*?name="csrf" value="([^"]+)"', html, re.S)
    assert found is not None
    return found.group(1)


def test_a_clerk_gets_a_code_links_telegram_with_it_and_sees_the_link(in_process: Any) -> None:
    client = _logged_in(in_process, "clerk")
    page = client.get("/console/telegram")
    assert page.status_code == 200 and "尚未绑定" in page.text
    assert 'href="/console/telegram"' in page.text, "the page is in the navigation"

    shown = client.post("/console/telegram/code", data={"csrf": _csrf(page.text)})
    code = re.search(r'id="link-code">([A-Z0-9]{8})<', shown.text)
    assert code is not None and f"/link {code.group(1)}" in shown.text

    member = telegram_link.link(in_process.app, 424242, code.group(1))
    assert member is not None and member.login == "clerk"
    linked = client.get("/console/telegram")
    assert "已绑定" in linked.text and "解除绑定" in linked.text

    client.post("/console/telegram/unlink", data={"csrf": _csrf(linked.text)})
    assert telegram_link.member_for(in_process.app, 424242) is None
    assert "尚未绑定" in client.get("/console/telegram").text


def test_a_code_is_never_handed_out_without_the_sessions_csrf_token(in_process: Any) -> None:
    client = _logged_in(in_process, "clerk")
    refused = client.post("/console/telegram/code", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert 'id="link-code"' not in refused.text


def test_the_page_needs_a_login(in_process: Any) -> None:
    response = in_process.client_for().get("/console/telegram", follow_redirects=False)
    assert response.status_code == 303 and "/console/login" in response.headers["location"]
