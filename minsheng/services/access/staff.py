"""Staff accounts: creation, credentials, authentication and who may see which cases.

Only hashes are stored: SHA-256 of the bearer token (a 192-bit random value, so a fast hash
is enough) and scrypt with a random salt for the password (chosen by people, so slow).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from case_store.models import AuditLog, Staff, WebSession
from minsheng.config.settings import Settings
from minsheng.services.bootstrap import App
from minsheng.services.errors import DomainError, InvalidRequest
from routing.router import UNKNOWN_ACCUSED


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    TRIAGE = "triage"
    ADMIN = "admin"
    # A third-party evaluator of livelihood projects: scores completed projects, sees no case.
    EVALUATOR = "evaluator"


class NotAuthenticated(DomainError):
    """No credentials, or credentials that match no active staff member."""


class AccessDenied(DomainError):
    """The staff member is known but their role may not do this."""


class PasswordRejected(InvalidRequest):
    """A new password was refused; `reason` is too_short, unchanged or wrong_current."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


TOKEN_BYTES = 24  # 192 bits
PASSWORD_BYTES = 12
MIN_PASSWORD_CHARS = 12
CONSOLE_SESSION_KINDS = ("staff", "staff_code")  # a console session, and one awaiting its code
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class StaffMember:
    """An authenticated staff member, as adapters and use cases see them."""

    public_id: str
    name: str
    login: str | None
    department: str
    role: Role

    @property
    def actor(self) -> str:
        """How the member appears in a case's event log."""
        return f"staff:{self.public_id}"


@dataclass(frozen=True)
class Credentials:
    """Shown once when an account is created; only their hashes are kept."""

    public_id: str
    login: str
    token: str
    password: str


# -- hashing --------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    return "$".join(
        ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)]
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# A hash to check against when the login is unknown, so both cases take as long.
_DUMMY_HASH = hash_password("unused", salt=b"\0" * 16)


# -- accounts -------------------------------------------------------------------------------


def add_staff(
    app: App,
    *,
    name: str,
    department: str,
    role: str,
    login: str | None = None,
    actor: str = "operator",
) -> Credentials:
    """Create an account; the returned credentials exist nowhere else."""
    name = name.strip()
    if not name:
        raise InvalidRequest("a staff member needs a name")
    try:
        role_value = Role(role)
    except ValueError:
        raise InvalidRequest(
            f"unknown role '{role}' (agent, supervisor, triage, admin or evaluator)"
        ) from None
    if department not in {d.id for d in app.settings.departments}:
        raise InvalidRequest(f"unknown department '{department}'")
    login = (login or f"{department}.{secrets.token_hex(3)}").strip().lower()
    if not _LOGIN.match(login):
        raise InvalidRequest(
            f"login '{login}' must be 2-64 characters of a-z, 0-9, '.', '_' or '-'"
        )
    public_id = f"st_{secrets.token_hex(8)}"
    token = secrets.token_urlsafe(TOKEN_BYTES)
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        if s.scalars(select(Staff.id).where(Staff.login == login)).first() is not None:
            raise InvalidRequest(f"login '{login}' is taken")
        s.add(
            Staff(
                public_id=public_id,
                name=name,
                login=login,
                department=department,
                role=role_value.value,
                token_hash=hash_token(token),
                password_hash=hash_password(password),
                active=True,
                created_at=now,
            )
        )
        s.add(
            AuditLog(
                at=now,
                actor=actor,
                action="staff_added",
                subject=public_id,
                detail={"department": department, "role": role_value.value, "login": login},
            )
        )
        try:
            uow.commit()
        except IntegrityError:
            raise InvalidRequest(f"login '{login}' is taken") from None
    return Credentials(public_id=public_id, login=login, token=token, password=password)


def deactivate(app: App, login_or_id: str, *, actor: str = "operator") -> StaffMember:
    """Switch an account off: its token and password stop working at once."""
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        row = by_login_or_id(s, login_or_id)
        row.active = False
        end_console_sessions(s, row.public_id)
        s.add(AuditLog(at=now, actor=actor, action="staff_deactivated", subject=row.public_id))
        member = _member(row)
        uow.commit()
    return member


def change_password(app: App, member: StaffMember, current: str, new: str) -> None:
    """The member's own change: the current password must be right; every session ends."""
    if len(new) < MIN_PASSWORD_CHARS:
        raise PasswordRejected(
            "too_short", f"the new password needs at least {MIN_PASSWORD_CHARS} characters"
        )
    if new == current:
        raise PasswordRejected("unchanged", "the new password must differ from the current one")
    with app.uow() as uow:
        row = row_of(uow.session, member.public_id)
        if not row.password_hash or not verify_password(current, row.password_hash):
            raise PasswordRejected("wrong_current", "the current password is not right")
        _set_password(uow.session, row, new, app, actor=member.actor)
        uow.commit()


def reset_password(app: App, login_or_id: str, *, actor: str = "operator") -> str:
    """An operator's reset: a new random password, shown once; every session ends."""
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    with app.uow() as uow:
        row = by_login_or_id(uow.session, login_or_id)
        _set_password(uow.session, row, password, app, actor=actor)
        uow.commit()
    return password


