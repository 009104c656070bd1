"""/chat's photo upload, shared location, contact number and reloadable history, over HTTP."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from case_store.models import Attachment, Case, CaseEvent
from minsheng.services.casework import staff_actions
from minsheng.services.residents import web_chat_log

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
LAMP = "幸福里小区3号楼门口的路灯坏了三天了"


def open_chat(app: Any) -> tuple[TestClient, dict[str, str]]:
    from minsheng.web.app import create_app

    client = TestClient(create_app(app))
    page = client.get("/chat")
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    return client, {"X-CSRF-Token": csrf}


def submit_lamp(client: TestClient, headers: dict[str, str], consent: str = "ct:y") -> str:
    for step in ({"text": LAMP}, {"data": consent}):
        client.post("/chat/api/send", json=step, headers=headers)
    created = client.post("/chat/api/send", json={"data": "ok"}, headers=headers).json()
    found = re.search(r"MS-\d{4}-[0-9A-Z]{6}", created["replies"][0]["text"])
    assert found, created
    return found.group(0)


def test_a_photo_uploaded_in_the_web_chat_is_attached_to_the_case(channel_app: Any) -> None:
    client, headers = open_chat(channel_app)
    client.post("/chat/api/send", json={"text": LAMP}, headers=headers)
    sent = client.post(
        "/chat/api/photo",
        files={"photo": ("lamp.png", PNG, "image/png")},
        data={"id": "photo000000000001"},
        headers=headers,
    )
    assert sent.status_code == 200, sent.text
    client.post("/chat/api/send", json={"data": "ct:n"}, headers=headers)
    client.post("/chat/api/send", json={"data": "ok"}, headers=headers)
    with channel_app.uow() as uow:
        rows = [
            (a.kind, a.filename, a.content_type, a.size, a.storage_path)
            for a in uow.session.scalars(select(Attachment))
        ]
    assert [row[:4] for row in rows] == [("photo", "lamp.png", "image/png", len(PNG))]
    assert (channel_app.settings.var_dir / str(rows[0][4])).read_bytes() == PNG


def test_a_photo_over_the_size_limit_gets_the_limit_message_and_is_not_stored(
    channel_app: Any,
) -> None:
    limits = channel_app.settings.attachments.model_copy(update={"max_photo_bytes": 100})
    channel_app.settings = channel_app.settings.model_copy(update={"attachments": limits})
    client, headers = open_chat(channel_app)
    sent = client.post(
        "/chat/api/photo", files={"photo": ("big.png", PNG, "image/png")}, headers=headers
    )
    assert sent.status_code == 200
    assert "文件太大了" in sent.json()["replies"][0]["text"]
    assert not (channel_app.settings.var_dir / "attachments").exists()


def test_a_file_that_is_not_an_image_is_not_taken_as_a_photo(channel_app: Any) -> None:
    client, headers = open_chat(channel_app)
    sent = client.post(
        "/chat/api/photo",
        files={"photo": ("x.png", b"<html><script>", "image/png")},
        headers=headers,
    )
    assert "读不了" in sent.json()["replies"][0]["text"]
    with channel_app.uow() as uow:
        assert uow.session.scalars(select(Attachment)).all() == []


def test_a_shared_location_becomes_the_cases_location(channel_app: Any) -> None:
    client, headers = open_chat(channel_app)
    client.post("/chat/api/send", json={"text": LAMP}, headers=headers)
    sent = client.post(
        "/chat/api/location", json={"latitude": 30.2741, "longitude": 120.1551}, headers=headers
    )
    assert sent.status_code == 200 and sent.json()["replies"]
    client.post("/chat/api/send", json={"data": "ct:n"}, headers=headers)
    client.post("/chat/api/send", json={"data": "ok"}, headers=headers)
    with channel_app.uow() as uow:
        row = uow.session.scalars(select(Attachment)).one()
        assert (row.kind, row.latitude, row.longitude) == ("location", 30.2741, 120.1551)


def test_coordinates_out_of_range_or_not_numbers_are_refused(channel_app: Any) -> None:
    client, headers = open_chat(channel_app)
    for body in ({"latitude": 91, "longitude": 0}, {"latitude": "30", "longitude": 120}, {}):
        assert client.post("/chat/api/location", json=body, headers=headers).status_code == 422


def test_uploads_and_history_need_the_session_and_its_csrf_token(channel_app: Any) -> None:
    client, _ = open_chat(channel_app)
    assert client.get("/chat/api/history").status_code == 403
    assert client.post("/chat/api/photo", files={"photo": ("a.png", PNG)}).status_code == 403
    assert (
        client.post("/chat/api/location", json={"latitude": 1, "longitude": 1}).status_code == 403
    )


def test_history_lists_both_sides_and_the_departments_reply_after_a_reload(
    channel_app: Any,
) -> None:
    client, headers = open_chat(channel_app)
    client.post("/chat/api/send", json={"text": "/start"}, headers=headers)
    reference = submit_lamp(client, headers, consent="ct:n")
    staff_actions.reply(channel_app, reference, text="明天上午派人更换灯泡。")
    client.get("/chat/api/poll", headers=headers)
    client.get("/chat")  # a reload: same cookie, same session
    lines = client.get("/chat/api/history", headers=headers).json()["messages"]
    mine = [m["text"] for m in lines if m["who"] == "me"]
    assert mine[0] == LAMP and "/start" not in mine
    assert any(m["who"] == "bot" and reference in m["text"] for m in lines)
    assert any("明天上午派人更换灯泡" in m["text"] for m in lines)
    assert lines[0]["who"] == "bot"  # the greeting comes first


def test_another_browser_sees_none_of_this_history(channel_app: Any) -> None:
    client, headers = open_chat(channel_app)
    client.post("/chat/api/send", json={"text": LAMP}, headers=headers)
    other, other_headers = open_chat(channel_app)
    assert other.get("/chat/api/history", headers=other_headers).json()["messages"] == []


def test_history_gives_the_servers_text_limit(channel_app: Any) -> None:
    client, headers = open_chat(channel_app)
    limits = client.get("/chat/api/history", headers=headers).json()["limits"]
    assert limits["max_text_chars"] == channel_app.settings.limits.max_text_chars


def test_a_consenting_resident_is_asked_for_a_phone_which_is_validated_and_stored(
    channel_app: Any,
) -> None:
    client, headers = open_chat(channel_app)
    reference = submit_lamp(client, headers, consent="ct:y")
    assert client.get("/chat/api/contact", headers=headers).json() == {"reference": reference}
    with channel_app.uow() as uow:
        version_before = uow.session.scalars(select(Case.version)).one()
    bad = client.post(
        "/chat/api/contact", json={"reference": reference, "phone": "12345"}, headers=headers
    )
    assert bad.status_code == 422 and "电话号码" in bad.json()["detail"]
    good = client.post(
        "/chat/api/contact",
        json={"reference": reference, "phone": "+86 138-0013-8000"},
        headers=headers,
    )
    assert good.status_code == 200
    assert "138****8000" in good.json()["replies"][0]["text"]
    with channel_app.uow() as uow:
        phone, version = uow.session.execute(select(Case.phone, Case.version)).one()
        kinds = uow.session.scalars(select(CaseEvent.type)).all()
    assert phone == "13800138000" and "contact_given" in kinds
    assert version == version_before  # a clerk with the case open can still act on it
    assert client.get("/chat/api/contact", headers=headers).json() == {"reference": None}


def test_no_phone_is_asked_for_without_consent_or_for_someone_elses_case(
    channel_app: Any,
) -> None:
    client, headers = open_chat(channel_app)
    reference = submit_lamp(client, headers, consent="ct:n")
    assert client.get("/chat/api/contact", headers=headers).json() == {"reference": None}
    other, other_headers = open_chat(channel_app)
    refused = other.post(
        "/chat/api/contact",
        json={"reference": reference, "phone": "13800138000"},
        headers=other_headers,
    )
    assert refused.status_code == 404


def test_phone_numbers_are_normalised_or_refused() -> None:
    assert web_chat_log.normalise_phone("138 0013 8000") == "13800138000"
    assert web_chat_log.normalise_phone("0571-87654321") == "057187654321"
    assert web_chat_log.normalise_phone("0086 13800138000") == "13800138000"
    for junk in ("", "1380013800", "23800138000", "call me", "13800138000x"):
        assert web_chat_log.normalise_phone(junk) is None
