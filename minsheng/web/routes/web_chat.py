"""`/chat`: the resident's dialogue in a phone-friendly web page.

The page carries no inline script (a strict Content-Security-Policy forbids it) and shows
everything with textContent, so nothing a resident or a department wrote can run as code.
Messages go to `minsheng.services.residents.conversation.handle_inbound` with channel "web"; notifications and
the rating question arrive by polling `/chat/api/poll`.
"""

from __future__ import annotations

import asyncio
import html
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Cookie, Header, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from minsheng.services.bootstrap import App
from minsheng.services.residents import flood, web_chat, web_chat_log
from minsheng.services.residents.conversation import Inbound, Reply, handle_inbound
from minsheng.web import cookies

router = APIRouter(include_in_schema=False)

COOKIE = "ms_chat"
STATIC = Path(__file__).resolve().parent.parent / "chat_static"
MAX_BODY_TEXT = 20_000
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_TYPES = {"chat.js": "text/javascript; charset=utf-8", "chat.css": "text/css; charset=utf-8"}


def _app(request: Request) -> App:
    app: App = request.app.state.app
    return app


def _secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


@router.get("/chat", response_class=HTMLResponse)
async def chat_page(request: Request, ms_chat: Annotated[str | None, Cookie()] = None) -> Response:
    app = _app(request)
    session = await asyncio.to_thread(web_chat.open_session, app, ms_chat)
    lang = "en" if request.headers.get("accept-language", "").lower().startswith("en") else "zh"
    page = (STATIC / "chat.html").read_text(encoding="utf-8")
    page = (
        page.replace("{{lang}}", lang)
        .replace("{{csrf}}", html.escape(session.csrf_token, quote=True))
        .replace(
            "{{city}}",
            html.escape(app.settings.city.name_zh if lang == "zh" else app.settings.city.name_en),
        )
    )
    response = HTMLResponse(page)
    # Set on every load, so the cookie lives as long as the idle session behind it.
    response.set_cookie(
        COOKIE,
        session.token,
        max_age=int(web_chat.lifetime(app).total_seconds()),
        httponly=True,
        samesite="strict",
        path="/chat",
        secure=cookies.secure(request),
    )
    return _secure(response)


@router.get("/chat/static/{name}")
async def chat_static(name: str) -> Response:
    if name not in _TYPES:
        return _secure(Response(status_code=404))
    body = (STATIC / name).read_bytes()
    return _secure(Response(body, media_type=_TYPES[name]))


def _refused(status: int, detail: str) -> Response:
    return _secure(JSONResponse({"detail": detail}, status_code=status))


def _session(app: App, token: str | None, csrf: str | None) -> web_chat.ChatSession | None:
    session = web_chat.find(app, token)
    if session is None or not web_chat.csrf_ok(session, csrf):
        return None
    return session


@router.post("/chat/api/send")
async def chat_send(
    request: Request,
    payload: Annotated[dict[str, Any], Body()],
    ms_chat: Annotated[str | None, Cookie()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> Response:
    app = _app(request)
    session = await asyncio.to_thread(_session, app, ms_chat, x_csrf_token)
    if session is None:
        return _refused(403, "no chat session; reload the page")
    lang_hint = request.headers.get("accept-language", "")[:16] or None
    text, data = payload.get("text"), payload.get("data")
    if (
        not isinstance(text, str | None)
        or not isinstance(data, str | None)
        or (text is None and data is None)
    ):
        return _refused(422, "send text or a button's data")
    refusal = await asyncio.to_thread(_flood_check, app, session, _address(request), lang_hint)
    if refusal is not None:
        return _secure(JSONResponse({"replies": refusal}))
    session = await asyncio.to_thread(web_chat.start, app, session)
    client_id = payload.get("id")
    inbound = Inbound(
        channel=web_chat.CHANNEL,
        chat_id=session.chat_id,
        update_id=web_chat.update_id(session, client_id if isinstance(client_id, str) else None),
        text=text[:MAX_BODY_TEXT] if text is not None else None,
        callback_data=data[:64] if data is not None else None,
        language_hint=lang_hint,
    )
    replies = await asyncio.to_thread(_handle, app, inbound, _address(request))
    await asyncio.to_thread(
        web_chat_log.record_sent, app, session.chat_id, inbound.text, inbound.callback_data, replies
    )
    return _secure(JSONResponse({"replies": [_reply(r) for r in replies]}))


@router.get("/chat/api/poll")
async def chat_poll(
    request: Request,
    ms_chat: Annotated[str | None, Cookie()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> Response:
    app = _app(request)
    session = await asyncio.to_thread(_session, app, ms_chat, x_csrf_token)
    if session is None:
        return _refused(403, "no chat session; reload the page")
    if not session.stored:  # nothing sent yet, so nothing can be waiting
        return _secure(JSONResponse({"messages": []}))
    messages = await asyncio.to_thread(web_chat.claim_messages, app, session.chat_id)
    await asyncio.to_thread(web_chat_log.record, app, session.chat_id, "bot", messages)
    return _secure(JSONResponse({"messages": messages}))


def _address(request: Request) -> str:
    # With proxy headers on, a trusted load balancer's X-Forwarded-For is already applied here.
    return request.client.host if request.client else "unknown"


def _flood_check(
    app: App, session: web_chat.ChatSession, address: str, lang_hint: str | None
) -> list[dict[str, Any]] | None:
    """None to go ahead; else the polite answer to a refused message. Every refusal is
    answered here (it costs one response, not a message send as on Telegram)."""
    verdict = flood.address_message(app, address)
    text = flood.busy_address_text(app, lang_hint)
    if verdict.allowed and not session.stored:
        verdict = flood.address_new_chat(app, address)
    if verdict.allowed:
        verdict = flood.chat_message(app, web_chat.CHANNEL, web_chat.token_hash(session.token))
        text = flood.slow_down_text(app, lang_hint)
    if verdict.allowed:
        return None
    return [_reply(Reply(text))]


def _handle(app: App, inbound: Inbound, address: str) -> list[Reply]:
    with flood.from_address(address):
        return handle_inbound(app, inbound)


def _reply(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in reply.buttons],
    }