def reset_two_factor(app: App, login_or_id: str, *, actor: str = "operator") -> StaffMember:
    """Clear an account's two-step sign-in (a lost phone); its sessions end."""
    with app.uow() as uow:
        s = uow.session
        row = by_login_or_id(s, login_or_id)
        row.totp_secret = None
        row.totp_last_step = None
        end_console_sessions(s, row.public_id)
        s.add(AuditLog(at=app.now(), actor=actor, action="totp_reset", subject=row.public_id))
        member = _member(row)
        uow.commit()
    return member


def _set_password(s: Session, row: Staff, password: str, app: App, *, actor: str) -> None:
    now = app.now()
    row.password_hash = hash_password(password)
    row.password_changed_at = now
    end_console_sessions(s, row.public_id)
    s.add(AuditLog(at=now, actor=actor, action="staff_password_changed", subject=row.public_id))


def end_console_sessions(s: Session, public_id: str) -> None:
    """Every console session of one member ends (password change, deactivation)."""
    s.execute(
        delete(WebSession).where(
            WebSession.subject == public_id, WebSession.kind.in_(CONSOLE_SESSION_KINDS)
        )
    )


def by_login_or_id(s: Session, login_or_id: str) -> Staff:
    row = s.scalars(
        select(Staff).where((Staff.login == login_or_id) | (Staff.public_id == login_or_id))
    ).first()
    if row is None:
        raise InvalidRequest(f"no staff member '{login_or_id}'")
    return row


def row_of(s: Session, public_id: str) -> Staff:
    row = s.scalars(select(Staff).where(Staff.public_id == public_id)).first()
    if row is None:
        raise InvalidRequest("no such staff member")
    return row


def list_staff(app: App) -> list[dict[str, object]]:
    with app.uow() as uow:
        rows = uow.session.scalars(select(Staff).order_by(Staff.department, Staff.name))
        return [
            {
                "id": r.public_id,
                "name": r.name,
                "login": r.login,
                "department": r.department,
                "role": r.role,
                "active": r.active,
            }
            for r in rows
        ]


def authenticate_token(app: App, token: str | None) -> StaffMember:
    """The active staff member holding this bearer token, or NotAuthenticated."""
    if not token:
        raise NotAuthenticated("a bearer token is required")
    with app.uow() as uow:
        row = uow.session.scalars(
            select(Staff).where(Staff.token_hash == hash_token(token), Staff.active.is_(True))
        ).first()
        if row is None:
            raise NotAuthenticated("the token is not valid")
        return _member(row)


def authenticate_password(app: App, login: str, password: str) -> StaffMember | None:
    """The active staff member with this login and password, or None."""
    with app.uow() as uow:
        row = uow.session.scalars(
            select(Staff).where(Staff.login == login.strip().lower(), Staff.active.is_(True))
        ).first()
        stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
        ok = verify_password(password, stored)
        if row is None or not row.password_hash or not ok:
            return None
        return _member(row)


def by_public_id(app: App, public_id: str) -> StaffMember | None:
    with app.uow() as uow:
        return active_member(uow.session, public_id)


def active_member(s: Session, public_id: str) -> StaffMember | None:
    row = s.scalars(
        select(Staff).where(Staff.public_id == public_id, Staff.active.is_(True))
    ).first()
    return _member(row) if row is not None else None


def _member(row: Staff) -> StaffMember:
    return StaffMember(
        public_id=row.public_id,
        name=row.name,
        login=row.login,
        department=row.department,
        role=Role(row.role),
    )


# -- scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Departments whose cases a member sees; None means every department."""

    departments: frozenset[str] | None
    may_route_any: bool

    def sees(self, department: str | None) -> bool:
        return self.departments is None or department in self.departments


def departments_under(settings: Settings, root: str) -> frozenset[str]:
    """`root` and every department whose parent chain reaches it."""
    parents = {d.id: d.parent for d in settings.departments}
    found = {root}
    for dept in parents:
        seen: set[str] = set()
        current: str | None = dept
        while current is not None and current not in seen:
            if current == root:
                found.add(dept)
                break
            seen.add(current)
            current = parents.get(current)
    return frozenset(found)


def scope_of(settings: Settings, member: StaffMember) -> Scope:
    if member.role is Role.ADMIN:
        return Scope(departments=None, may_route_any=True)
    if member.role is Role.SUPERVISOR:
        return Scope(
            departments=departments_under(settings, member.department), may_route_any=False
        )
    if member.role is Role.TRIAGE:
        return Scope(
            departments=frozenset({settings.triage_department.id, member.department}),
            may_route_any=True,
        )
    if member.role is Role.EVALUATOR:
        return Scope(departments=frozenset(), may_route_any=False)
    return Scope(departments=frozenset({member.department}), may_route_any=False)


def identity_hidden(settings: Settings, member: StaffMember, hide_from: str | None) -> bool:
    """A complaint about a department's staff never shows the complainant to that department
    (nor to the units under it)."""
    if hide_from is None:
        return False
    if hide_from == UNKNOWN_ACCUSED:
        # The accused department is not known: only the general supervisor sees who it is.
        triage = settings.triage_department
        return member.department != (triage.parent or triage.id)
    return member.department in departments_under(settings, hide_from)
