"""Updates no Telegram client sends: each answered 200 (Telegram re-sends anything answered
with an error, for days), nothing stored, and one log line that says what was wrong."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


ODD_IDS = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([0, -1, 2**63, "42", None, 1.5, [], {}]),
)
ODD_DATA = st.one_of(
    st.text(max_size=80),
    st.sampled_from([{"a": 1}, [1, 2], 7, None, True, "\ud800", "x" * 65, "é" * 40]),
)
ODD_NUMBER = st.sampled_from(["1e999", "-1e999", "Infinity", "NaN", "91", "-181", "0", "1e-400"])


@given(
    chat_id=ODD_IDS,
    data=ODD_DATA,
    latitude=ODD_NUMBER,
    longitude=ODD_NUMBER,
    depth=st.integers(min_value=0, max_value=5000),
    shape=st.sampled_from(["tap", "location", "nested", "text"]),
)
@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_generated_update_is_answered_with_an_error(
    sqlite_app: Any,
    chat_id: Any,
    data: Any,
    latitude: str,
    longitude: str,
    depth: int,
    shape: str,
) -> None:
    sqlite_app.settings = sqlite_app.settings.model_copy(
        update={"webhook_secret": SecretStr(SECRET)}
    )
    if shape == "tap":
        update = _tap(data)
        update["callback_query"]["message"]["chat"]["id"] = chat_id
        body = json.dumps(update)
    elif shape == "location":
        body = (
            json.dumps(_message(chat_id=chat_id, location={"latitude": "LAT", "longitude": "LON"}))
            .replace('"LAT"', latitude)
            .replace('"LON"', longitude)
        )
    elif shape == "nested":
        body = '{"update_id": 3, "message": ' + "[" * depth + "]" * depth + "}"
    else:
        body = json.dumps(_message(chat_id=chat_id, text=data if isinstance(data, str) else "x"))
    api = telegram_webhook.build_app(sqlite_app, bot=_SilentBot())
    with TestClient(api, raise_server_exceptions=False) as client:
        response = client.post(
            telegram_webhook.PATH,
            content=body.encode("utf-8", "surrogatepass"),
            headers={telegram_webhook.SECRET_HEADER: SECRET, "Content-Type": "application/json"},
        )
    assert response.status_code == 200, (shape, body[:200])


class _SilentBot:
    defaults = None

    async def send_message(self, **_: Any) -> None:
        return None

    async def answer_callback_query(self, *_: Any, **__: Any) -> None:
        return None

    async def edit_message_reply_markup(self, **_: Any) -> None:
        return None
