"""Browser sessions for the staff console, kept in the database, and signing in.

The cookie carries a 256-bit random token; only its SHA-256 is stored, so a copy of the
database cannot be replayed as a login. Each session has its own CSRF token, a lifetime and an
idle timeout (`console.session_hours`, `console.idle_minutes`); logging out, a password change
and deactivation delete the rows.

Signing in is one or two steps. The password step is throttled (see `throttle`) before any
hashing; when the account has two-factor sign-in, it yields a short-lived pending session
that only the code step can turn into a real one. A member whose role requires two-factor
sign-in but who has not enrolled gets a session that may only enrol.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from case_store.models import AuditLog, WebSession
from minsheng.services.access import staff, throttle, two_factor
from minsheng.services.access.staff import StaffMember
from minsheng.services.bootstrap import App
from minsheng.services.rights import privacy

KIND, PENDING_KIND = staff.CONSOLE_SESSION_KINDS  # signed in; password accepted, code due
PENDING_LIFETIME = dt.timedelta(minutes=5)
TOKEN_BYTES = 32
# last_seen_at is written at most this often, so browsing is not a write per request.
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class ConsoleSession:
    member: StaffMember
    csrf_token: str
    expires_at: dt.datetime
    enrol_required: bool = False  # may only enrol two-factor sign-in until it does


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the cookie; exists nowhere else
    session: ConsoleSession


@dataclass(frozen=True)
class SignIn:
    """What a sign-in step came to: exactly one of the fields tells."""

    session: NewSession | None = None  # signed in
    pending_token: str | None = None  # password right; a code is due (a cookie of its own)
    refused_for: float | None = None  # throttled: seconds to wait, nothing was checked
    failed: bool = False  # wrong login, password or code (one message for all)


def lifetime(app: App) -> dt.timedelta:
    return dt.timedelta(hours=app.settings.console.session_hours)


def idle_timeout(app: App) -> dt.timedelta:
    return dt.timedelta(minutes=app.settings.console.idle_minutes)


def _keys(app: App, login: str, address: str | None) -> tuple[str, str]:
    return login.strip().lower()[:100], privacy.subject_hash(app, "address", address or "-")


def log_in(app: App, login: str, password: str, address: str | None = None) -> SignIn:
    """The password step. Throttled attempts are refused before the password is hashed."""
    cfg = app.settings.console.sign_in
    login_key, address_key = _keys(app, login, address)
    now = app.now()
    with app.uow() as uow:
        verdict = throttle.check(uow.session, login_key, address_key, now, cfg)
        if not verdict.allowed:
            _audit(uow.session, now, "console", "console_login_throttled", login_key)
            uow.commit()
            return SignIn(refused_for=verdict.retry_after)
    member = staff.authenticate_password(app, login, password)
    with app.uow() as uow:
        s = uow.session
        s.execute(delete(WebSession).where(WebSession.expires_at < now))
        throttle.forget_old(s, now, cfg)
        if member is None:
            throttle.record_failure(s, login_key, address_key, now)
            _audit(s, now, "console", "console_login_failed", login_key)
            uow.commit()
            return SignIn(failed=True)
        throttle.clear_account(s, login_key)
        if two_factor.is_enrolled(s, member.public_id):
            token = _new_row(s, member, now, kind=PENDING_KIND, expires=now + PENDING_LIFETIME)
            uow.commit()
            return SignIn(pending_token=token)
        enrol = two_factor.required(app, member)
        new = _start(s, app, member, now, enrol_required=enrol)
        uow.commit()
    return SignIn(session=new)


def verify_code(app: App, pending_token: str | None, code: str, address: str | None) -> SignIn:
    """The code step: a pending session and a current code become a console session."""
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        row = _row(s, pending_token, PENDING_KIND)
        if row is None or row.expires_at <= now:
            return SignIn(failed=True)
        member = staff.active_member(s, row.subject)
        if member is None:
            return SignIn(failed=True)
        cfg = app.settings.console.sign_in
        login_key, address_key = _keys(app, member.login or member.public_id, address)
        verdict = throttle.check(s, login_key, address_key, now, cfg)
        if not verdict.allowed:
            _audit(s, now, "console", "console_login_throttled", login_key)
            uow.commit()
            return SignIn(refused_for=verdict.retry_after)
        if not two_factor.check_code(s, member.public_id, code, now):
            throttle.record_failure(s, login_key, address_key, now)
            _audit(s, now, "console", "console_login_failed", login_key, {"step": "code"})
            uow.commit()
            return SignIn(failed=True)
        s.delete(row)
        throttle.clear_account(s, login_key)
        new = _start(s, app, member, now, enrol_required=False)
        uow.commit()
    return SignIn(session=new)


def _start(
    s: Session, app: App, member: StaffMember, now: dt.datetime, *, enrol_required: bool
) -> NewSession:
    expires = now + lifetime(app)
    csrf = secrets.token_urlsafe(TOKEN_BYTES)
    token = _new_row(
        s,
        member,
        now,
        kind=KIND,
        expires=expires,
        csrf=csrf,
        data={"enrol_required": True} if enrol_required else {},
    )
    _audit(s, now, member.actor, "console_login", member.public_id)
    return NewSession(token, ConsoleSession(member, csrf, expires, enrol_required))


def _new_row(
    s: Session,
    member: StaffMember,
    now: dt.datetime,
    *,
    kind: str,
    expires: dt.datetime,
    csrf: str | None = None,
    data: dict[str, object] | None = None,
) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    s.add(
        WebSession(
            token_hash=staff.hash_token(token),
            kind=kind,
            subject=member.public_id,
            csrf_token=csrf,
            data=data or {},
            created_at=now,
            expires_at=expires,
            last_seen_at=now,
        )
    )
    return token


def resume(app: App, token: str | None) -> ConsoleSession | None:
    """The live session behind a cookie's token: not expired, not idle too long, not ended,
    and its staff member still active."""
    if not token:
        return None
    now = app.now()
    with app.uow() as uow:
        row = _row(uow.session, token, KIND)
        if row is None or row.expires_at <= now or not row.csrf_token:
            return None
        seen = row.last_seen_at or row.created_at
        if now - seen >= idle_timeout(app):
            uow.session.delete(row)
            uow.commit()
            return None
        if now - seen >= TOUCH_EVERY:
            row.last_seen_at = now
            uow.commit()
        subject, csrf, expires = row.subject, row.csrf_token, row.expires_at
        enrol = bool((row.data or {}).get("enrol_required"))
    member = staff.by_public_id(app, subject)
    if member is None:
        return None
    return ConsoleSession(member, csrf, expires, enrol_required=enrol)


def enrolment_done(app: App, token: str | None) -> None:
    """The session's member has enrolled: the session is no longer limited to enrolling."""
    with app.uow() as uow:
        row = _row(uow.session, token, KIND)
        if row is not None:
            row.data = {k: v for k, v in (row.data or {}).items() if k != "enrol_required"}
            uow.commit()


def log_out(app: App, token: str | None) -> None:
    if not token:
        return
    with app.uow() as uow:
        uow.session.execute(
            delete(WebSession).where(
                WebSession.token_hash == staff.hash_token(token),
                WebSession.kind.in_((KIND, PENDING_KIND)),
            )
        )
        uow.commit()


def sign_in_report(app: App) -> dict[str, int]:
    """Console sign-ins over the last day and logins locked now, for the dashboard."""
    with app.uow() as uow:
        return throttle.report(uow.session, app.now(), app.settings.console.sign_in)


def csrf_ok(session: ConsoleSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(
        session.csrf_token.encode(), (submitted or "").encode()
    )


def _row(s: Session, token: str | None, kind: str) -> WebSession | None:
    if not token:
        return None
    return s.scalars(
        select(WebSession).where(
            WebSession.token_hash == staff.hash_token(token), WebSession.kind == kind
        )
    ).first()


def _audit(
    s: Session,
    now: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, object] | None = None,
) -> None:
    s.add(AuditLog(at=now, actor=actor, action=action, subject=subject, detail=detail))
