"""The resident's web chat: browser sessions and the messages waiting for them.

A browser is known by a random 192-bit token in a cookie; only its SHA-256 is stored (in
`web_sessions`, kind "resident"). The session's subject is the chat id the dialogue and the
outbox use for channel "web". Notifications to a web resident wait in the outbox until the
page polls for them; each is claimed by one poll only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from case_store.models import OutboxMessage, WebSession
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery

CHANNEL = "web"
KIND = "resident"
TOKEN_BYTES = 24  # 192 bits
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
# A stored session's expiry moves forward at most this often (one write, not one per poll).
_TOUCH_EVERY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class ChatSession:
    token: str
    chat_id: str
    csrf_token: str
    created: bool  # the cookie is new and must be set
    stored: bool = True  # False until the browser sends its first message


def lifetime(app: App) -> dt.timedelta:
    """How long a web chat lives after its last use (`web.chat_session_idle_days`)."""
    return dt.timedelta(days=app.settings.web.chat_session_idle_days)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def csrf_for(token: str) -> str:
    """The CSRF token of a browser token. Only that browser can read its (HttpOnly) cookie,
    so a page can be served without storing anything and still be the only one able to send."""
    return hmac.new(token.encode(), b"minsheng-chat-csrf", hashlib.sha256).hexdigest()[:32]


def _live_row(app: App, token: str) -> WebSession | None:
    now = app.now()
    with app.uow() as uow:
        row = uow.session.get(WebSession, token_hash(token))
        if row is None or row.kind != KIND or row.expires_at <= now:
            return None
        if now + lifetime(app) - row.expires_at > _TOUCH_EVERY:
            row.expires_at = now + lifetime(app)
            uow.commit()
        uow.session.expunge(row)
        return row


def find(app: App, token: str | None) -> ChatSession | None:
    """The browser's session behind a cookie value: stored, or one not yet started; or None."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    row = _live_row(app, token)
    if row is not None:
        return ChatSession(
            token=token, chat_id=row.subject, csrf_token=row.csrf_token or "", created=False
        )
    if _known(app, token):
        return None  # expired: this browser gets a new token, not the old row's
    return ChatSession(
        token=token, chat_id="", csrf_token=csrf_for(token), created=False, stored=False
    )


def _known(app: App, token: str) -> bool:
    with app.uow() as uow:
        return uow.session.get(WebSession, token_hash(token)) is not None


def open_session(app: App, token: str | None) -> ChatSession:
    """The browser's session for the page; a new cookie (nothing stored) when it has none.

    The row is written only when the first message comes (`start`), so loading the page —
    which crawlers, previews and scripts do by the thousand — costs no storage.
    """
    existing = find(app, token)
    if existing is not None:
        return existing
    new_token = secrets.token_urlsafe(TOKEN_BYTES)
    return ChatSession(
        token=new_token, chat_id="", csrf_token=csrf_for(new_token), created=True, stored=False
    )


def start(app: App, session: ChatSession) -> ChatSession:
    """Store a session on its first message; a second tab racing it gets the same row."""
    if session.stored:
        return session
    now = app.now()
    chat_id = f"w{secrets.token_hex(10)}"
    try:
        with app.uow() as uow:
            uow.session.add(
                WebSession(
                    token_hash=token_hash(session.token),
                    kind=KIND,
                    subject=chat_id,
                    csrf_token=session.csrf_token,
                    data={},
                    created_at=now,
                    expires_at=now + lifetime(app),
                )
            )
            uow.commit()
    except IntegrityError:
        stored = find(app, session.token)
        if stored is None or not stored.stored:
            raise
        return stored
    return ChatSession(
        token=session.token, chat_id=chat_id, csrf_token=session.csrf_token, created=False
    )


def csrf_ok(session: ChatSession, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(
        session.csrf_token.encode(), str(given).encode("utf-8", "replace")
    )


def update_id(session: ChatSession, client_id: str | None) -> str | None:
    """The de-duplication key of one browser message: a resent POST is answered once.

    It is built from the session token's hash, not the chat id, so no identity is kept in it.
    """
    if client_id is None or not _CLIENT_ID.fullmatch(client_id):
        return None
    return f"{token_hash(session.token)[:20]}:{client_id}"


def claim_messages(app: App, chat_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The notifications waiting for this browser, each handed out once."""
    now = app.now()
    out: list[dict[str, Any]] = []
    with app.uow() as uow:
        s = uow.session
        rows = s.execute(
            select(OutboxMessage.id, OutboxMessage.payload)
            .where(
                OutboxMessage.channel == CHANNEL,
                OutboxMessage.recipient == chat_id,
                OutboxMessage.status.in_(("pending", "failed")),
                OutboxMessage.available_at <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
        for row in rows:
            claimed = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.status.in_(("pending", "failed")))
                .values(
                    status="sent",
                    sent_at=now,
                    claimed_at=now,
                    claimed_by="web-poll",
                    attempts=OutboxMessage.attempts + 1,
                )
                .returning(OutboxMessage.id)
            ).first()
            if claimed is None:
                continue
            payload = dict(row.payload or {})
            delivery.announcement_delivered(s, payload, now)
            out.append(
                {"text": str(payload.get("text", "")), "buttons": payload.get("buttons") or []}
            )
        uow.commit()
    return out
