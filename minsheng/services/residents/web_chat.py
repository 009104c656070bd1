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

from sqlalchemy import delete, select, update

from case_store.models import OutboxMessage, WebSession
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery

CHANNEL = "web"
KIND = "resident"
LIFETIME = dt.timedelta(days=30)
TOKEN_BYTES = 24  # 192 bits
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,40}$")


@dataclass(frozen=True)
class ChatSession:
    token: str
    chat_id: str
    csrf_token: str
    created: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def find(app: App, token: str | None) -> ChatSession | None:
    """The live session behind a cookie value, or None."""
    if not token or len(token) > 200:
        return None
    now = app.now()
    with app.uow() as uow:
        row = uow.session.get(WebSession, token_hash(token))
        if row is None or row.kind != KIND or row.expires_at <= now:
            return None
        return ChatSession(
            token=token, chat_id=row.subject, csrf_token=row.csrf_token or "", created=False
        )


def open_session(app: App, token: str | None) -> ChatSession:
    """The browser's session, or a new one when it has none (or it expired)."""
    existing = find(app, token)
    if existing is not None:
        return existing
    now = app.now()
    new_token = secrets.token_urlsafe(TOKEN_BYTES)
    chat_id = f"w{secrets.token_hex(10)}"
    csrf = secrets.token_urlsafe(18)
    with app.uow() as uow:
        s = uow.session
        s.execute(delete(WebSession).where(WebSession.kind == KIND, WebSession.expires_at <= now))
        s.add(
            WebSession(
                token_hash=token_hash(new_token),
                kind=KIND,
                subject=chat_id,
                csrf_token=csrf,
                data={},
                created_at=now,
                expires_at=now + LIFETIME,
            )
        )
        uow.commit()
    return ChatSession(token=new_token, chat_id=chat_id, csrf_token=csrf, created=True)


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
