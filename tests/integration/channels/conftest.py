"""Channels (Telegram webhook, web chat) and hostile input, on real databases.

The NLU is a small keyword stand-in here: these tests are about the channels, and the
fuzz test must not spend its time in the classifier.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


class KeywordNlu:
    """Reads a few words; records every text it was given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def parse(self, text: str) -> dict[str, Any]:
        self.seen.append(text)
        domain, urgency, rules = "other", "normal", []
        if re.search(r"煤气|燃气|gas", text, re.IGNORECASE):
            domain, urgency, rules = "utilities", "urgent", [{"id": "gas_leak"}]
        elif re.search(r"路灯|street light", text, re.IGNORECASE):
            domain = "transport"
        confidence = 0.9 if domain != "other" else 0.3
        places = [m.group(0) for m in re.finditer(r"幸福里小区3号楼|幸福里小区", text)]
        return {
            "text": text,
            "intent": {"name": domain, "confidence": confidence},
            "intent_ranking": [],
            "domain": {"name": domain, "confidence": confidence},
            "urgency": {"name": urgency, "confidence": 0.9},
            "kind": {"name": "demand", "confidence": 0.9},
            "entities": [
                {"entity": "location", "start": 0, "end": 0, "value": p, "extractor": "keywords"}
                for p in places[:1]
            ],
            "rules": rules,
            "language": "zh",
            "low_confidence": domain == "other",
        }


@pytest.fixture
def keyword_nlu() -> KeywordNlu:
    return KeywordNlu()


@pytest.fixture
def channel_app(app: Any, tmp_path: Path, keyword_nlu: KeywordNlu) -> Iterator[Any]:
    """The service layer with its var/ folder in a temporary directory and the keyword NLU."""
    app.settings = app.settings.model_copy(update={"base_dir": tmp_path})
    app.__dict__["nlu"] = keyword_nlu
    yield app


class FakeBot:
    """What the adapter calls on a python-telegram-bot Bot; it records instead of sending."""

    defaults = None

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.answered: list[str] = []
        self.files = files or {}

    async def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)

    async def answer_callback_query(self, callback_query_id: str, **_: Any) -> None:
        self.answered.append(callback_query_id)

    async def edit_message_reply_markup(self, **_: Any) -> None:
        return None

    async def get_file(self, file_id: str, **_: Any) -> Any:
        data = self.files[file_id]

        class _File:
            async def download_as_bytearray(self) -> bytearray:
                return bytearray(data)

        return _File()

    def deliver_outbox(self, app: Any) -> int:
        """Send what the outbox holds for Telegram, as the delivery runner would."""
        import asyncio

        from minsheng.channels import telegram
        from minsheng.services.messaging import delivery

        bot = self

        class Sender:
            def send(self, recipient: str, text: str, buttons: Any) -> None:
                asyncio.run(telegram.send(bot, recipient, text, buttons))

        sent = 0
        while n := delivery.deliver_due(app, {"telegram": Sender()}, worker_id="test"):
            sent += n
        return sent

    def texts(self, chat_id: int) -> list[str]:
        return [str(m["text"]) for m in self.sent if str(m["chat_id"]) == str(chat_id)]


@pytest.fixture
def fake_bot() -> FakeBot:
    return FakeBot()


class Updates:
    """Telegram update JSON as the Bot API sends it, with fresh update ids."""

    _ids = itertools.count(10_000)

    def __init__(self, chat_id: int = 424242, name: str = "王") -> None:
        self.chat_id, self.name = chat_id, name

    def _user(self) -> dict[str, Any]:
        return {
            "id": self.chat_id,
            "is_bot": False,
            "first_name": self.name,
            "language_code": "zh-hans",
        }

    def message(self, text: str | None = None, **fields: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": 1_793_000_000,
            "chat": {"id": self.chat_id, "type": "private", "first_name": self.name},
            "from": self._user(),
            **fields,
        }
        if text is not None:
            message["text"] = text
        return {"update_id": next(self._ids), "message": message}

    def tap(self, data: str) -> dict[str, Any]:
        return {
            "update_id": next(self._ids),
            "callback_query": {
                "id": str(next(self._ids)),
                "chat_instance": "ci",
                "from": self._user(),
                "data": data,
                "message": {
                    "message_id": 1,
                    "date": 1_793_000_000,
                    "chat": {"id": self.chat_id, "type": "private"},
                },
            },
        }


@pytest.fixture
def updates() -> Callable[..., Updates]:
    return Updates
