"""Browser sessions for the staff console, kept in the database.

The cookie carries a 256-bit random token; only its SHA-256 is stored, so a copy of the
database cannot be replayed as a login. Each session has its own CSRF token and a fixed
lifetime; logging out deletes the row.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select

from case_store.models import AuditLog, WebSession
from minsheng.services.access import staff
from minsheng.services.access.staff import StaffMember
from minsheng.services.bootstrap import App

KIND = "staff"
LIFETIME = dt.timedelta(hours=8)
TOKEN_BYTES = 32


@dataclass(frozen=True)
class ConsoleSession:
    member: StaffMember
    csrf_token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the cookie; exists nowhere else
    session: ConsoleSession


def log_in(app: App, login: str, password: str) -> NewSession | None:
    """A new session for the right login and password; None (and nothing stored) otherwise."""
    member = staff.authenticate_password(app, login, password)
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        s.execute(delete(WebSession).where(WebSession.expires_at < now))
        if member is None:
            s.add(
                AuditLog(
                    at=now,
                    actor="console",
                    action="console_login_failed",
                    subject=login.strip().lower()[:100],
                )
            )
            uow.commit()
            return None
        token = secrets.token_urlsafe(TOKEN_BYTES)
        csrf = secrets.token_urlsafe(TOKEN_BYTES)
        expires = now + LIFETIME
        s.add(
            WebSession(
                token_hash=staff.hash_token(token),
                kind=KIND,
                subject=member.public_id,
                csrf_token=csrf,
                data={},
                created_at=now,
                expires_at=expires,
            )
        )
        s.add(
            AuditLog(at=now, actor=member.actor, action="console_login", subject=member.public_id)
        )
        uow.commit()
    return NewSession(token=token, session=ConsoleSession(member, csrf, expires))


def resume(app: App, token: str | None) -> ConsoleSession | None:
    """The live session behind a cookie's token, if it has not expired or been ended, and
    its staff member is still active."""
    if not token:
        return None
    now = app.now()
    with app.uow() as uow:
        row = uow.session.scalars(
            select(WebSession).where(
                WebSession.token_hash == staff.hash_token(token), WebSession.kind == KIND
            )
        ).first()
        if row is None or row.expires_at <= now or not row.csrf_token:
            return None
        subject, csrf, expires = row.subject, row.csrf_token, row.expires_at
    member = staff.by_public_id(app, subject)
    if member is None:
        return None
    return ConsoleSession(member=member, csrf_token=csrf, expires_at=expires)


def log_out(app: App, token: str | None) -> None:
    if not token:
        return
    with app.uow() as uow:
        uow.session.execute(
            delete(WebSession).where(
                WebSession.token_hash == staff.hash_token(token), WebSession.kind == KIND
            )
        )
        uow.commit()


def csrf_ok(session: ConsoleSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(
        session.csrf_token.encode(), (submitted or "").encode()
    )
