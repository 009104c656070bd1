"""Hostile and odd updates: a clear reply or silence, never a crash, never half a row."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from case_store.models import (
    Attachment,
    Case,
    CaseEvent,
    DialogueSession,
    Message,
    OutboxMessage,
    Resident,
)
from minsheng.channels import telegram
from minsheng.services.residents.conversation import handle_inbound

# 3,000 in `make test`; a deeper run sets MINSHENG_FUZZ_EXAMPLES (10,000 took 18-35 s here).
EXAMPLES = int(os.environ.get("MINSHENG_FUZZ_EXAMPLES", "3000"))

CHATS = [7001, 7002, 7003]
TAPS = [
    "ok",
    "ct:y",
    "ct:n",
    "x",
    "dom",
    "d:transport",
    "new",
    "skip",
    "fg:y",
    "lang:en",
    "rate:MS-2611-AAAAAA:5",
    "wd:MS-2611-AAAAAA",
    "",
    "ok" * 40,
]
WORDS = [
    "幸福里小区3号楼门口的路灯坏了三天了",
    "煤气味很重",
    "/start",
    "/new",
    "/status",
    "/forget",
    "/mydata",
    "/withdraw MS-2611-ABCDEF",
    "是",
    "不用",
    "1",
    "5",
    "取消",
    "\u200b路\u200d灯\u2060坏了",
    "\x00\x01\x7f",
    "\ud800",
    "A" * 10_000,
    "",
    "   ",
    "<script>alert(1)</script>",
    "/lang en",
    "my cases",
]


@pytest.fixture
def fuzz_app(sqlite_app: Any, tmp_path: Path, keyword_nlu: Any) -> Iterator[Any]:
    sqlite_app.settings = sqlite_app.settings.model_copy(update={"base_dir": tmp_path})
    sqlite_app.__dict__["nlu"] = keyword_nlu
    yield sqlite_app


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _user(chat: int) -> dict[str, Any]:
    return {"id": chat, "is_bot": False, "first_name": "居民"}


@st.composite
def plausible_updates(draw: st.DrawFn) -> Any:
    """Updates shaped like Telegram's, then bent: wrong types, missing keys, odd content."""
    chat = draw(st.sampled_from(CHATS))
    update_id = draw(st.one_of(st.integers(0, 10**6), st.text(max_size=5), st.none()))
    where = draw(
        st.sampled_from(
            [
                "message",
                "message",
                "callback_query",
                "edited_message",
                "channel_post",
                "edited_channel_post",
                "my_chat_member",
                "nonsense",
            ]
        )
    )
    chat_type = draw(st.sampled_from(["private", "private", "group", "channel", 5, None]))
    message: dict[str, Any] = {
        "message_id": draw(st.integers(-5, 10**6)),
        "date": draw(st.one_of(st.integers(0, 2**31), st.text(max_size=3))),
        "chat": {"id": chat, "type": chat_type},
        "from": _user(chat),
    }
    content = draw(
        st.sampled_from(
            [
                "text",
                "caption",
                "sticker",
                "location",
                "photo",
                "document",
                "voice",
                "nothing",
                "garbage",
            ]
        )
    )
    text = draw(st.one_of(st.sampled_from(WORDS), st.text(max_size=60)))
    if content == "text":
        message["text"] = text
    elif content == "caption":
        message["caption"] = text
        message["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    elif content == "sticker":
        message["sticker"] = {
            "file_id": "s",
            "file_unique_id": "u",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    elif content == "location":
        message["location"] = {
            "latitude": draw(st.floats(-90, 90)),
            "longitude": draw(st.floats(-180, 180)),
        }
    elif content == "photo":
        message["photo"] = draw(
            st.one_of(
                st.just([]),
                st.just([{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]),
                json_value,
            )
        )
    elif content == "document":
        message["document"] = {
            "file_id": "d",
            "file_unique_id": "u",
            "mime_type": draw(st.sampled_from(["application/pdf", "image/png", None])),
        }
    elif content == "voice":
        message["voice"] = {"file_id": "v", "file_unique_id": "u", "duration": 1}
    elif content == "garbage":
        message[draw(st.sampled_from(["text", "chat", "from", "entities", "photo"]))] = draw(
            json_value
        )
    if draw(st.booleans()) and draw(st.booleans()):
        message.pop(draw(st.sampled_from(["chat", "date", "message_id", "from"])), None)
    if where == "callback_query":
        body: Any = {
            "id": str(draw(st.integers(0, 10**6))),
            "chat_instance": "c",
            "from": _user(chat),
            "data": draw(st.one_of(st.sampled_from(TAPS), st.text(max_size=70))),
            "message": message,
        }
    else:
        body = message
    return {"update_id": update_id, where: body}


updates_strategy = st.one_of(
    json_value, plausible_updates(), plausible_updates(), plausible_updates()
)


def counts(app: Any) -> dict[str, int]:
    with app.uow() as uow:
        s = uow.session
        return {
            m.__name__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (
                Case,
                CaseEvent,
                Message,
                Resident,
                DialogueSession,
                OutboxMessage,
                Attachment,
            )
        }


def assert_no_partial_rows(app: Any) -> None:
    """Every case was created whole: its events, its transcript, its route and its owner."""
    with app.uow() as uow:
        s = uow.session
        for case in s.scalars(select(Case)).unique():
            types = [e.type for e in case.events]
            assert types[:2] == ["created", "routed"], (case.reference, types)
            assert case.department and case.routed_at and case.resident_id is not None
            assert s.scalar(
                select(func.count()).select_from(Message).where(Message.case_id == case.id)
            ), case.reference
        for row in s.scalars(select(DialogueSession)):
            assert isinstance(row.state, dict) and "step" in row.state
        for row in s.scalars(select(OutboxMessage)):
            assert row.recipient and isinstance(row.payload, dict)


def test_thousands_of_malformed_updates_cause_no_error_and_no_partial_row(
    fuzz_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    seen = {"examples": 0, "handled": 0}
    caplog.set_level(logging.ERROR)

    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(data=updates_strategy)
    def throw(data: Any) -> None:
        seen["examples"] += 1
        inbound = telegram.translate(data, None)
        if inbound is not None:
            seen["handled"] += 1
            handle_inbound(fuzz_app, inbound)

    throw()
    assert seen["examples"] >= EXAMPLES
    # The interesting ones (about 3 %) reached the dialogue and the store.
    assert seen["handled"] > EXAMPLES // 100
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert_no_partial_rows(fuzz_app)
