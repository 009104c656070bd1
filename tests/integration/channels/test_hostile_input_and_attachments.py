"""Odd messages get a clear answer or none; captions are text; files become attachments."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from sqlalchemy import func, select

from case_store.models import Attachment, Case, ProcessedUpdate
from minsheng.channels import telegram
from minsheng.services.residents import attachments
from minsheng.services.residents.conversation import Inbound, handle_inbound

PHOTO = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90, "file_size": 3}]


def deliver(app: Any, bot: Any, data: dict[str, Any]) -> list[str]:
    """One update through the adapter, as polling or the webhook would hand it over."""
    before = len(bot.sent)
    inbound = telegram.translate(data, bot)
    if inbound is not None:
        update = telegram.Update.de_json(data, bot)
        asyncio.run(telegram.process_update(app, bot, update, inbound))
        bot.deliver_outbox(app)
    return [str(m["text"]) for m in bot.sent[before:]]


def count(app: Any, model: Any) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_sticker_alone_is_answered_with_what_the_bot_can_read(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    sticker = {
        "file_id": "s",
        "file_unique_id": "u",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    (reply,) = deliver(channel_app, fake_bot, updates().message(sticker=sticker))
    assert "文字" in reply


def test_edited_messages_and_channel_posts_are_ignored(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    edited = updates().message("路灯坏了")
    edited["edited_message"] = edited.pop("message")
    post = {
        "update_id": 1,
        "channel_post": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": -100, "type": "channel"},
            "text": "路灯坏了",
        },
    }
    assert deliver(channel_app, fake_bot, edited) == []
    assert deliver(channel_app, fake_bot, post) == []
    assert count(channel_app, ProcessedUpdate) == 0


def test_a_ten_thousand_character_message_is_refused_politely_without_classifying_it(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    (reply,) = deliver(channel_app, fake_bot, updates().message("路灯" * 5_000))
    assert "太长" in reply and "2000" in reply
    assert channel_app.nlu.seen == []


def test_control_and_zero_width_characters_are_removed_before_the_nlu(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    deliver(channel_app, fake_bot, updates().message("路\u200b灯\u200d坏\x00了\u2060\ufeff\x07"))
    assert channel_app.nlu.seen == ["路灯坏了"]


def test_binary_junk_and_empty_text_never_crash(channel_app: Any) -> None:
    for text in ("\x00\x01\x02\x03", "\udcff\ud800", "", "   \u200b  "):
        replies = handle_inbound(channel_app, Inbound(channel="telegram", chat_id="9", text=text))
        assert replies and replies[0].text


def test_a_caption_counts_as_the_description(channel_app: Any, fake_bot: Any, updates: Any) -> None:
    fake_bot.files["p1"] = b"jpeg"
    deliver(channel_app, fake_bot, updates().message(caption="路灯坏了", photo=PHOTO))
    assert channel_app.nlu.seen == ["路灯坏了"]


def test_a_sixth_case_within_ten_minutes_is_refused_politely(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    chat = updates(chat_id=515151)
    for n in range(6):
        deliver(channel_app, fake_bot, chat.message("/new"))
        deliver(channel_app, fake_bot, chat.message(f"幸福里小区{n}号楼门口的路灯坏了"))
        if n == 0:
            deliver(channel_app, fake_bot, chat.tap("ct:y"))
        replies = deliver(channel_app, fake_bot, chat.tap("ok"))
    assert "5 件" in replies[0] and "10 分钟" in replies[0]
    assert count(channel_app, Case) == 5


def test_a_photo_with_a_caption_is_stored_as_an_attachment_of_the_new_case(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    fake_bot.files["p1"] = b"\xff\xd8\xff"
    chat = updates()
    deliver(
        channel_app,
        fake_bot,
        chat.message(caption="幸福里小区3号楼门口的路灯坏了三天了", photo=PHOTO),
    )
    deliver(channel_app, fake_bot, chat.message(location={"latitude": 30.1, "longitude": 120.2}))
    deliver(channel_app, fake_bot, chat.tap("ct:y"))
    (created,) = deliver(channel_app, fake_bot, chat.tap("ok"))
    reference = created.split("编号 ")[1].split("。")[0]
    stored = attachments.for_case(channel_app, reference)
    kinds = sorted(a["kind"] for a in stored)
    assert kinds == ["location", "photo"]
    photo = next(a for a in stored if a["kind"] == "photo")
    assert photo["sha256"] == hashlib.sha256(b"\xff\xd8\xff").hexdigest()
    path = attachments.path_of(channel_app.settings, photo["storage_path"])
    assert path.read_bytes() == b"\xff\xd8\xff"
    assert str(path).startswith(str(channel_app.settings.var_dir / "attachments"))


def test_a_file_over_the_size_limit_is_refused_and_not_downloaded(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    big = [{**PHOTO[0], "file_size": 50_000_000}]
    (reply,) = deliver(channel_app, fake_bot, updates().message(photo=big))
    assert "太大" in reply and "10 MB" in reply
    assert count(channel_app, Attachment) == 0


def test_a_stored_path_cannot_point_outside_the_attachment_folder(channel_app: Any) -> None:
    import pytest

    with pytest.raises(ValueError):
        attachments.path_of(channel_app.settings, "attachments/../../etc/passwd")
