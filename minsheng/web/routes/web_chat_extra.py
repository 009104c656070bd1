"""/chat's photo upload, shared location, contact number and reloadable history.

The same session and CSRF rules as `web_chat`: each call needs the browser's cookie and the
page's CSRF token. A photo is stored through the attachments service (with its size limit) and
reaches the conversation exactly as a Telegram photo does; a location arrives as coordinates.
"""

from __future__ import annotations

import asyncio
import math
from typing import Annotated, Any

from fastapi import APIRouter, Body, Cookie, Header, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from minsheng.services.bootstrap import App
from minsheng.services.errors import CaseNotFound, InvalidRequest
from minsheng.services.residents import attachments as stored_files
from minsheng.services.residents import web_chat, web_chat_log
from minsheng.services.residents.conversation import Inbound, handle_inbound
from minsheng.web.routes.web_chat import _app, _refused, _reply, _secure, _session

router = APIRouter(include_in_schema=False)

# Room for the form's other fields and the multipart framing around the photo.
FORM_OVERHEAD = 64 * 1024
CHUNK = 256 * 1024
# What a phone camera or gallery gives; anything else is not treated as a photo.
_IMAGE_TYPES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}

_TEXTS = {
    "bad_phone": (
        "这不像电话号码。请写 11 位手机号，或带区号的座机号（如 0571-87654321）。",
        "That does not look like a phone number. Please write an 11-digit mobile number or a "
        "landline with its area code (e.g. 0571-87654321).",
    ),
    "contact_saved": (
        "谢谢，已把电话 {phone} 记在诉求 {ref} 上，只有处理部门能看到。",
        "Thank you. The number {phone} is on case {ref}; only the department handling it sees it.",
    ),
    "bad_location": ("没有收到有效的位置。", "No valid location arrived."),
    "photo": ("照片", "Photo"),
    "place": ("位置", "Location"),
}


def _lang(request: Request) -> str:
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "zh"


def _text(request: Request, key: str, **values: Any) -> str:
    zh, en = _TEXTS[key]
    return (en if _lang(request) == "en" else zh).format(**values)


def image_type(head: bytes) -> str | None:
    """The image type a file's first bytes announce (JPEG, PNG, GIF, WebP, HEIC), or None."""
    for magic, kind in _IMAGE_TYPES.items():
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    return None


async def _read_limited(upload: UploadFile, limit: int) -> bytes | None:
    """The upload's bytes, or None once it is larger than `limit`."""
    parts: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


def _answer(app: App, chat_id: str, replies: list[Any], said: str | None) -> Response:
    web_chat_log.record(app, chat_id, "resident", [{"text": said}] if said else [])
    web_chat_log.record(app, chat_id, "bot", [web_chat_log.as_line(r) for r in replies])
    return _secure(JSONResponse({"replies": [_reply(r) for r in replies]}))


