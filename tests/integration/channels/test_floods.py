"""Floods: one chat sending hundreds of updates, one address opening chat after chat.

The limits are counted in the database, so they hold across replicas: here two service
instances with their own engines share one database, as two processes behind a load
balancer would.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from case_store.models import Case, RateCounter, WebSession
from minsheng.services import jobs
from minsheng.services.bootstrap import bootstrap
from minsheng.web.app import create_app
from minsheng.web.routes import telegram_webhook

SECRET = "flood-secret_1"
HEADERS = {telegram_webhook.SECRET_HEADER: SECRET}


def limited(app: Any, **limits: Any) -> Any:
    app.settings = app.settings.model_copy(
        update={
            "limits": app.settings.limits.model_copy(update=limits),
            "webhook_secret": SecretStr(SECRET),
        }
    )
    return app


def count(app: Any, model: Any) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_chat_flooding_two_replicas_is_answered_up_to_the_limit_then_told_once_to_slow_down(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    first = limited(channel_app, messages_per_chat=5)
    second = bootstrap(first.settings, clock=first.clock)  # another process, same database
    second.__dict__["nlu"] = first.nlu
    replicas = [telegram_webhook.build_app(a, bot=fake_bot) for a in (first, second)]
    chat = updates(chat_id=777001)
    flood = [chat.message(f"第{n}条：路灯坏了") for n in range(60)]

    async def go() -> list[httpx.Response]:
        # One after another, alternating replicas: what is tested is the shared count (the
        # race of one chat's simultaneous updates on its dialogue row is the intake path's).
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://bot")
            for api in replicas
        ]
        try:
            return [
                await clients[n % 2].post(telegram_webhook.PATH, json=update, headers=HEADERS)
                for n, update in enumerate(flood)
            ]
        finally:
            for client in clients:
                await client.aclose()

    responses = asyncio.run(go())
    second.dispose()
    assert {r.status_code for r in responses} == {200}
    texts = fake_bot.texts(777001)
    slow_down = [t for t in texts if "发送得太快" in t]
    assert len(slow_down) == 1
    assert len(first.nlu.seen) <= 5  # only the first five reached the dialogue


def test_another_chat_is_not_slowed_by_someone_elses_flood(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    app = limited(channel_app, messages_per_chat=3)
    api = telegram_webhook.build_app(app, bot=fake_bot)
    with TestClient(api) as client:
        for n in range(10):
            client.post(
                telegram_webhook.PATH, json=updates(chat_id=5001).message(f"{n}"), headers=HEADERS
            )
        client.post(
            telegram_webhook.PATH, json=updates(chat_id=5002).message("/start"), headers=HEADERS
        )
    fake_bot.deliver_outbox(app)  # replies leave through the outbox after each step's commit
    assert fake_bot.texts(5002) and not any("发送得太快" in t for t in fake_bot.texts(5002))


def open_chat(api: Any, lang: str = "zh") -> tuple[TestClient, dict[str, str]]:
    client = TestClient(api, headers={"Accept-Language": lang})
    page = client.get("/chat")
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    return client, {"X-CSRF-Token": csrf}


def submit_case(client: TestClient, headers: dict[str, str]) -> list[str]:
    said: list[str] = []
    for step in ({"text": "幸福里小区3号楼门口的路灯坏了三天了"}, {"data": "ct:y"}, {"data": "ok"}):
        body = client.post("/chat/api/send", json=step, headers=headers)
        assert body.status_code == 200
        said += [r["text"] for r in body.json()["replies"]]
    return said


def test_loading_the_chat_page_stores_nothing_until_the_first_message(channel_app: Any) -> None:
    api = create_app(channel_app)
    with TestClient(api) as client:
        for _ in range(300):
            client.cookies.clear()
            assert client.get("/chat").status_code == 200
    assert count(channel_app, WebSession) == 0
    client, headers = open_chat(api)
    assert client.get("/chat/api/poll", headers=headers).json() == {"messages": []}
    assert client.post("/chat/api/send", json={"text": "/start"}, headers=headers).json()["replies"]
    assert count(channel_app, WebSession) == 1


def test_fresh_cookies_from_one_address_do_not_buy_more_cases(channel_app: Any) -> None:
    app = limited(channel_app, new_cases_per_address=3, chat_sessions_per_address=50)
    api = create_app(app)
    refused = 0
    for _ in range(12):
        client, headers = open_chat(api)
        said = submit_case(client, headers)
        refused += any("已提交" in t and "稍后" in t for t in said)
    assert count(app, Case) == 3
    assert refused == 9


def test_one_address_opens_only_so_many_new_chats_and_is_told_why_in_its_language(
    channel_app: Any,
) -> None:
    app = limited(channel_app, chat_sessions_per_address=4)
    api = create_app(app)
    answers = []
    for n in range(8):
        client, headers = open_chat(api, lang="en" if n % 2 else "zh")
        reply = client.post("/chat/api/send", json={"text": "/start"}, headers=headers)
        assert reply.status_code == 200
        answers.append(reply.json()["replies"][0]["text"])
    assert count(app, WebSession) == 4
    assert answers[4].startswith("您所在的网络") and answers[5].startswith("A great many")


def test_a_web_chat_flood_gets_polite_answers_not_errors(channel_app: Any) -> None:
    app = limited(channel_app, messages_per_chat=4)
    client, headers = open_chat(create_app(app))
    replies = [
        client.post("/chat/api/send", json={"text": f"{n}"}, headers=headers) for n in range(10)
    ]
    assert {r.status_code for r in replies} == {200}
    assert all("发送得太快" in r.json()["replies"][0]["text"] for r in replies[4:])


def test_idle_web_chats_expire_and_housekeeping_deletes_them_and_old_counters(
    channel_app: Any, clock: Any
) -> None:
    app = channel_app
    app.settings = app.settings.model_copy(
        update={"web": app.settings.web.model_copy(update={"chat_session_idle_days": 2})}
    )
    api = create_app(app)
    client, headers = open_chat(api)
    client.post("/chat/api/send", json={"text": "/start"}, headers=headers)
    clock.advance(days=1, hours=12)
    assert client.get("/chat/api/poll", headers=headers).status_code == 200  # still alive
    clock.advance(days=1, hours=12)  # past the first expiry: each use moves it on
    assert client.get("/chat/api/poll", headers=headers).status_code == 200
    assert count(app, RateCounter) > 0
    clock.advance(days=2, hours=1)
    assert client.get("/chat/api/poll", headers=headers).status_code == 403
    jobs.housekeeping(app)
    assert count(app, WebSession) == 0 and count(app, RateCounter) == 0
    page = client.get("/chat")
    assert page.cookies.get("ms_chat") not in (None, "")


@pytest.mark.parametrize("mode", ["always", "never"])
def test_the_web_chat_cookie_follows_the_secure_setting(channel_app: Any, mode: str) -> None:
    channel_app.settings = channel_app.settings.model_copy(
        update={"web": channel_app.settings.web.model_copy(update={"secure_cookies": mode})}
    )
    page = TestClient(create_app(channel_app)).get("/chat")
    assert ("secure" in page.headers["set-cookie"].lower()) is (mode == "always")


def test_with_redis_configured_replicas_share_the_count_there_and_not_in_the_database(
    sqlite_app: Any,
) -> None:
    import secrets

    import redis

    from minsheng.services.residents import flood

    url = os.environ.get("MINSHENG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable ({type(exc).__name__})")
    sqlite_app.settings = sqlite_app.settings.model_copy(
        update={
            "redis_url": url,
            "limits": sqlite_app.settings.limits.model_copy(update={"messages_per_chat": 3}),
        }
    )
    other = bootstrap(sqlite_app.settings, clock=sqlite_app.clock)
    chat = secrets.token_hex(8)
    verdicts = [flood.chat_message(a, "telegram", chat) for a in [sqlite_app, other] * 3]
    other.dispose()
    assert [v.allowed for v in verdicts] == [True, True, True, False, False, False]
    assert [v.first_refusal for v in verdicts].count(True) == 1
    assert count(sqlite_app, RateCounter) == 0
    # A Redis that stops answering falls back to the database rather than refusing everyone.
    sqlite_app.settings = sqlite_app.settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:1/0"}
    )
    sqlite_app._cache.clear()
    assert flood.chat_message(sqlite_app, "telegram", chat).allowed
    assert count(sqlite_app, RateCounter) == 1
