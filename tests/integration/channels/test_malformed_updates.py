"""Updates no Telegram client sends: each answered 200 (Telegram re-sends anything answered
with an error, for days), nothing stored, and one log line that says what was wrong."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from case_store.models import DialogueSession, ProcessedUpdate
from minsheng.web.routes import telegram_webhook

SECRET = "malformed-secret_1"


def _message(chat_id: Any = 4242, **fields: Any) -> dict[str, Any]:
    return {
        "update_id": 91_000,
        "message": {
            "message_id": 1,
            "date": 1_793_000_000,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": 4242, "is_bot": False, "first_name": "王"},
            **fields,
        },
    }


def _tap(data: Any) -> dict[str, Any]:
    return {
        "update_id": 91_001,
        "callback_query": {
            "id": "77",
            "chat_instance": "ci",
            "from": {"id": 4242, "is_bot": False, "first_name": "王"},
            "data": data,
            "message": {"message_id": 1, "date": 1, "chat": {"id": 4242, "type": "private"}},
        },
    }


NESTED = b'{"update_id": 5, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
BODIES = {
    "nested 100000 deep": NESTED,
    "a 400-digit chat id": json.dumps(_message(chat_id=int("9" * 400), text="hi")),
    "a dict as button data": json.dumps(_tap({"a": 1})),
    "infinite coordinates": json.dumps(
        _message(location={"latitude": 1.0, "longitude": 2.0})
    ).replace("1.0", "1e999"),
    "Infinity literal": json.dumps(_message(location={"latitude": 1.0, "longitude": 2.0})).replace(
        "2.0", "Infinity"
    ),
    "a 400-digit update id": '{"update_id": ' + "7" * 400 + ', "message": {}}',
}


@pytest.mark.parametrize("body", list(BODIES.values()), ids=list(BODIES))
def test_a_malformed_update_is_ignored_with_200_and_logged_once(
    channel_app: Any, fake_bot: Any, body: bytes | str, caplog: pytest.LogCaptureFixture
) -> None:
    channel_app.settings = channel_app.settings.model_copy(
        update={"webhook_secret": SecretStr(SECRET)}
    )
    api = telegram_webhook.build_app(channel_app, bot=fake_bot)
    caplog.set_level(logging.INFO)
    with TestClient(api, raise_server_exceptions=False) as client:
        response = client.post(
            telegram_webhook.PATH,
            content=body,
            headers={telegram_webhook.SECRET_HEADER: SECRET, "Content-Type": "application/json"},
        )
    assert response.status_code == 200
    assert fake_bot.sent == []
    with channel_app.uow() as uow:
        for model in (ProcessedUpdate, DialogueSession):
            assert uow.session.scalar(select(func.count()).select_from(model)) == 0
    noted = [r for r in caplog.records if "malformed" in r.getMessage() or "JSON" in r.getMessage()]
    assert len(noted) == 1 and noted[0].levelno == logging.INFO
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