@router.post("/chat/api/photo")
async def chat_photo(
    request: Request,
    ms_chat: Annotated[str | None, Cookie()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> Response:
    app = _app(request)
    session = await asyncio.to_thread(_session, app, ms_chat, x_csrf_token)
    if session is None:
        return _refused(403, "no chat session; reload the page")
    limit = stored_files.limit_for(app.settings, "photo")
    common: dict[str, Any] = {
        "channel": web_chat.CHANNEL,
        "chat_id": session.chat_id,
        "language_hint": request.headers.get("accept-language", "")[:16] or None,
    }
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        # Refused before reading: the conversation says how large a photo may be.
        inbound = Inbound(notice="photo_too_large", **common)
        replies = await asyncio.to_thread(handle_inbound, app, inbound)
        return _answer(app, session.chat_id, replies, None)
    try:
        form = await request.form(max_files=1, max_fields=4)
    except Exception:
        return _refused(400, "send the photo as multipart/form-data")
    upload, client_id = form.get("photo"), form.get("id")
    caption = form.get("caption")
    if not isinstance(upload, UploadFile):
        return _refused(422, "no photo in the form")
    data = await _read_limited(upload, limit)
    await upload.close()
    update = web_chat.update_id(session, client_id if isinstance(client_id, str) else None)
    text = caption.strip() or None if isinstance(caption, str) else None
    if data is None:
        inbound = Inbound(update_id=update, notice="photo_too_large", **common)
    elif (kind := image_type(data[:16])) is None:
        inbound = Inbound(update_id=update, text=text, notice="unsupported", **common)
    else:
        stored = await asyncio.to_thread(
            stored_files.store_bytes,
            app.settings,
            data,
            kind="photo",
            filename=upload.filename,
            content_type=kind,
        )
        inbound = Inbound(
            update_id=update, text=text, has_photo=True, attachments=(stored,), **common
        )
    replies = await asyncio.to_thread(handle_inbound, app, inbound)
    name = inbound.attachments[0].filename or "" if inbound.attachments else ""
    said = (
        f"{_text(request, 'photo')}：{name} {text or ''}".strip() if inbound.attachments else None
    )
    return await asyncio.to_thread(_answer, app, session.chat_id, replies, said)


def _coordinate(value: Any, bound: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and -bound <= number <= bound else None


@router.post("/chat/api/location")
async def chat_location(
    request: Request,
    payload: Annotated[dict[str, Any], Body()],
    ms_chat: Annotated[str | None, Cookie()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> Response:
    app = _app(request)
    session = await asyncio.to_thread(_session, app, ms_chat, x_csrf_token)
    if session is None:
        return _refused(403, "no chat session; reload the page")
    latitude = _coordinate(payload.get("latitude"), 90)
    longitude = _coordinate(payload.get("longitude"), 180)
    if latitude is None or longitude is None:
        return _refused(422, _text(request, "bad_location"))
    client_id = payload.get("id")
    inbound = Inbound(
        channel=web_chat.CHANNEL,
        chat_id=session.chat_id,
        update_id=web_chat.update_id(session, client_id if isinstance(client_id, str) else None),
        location=(latitude, longitude),
        language_hint=request.headers.get("accept-language", "")[:16] or None,
    )
    replies = await asyncio.to_thread(handle_inbound, app, inbound)
    said = f"{_text(request, 'place')}：{latitude:.5f}, {longitude:.5f}"
    return await asyncio.to_thread(_answer, app, session.chat_id, replies, said)


@router.get("/chat/api/history")
async def chat_history(
    request: Request,
    ms_chat: Annotated[str | None, Cookie()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> Response:
    """This browser's conversation so far, both ways, and the limits the page shows."""
    app = _app(request)
    session = await asyncio.to_thread(_session, app, ms_chat, x_csrf_token)
    if session is None:
        return _refused(403, "no chat session; reload the page")
    lines = await asyncio.to_thread(web_chat_log.history, app, session.chat_id)
    wanted = await asyncio.to_thread(web_chat_log.contact_wanted, app, session.chat_id)
    return _secure(
        JSONResponse(
            {
                "messages": lines,
                "contact_wanted": wanted,
                "limits": {
                    "max_text_chars": app.settings.limits.max_text_chars,
                    "max_photo_bytes": stored_files.limit_for(app.settings, "photo"),
                },
            }
        )
    )


@router.get("/chat/api/contact")
async def chat_contact_wanted(
    request: Request,
    ms_chat: Annotated[str | None, Cookie()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> Response:
    """The case a phone number is wanted for (the resident agreed to be contacted), if any."""
    app = _app(request)
    session = await asyncio.to_thread(_session, app, ms_chat, x_csrf_token)
    if session is None:
        return _refused(403, "no chat session; reload the page")
    wanted = await asyncio.to_thread(web_chat_log.contact_wanted, app, session.chat_id)
    return _secure(JSONResponse({"reference": wanted}))


@router.post("/chat/api/contact")
async def chat_contact(
    request: Request,
    payload: Annotated[dict[str, Any], Body()],
    ms_chat: Annotated[str | None, Cookie()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> Response:
    app = _app(request)
    session = await asyncio.to_thread(_session, app, ms_chat, x_csrf_token)
    if session is None:
        return _refused(403, "no chat session; reload the page")
    reference, phone = payload.get("reference"), payload.get("phone")
    if not isinstance(reference, str) or not isinstance(phone, str) or len(phone) > 40:
        return _refused(422, _text(request, "bad_phone"))
    try:
        saved = await asyncio.to_thread(
            web_chat_log.give_contact, app, session.chat_id, reference[:20], phone
        )
    except InvalidRequest:
        return _refused(422, _text(request, "bad_phone"))
    except CaseNotFound:
        return _refused(404, "no such case in this chat")
    # Shown (and kept in the chat's history) masked, like everywhere else it is displayed.
    masked = saved[:3] + "*" * (len(saved) - 7) + saved[-4:]
    reply = {"text": _text(request, "contact_saved", phone=masked, ref=reference), "buttons": []}
    await asyncio.to_thread(web_chat_log.record, app, session.chat_id, "bot", [reply])
    return _secure(JSONResponse({"replies": [reply]}))
