"""/chat's HTTP side: a random session token kept only as a hash, CSRF, CSP, polled notices."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from case_store.models import WebSession
from minsheng.services.casework import staff_actions
from minsheng.services.residents import web_chat


def open_chat(app: Any) -> tuple[TestClient, str]:
    from minsheng.web.app import create_app

    client = TestClient(create_app(app))
    page = client.get("/chat")
    assert page.status_code == 200
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    return client, csrf


def test_the_chat_page_sets_a_random_session_cookie_and_stores_only_its_hash(
    channel_app: Any,
) -> None:
    client, csrf = open_chat(channel_app)
    token = client.cookies["ms_chat"]
    assert len(token) * 6 >= 128  # url-safe base64: 6 bits a character
    client.post("/chat/api/send", json={"text": "/start"}, headers={"X-CSRF-Token": csrf})
    with channel_app.uow() as uow:
        hashes = uow.session.scalars(select(WebSession.token_hash)).all()
    assert hashes == [web_chat.token_hash(token)] and token not in hashes


def test_the_page_forbids_inline_script_and_framing(channel_app: Any) -> None:
    client, _ = open_chat(channel_app)
    page = client.get("/chat")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in page.text and "onclick" not in page.text


def test_a_message_without_the_csrf_token_is_refused(channel_app: Any) -> None:
    client, _ = open_chat(channel_app)
    response = client.post("/chat/api/send", json={"text": "你好"})
    assert response.status_code == 403


def test_a_resent_message_is_answered_once(channel_app: Any) -> None:
    client, csrf = open_chat(channel_app)
    body = {"id": "abcdef0123456789", "text": "/start"}
    first = client.post("/chat/api/send", json=body, headers={"X-CSRF-Token": csrf})
    again = client.post("/chat/api/send", json=body, headers={"X-CSRF-Token": csrf})
    assert first.json()["replies"] and again.json()["replies"] == []


def test_department_news_reaches_the_page_by_polling_once(channel_app: Any) -> None:
    client, csrf = open_chat(channel_app)
    headers = {"X-CSRF-Token": csrf}
    for step in ({"text": "幸福里小区3号楼门口的路灯坏了三天了"}, {"data": "ct:y"}):
        client.post("/chat/api/send", json=step, headers=headers)
    created = client.post("/chat/api/send", json={"data": "ok"}, headers=headers).json()
    reference = created["replies"][0]["text"].split("编号 ")[1].split("。")[0]
    staff_actions.accept(channel_app, reference)
    polled = client.get("/chat/api/poll", headers=headers).json()["messages"]
    assert len(polled) == 1 and reference in polled[0]["text"]
    assert client.get("/chat/api/poll", headers=headers).json()["messages"] == []
