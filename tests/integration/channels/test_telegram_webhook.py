"""Webhook mode: the secret is checked first, and Telegram's retries never duplicate work."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from case_store.models import Case, DialogueSession, ProcessedUpdate
from minsheng.web.routes import telegram_webhook

SECRET = "s3cret-Token_for-tests"


@pytest.fixture
def hook_app(channel_app: Any) -> Any:
    channel_app.settings = channel_app.settings.model_copy(
        update={"webhook_secret": SecretStr(SECRET)}
    )
    return channel_app


def post(api: Any, payloads: list[Any], headers: dict[str, str]) -> list[httpx.Response]:
    """POST the payloads at the same time, as Telegram's retries or replicas would; then
    send what they queued, as the delivery runner does."""

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            return list(
                await asyncio.gather(
                    *(client.post(telegram_webhook.PATH, json=p, headers=headers) for p in payloads)
                )
            )

    responses = asyncio.run(go())
    api.state.telegram_bot.deliver_outbox(api.state.app)
    return responses


def count(app: Any, model: Any) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    "headers",
    [{}, {telegram_webhook.SECRET_HEADER: "wrong"}, {telegram_webhook.SECRET_HEADER: SECRET[:-1]}],
    ids=["missing", "wrong", "one-character-short"],
)
def test_a_post_without_the_right_secret_is_refused_with_403_and_nothing_runs(
    hook_app: Any, fake_bot: Any, updates: Any, headers: dict[str, str]
) -> None:
    api = telegram_webhook.build_app(hook_app, bot=fake_bot)
    (response,) = post(api, [updates().message("幸福里小区3号楼门口的路灯坏了")], headers)
    assert response.status_code == 403
    assert fake_bot.sent == []
    assert count(hook_app, ProcessedUpdate) == 0
    assert count(hook_app, DialogueSession) == 0
    assert hook_app.nlu.seen == []


def test_without_a_configured_secret_every_post_is_refused(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    api = telegram_webhook.build_app(channel_app, bot=fake_bot)
    (response,) = post(api, [updates().message("你好")], {telegram_webhook.SECRET_HEADER: ""})
    assert response.status_code == 403
    assert count(channel_app, ProcessedUpdate) == 0


def test_a_message_posted_with_the_secret_is_answered_like_a_polled_one(
    hook_app: Any, fake_bot: Any, updates: Any
) -> None:
    chat = updates()
    api = telegram_webhook.build_app(hook_app, bot=fake_bot)
    (response,) = post(api, [chat.message("/start")], {telegram_webhook.SECRET_HEADER: SECRET})
    assert response.status_code == 200
    assert "民生服务助手" in fake_bot.texts(chat.chat_id)[0]


def test_a_tapped_button_is_answered_in_the_webhook_response_without_a_call_of_its_own(
    hook_app: Any, fake_bot: Any, updates: Any
) -> None:
    chat = updates()
    api = telegram_webhook.build_app(hook_app, bot=fake_bot)
    headers = {telegram_webhook.SECRET_HEADER: SECRET}
    post(api, [chat.message("幸福里小区3号楼门口的路灯坏了三天了")], headers)
    tap = chat.tap("ct:y")
    (response,) = post(api, [tap], headers)
    assert response.status_code == 200
    assert response.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": tap["callback_query"]["id"],
    }
    assert fake_bot.answered == []
    assert "请核对" in fake_bot.texts(chat.chat_id)[-1]


def test_the_same_confirm_tap_posted_three_times_at_once_creates_one_case(
    hook_app: Any, fake_bot: Any, updates: Any
) -> None:
    chat = updates()
    api = telegram_webhook.build_app(hook_app, bot=fake_bot)
    headers = {telegram_webhook.SECRET_HEADER: SECRET}
    for step in (chat.message("幸福里小区3号楼门口的路灯坏了三天了"), chat.tap("ct:y")):
        assert post(api, [step], headers)[0].status_code == 200
    assert "请核对" in fake_bot.texts(chat.chat_id)[-1]
    confirm = chat.tap("ok")
    responses = post(api, [confirm, confirm, confirm], headers)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert count(hook_app, Case) == 1
    created = [t for t in fake_bot.texts(chat.chat_id) if t.startswith("已提交")]
    assert len(created) == 1


def test_a_malformed_body_is_acknowledged_and_ignored(hook_app: Any, fake_bot: Any) -> None:
    api = telegram_webhook.build_app(hook_app, bot=fake_bot)
    headers = {telegram_webhook.SECRET_HEADER: SECRET}
    for body in ([1, 2], {"update_id": "x"}, {"update_id": 5, "message": {"chat": 3}}, "null"):
        (response,) = post(api, [body], headers)
        assert response.status_code == 200
    assert fake_bot.sent == []
    assert count(hook_app, ProcessedUpdate) == 0


def test_a_database_failure_answers_500_and_the_retry_is_then_handled_once(
    hook_app: Any, fake_bot: Any, updates: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minsheng.channels import telegram

    chat = updates()
    update = chat.message("/start")
    api = telegram_webhook.build_app(hook_app, bot=fake_bot)
    headers = {telegram_webhook.SECRET_HEADER: SECRET}

    def database_down(*_: Any) -> list[Any]:
        raise OperationalError("select 1", {}, Exception("connection refused"))

    monkeypatch.setattr(telegram, "handle_inbound", database_down)
    assert post(api, [update], headers)[0].status_code == 500
    monkeypatch.undo()
    assert post(api, [update], headers)[0].status_code == 200
    assert post(api, [update], headers)[0].status_code == 200
    assert len(fake_bot.texts(chat.chat_id)) == 1


def test_the_web_service_answers_the_webhook_only_when_webhook_mode_is_on(
    hook_app: Any, fake_bot: Any, updates: Any
) -> None:
    from minsheng.web.app import create_app

    headers = {telegram_webhook.SECRET_HEADER: SECRET}
    api = create_app(hook_app)
    api.state.telegram_bot = fake_bot
    assert post(api, [updates().message("/start")], headers)[0].status_code == 404
    hook_app.settings = hook_app.settings.model_copy(
        update={"webhook": hook_app.settings.webhook.model_copy(update={"enabled": True})}
    )
    api = create_app(hook_app)
    api.state.telegram_bot = fake_bot
    assert post(api, [updates().message("/start")], headers)[0].status_code == 200
    assert len(fake_bot.sent) == 1
