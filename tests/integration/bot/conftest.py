"""The conversation service on real databases, with the real NLU when it loads."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from minsheng.services.residents.conversation import Inbound, Reply, handle_inbound


class KeywordParser:
    """Stands in for the NLU only where the shipped model cannot be loaded."""

    def parse(self, text: str) -> dict[str, Any]:
        lang = "zh" if re.search(r"[\u3400-\u9fff]", text) else "en"
        domain, urgency, kind, rules = "other", "normal", "demand", []
        if re.search(r"煤气|燃气|gas", text, re.IGNORECASE):
            domain, urgency, rules = "utilities", "urgent", [{"id": "gas_leak"}]
        elif re.search(r"路灯|street light", text, re.IGNORECASE):
            domain = "transport"
        elif "食堂" in text:
            domain, kind = "education", "complaint"
        places = [m.group(0) for m in re.finditer(r"幸福里小区|3号楼|Xingfuli Estate", text)]
        confidence = 0.9 if domain != "other" else 0.3
        return {
            "text": text,
            "intent": {"name": domain, "confidence": confidence},
            "intent_ranking": [],
            "domain": {"name": domain, "confidence": confidence},
            "urgency": {"name": urgency, "confidence": 0.9},
            "kind": {"name": kind, "confidence": 0.9},
            "entities": [
                {"entity": "location", "start": 0, "end": 0, "value": p, "extractor": "keywords"}
                for p in places
            ],
            "rules": rules,
            "language": lang,
            "low_confidence": domain == "other",
        }


@pytest.fixture
def bot_app(app: Any) -> Iterator[Any]:
    try:
        app.nlu.parse("路灯坏了")
    except Exception:
        app.__dict__["nlu"] = KeywordParser()
    yield app


class Resident:
    """A Telegram-like chat: every message carries a fresh update id."""

    _ids = itertools.count(1000)

    def __init__(
        self, app: Any, chat_id: str, channel: str = "telegram", language_hint: str | None = None
    ) -> None:
        self.app, self.chat_id, self.channel = app, chat_id, channel
        self.language_hint = language_hint

    def inbound(self, **fields: Any) -> Inbound:
        return Inbound(
            channel=self.channel,
            chat_id=self.chat_id,
            update_id=str(next(self._ids)),
            display_name="王女士",
            language_hint=self.language_hint,
            **fields,
        )

    def say(self, text: str) -> list[Reply]:
        return handle_inbound(self.app, self.inbound(text=text))

    def tap(self, data: str) -> list[Reply]:
        return handle_inbound(self.app, self.inbound(callback_data=data))

    def report(self, text: str = "幸福里小区3号楼门口的路灯坏了三天了") -> str:
        """A whole intake; the case's reference."""
        self.say("/new")
        self.say(text)
        self.tap("ct:y")
        (created,) = self.tap("ok")
        match = re.search(r"MS-\d{4}-[0-9A-Z]{6}", created.text)
        assert match, created.text
        return match.group(0)


@pytest.fixture
def resident(bot_app: Any) -> Callable[..., Resident]:
    def make(chat_id: str = "5001", **kwargs: Any) -> Resident:
        return Resident(bot_app, chat_id, **kwargs)

    return make
