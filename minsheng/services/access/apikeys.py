"""API keys for Open311 clients: only a key's SHA-256 is stored; the key is shown once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from case_store.models import ApiKey, AuditLog
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest

KEY_PREFIX = "msk_"


@dataclass(frozen=True)
class Client:
    """Who holds a valid key (never the key itself)."""

    id: int
    name: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create(app: App, name: str, *, actor: str = "operator") -> str:
    """A new active key for the client `name`; the returned key is never stored or shown again."""
    name = name.strip()
    if not name:
        raise InvalidRequest("an API key needs a client name")
    if len(name) > 200:
        raise InvalidRequest("the client name is longer than 200 characters")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = app.now()
    with app.uow() as uow:
        row = ApiKey(name=name, key_hash=hash_key(key), active=True, created_at=now)
        uow.session.add(row)
        uow.session.flush()
        uow.session.add(
            AuditLog(
                at=now,
                actor=actor,
                action="apikey_create",
                subject=f"apikey:{row.id}",
                detail={"name": name},
            )
        )
        uow.commit()
    return key


def verify(app: App, key: str | None) -> Client | None:
    """The client holding `key` when it is an active key, else None."""
    if not key:
        return None
    with app.uow() as uow:
        row = uow.session.scalars(
            select(ApiKey).where(ApiKey.key_hash == hash_key(key.strip()))
        ).one_or_none()
        if row is None or not row.active:
            return None
        return Client(id=row.id, name=row.name)


def list_keys(app: App) -> list[dict[str, Any]]:
    with app.uow() as uow:
        rows = uow.session.scalars(select(ApiKey).order_by(ApiKey.id))
        return [
            {
                "id": r.id,
                "name": r.name,
                "active": r.active,
                "created_at": r.created_at.astimezone(app.tz).isoformat(),
            }
            for r in rows
        ]


def revoke(app: App, key_id: int, *, actor: str = "operator") -> dict[str, Any]:
    """Deactivate a key; requests signed with it are refused from now on."""
    now = app.now()
    with app.uow() as uow:
        row = uow.session.get(ApiKey, key_id)
        if row is None:
            raise InvalidRequest(f"no API key with id {key_id}")
        row.active = False
        uow.session.add(
            AuditLog(
                at=now,
                actor=actor,
                action="apikey_revoke",
                subject=f"apikey:{row.id}",
                detail={"name": row.name},
            )
        )
        view = {"id": row.id, "name": row.name, "active": row.active}
        uow.commit()
    return view
