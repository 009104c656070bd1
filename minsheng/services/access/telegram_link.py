"""Linking a staff login to a Telegram account, once, so the member can act from the group.

The console shows a one-time code (valid LINK_MINUTES); the member sends `/link CODE` in the
department's group, and the bot ties the sender's Telegram user id to the login. Only the
code's SHA-256 is stored; a code works once. Both steps are in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from case_store.models import AuditLog, Staff, StaffTelegramLink
from minsheng.services.access.staff import StaffMember, by_public_id
from minsheng.services.bootstrap import App

LINK_MINUTES = 15
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # nothing that reads as another character
CODE_LENGTH = 8


@dataclass(frozen=True)
class LinkCode:
    code: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class LinkStatus:
    linked: bool
    linked_at: dt.datetime | None


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def _staff_id(app: App, member: StaffMember) -> int:
    with app.uow() as uow:
        staff_id = uow.session.scalar(select(Staff.id).where(Staff.public_id == member.public_id))
    if staff_id is None:
        raise LookupError(member.public_id)
    return int(staff_id)


def new_code(app: App, member: StaffMember) -> LinkCode:
    """A fresh one-time code for the member (an older unused one stops working)."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    now = app.now()
    expires = now + dt.timedelta(minutes=LINK_MINUTES)
    staff_id = _staff_id(app, member)
    with app.uow() as uow:
        s = uow.session
        row = s.scalars(
            select(StaffTelegramLink).where(StaffTelegramLink.staff_id == staff_id)
        ).first()
        if row is None:
            row = StaffTelegramLink(staff_id=staff_id)
            s.add(row)
        row.code_hash = _hash(code)
        row.code_expires_at = expires
        s.add(
            AuditLog(
                at=now, actor=member.actor, action="telegram_link_code", subject=member.public_id
            )
        )
        uow.commit()
    return LinkCode(code, expires)


def link(app: App, telegram_user_id: int, code: str) -> StaffMember | None:
    """Tie the Telegram account to the login whose live code this is; None for a wrong,
    used or expired code. A Telegram account belongs to one login at a time."""
    if not code.strip():
        return None
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        row = s.scalars(
            select(StaffTelegramLink).where(StaffTelegramLink.code_hash == _hash(code))
        ).first()
        if row is None or row.code_expires_at is None or row.code_expires_at <= now:
            return None
        public_id = s.scalar(
            select(Staff.public_id).where(Staff.id == row.staff_id, Staff.active.is_(True))
        )
        if public_id is None:
            return None
        s.execute(
            update(StaffTelegramLink)
            .where(
                StaffTelegramLink.telegram_user_id == telegram_user_id,
                StaffTelegramLink.id != row.id,
            )
            .values(telegram_user_id=None, linked_at=None)
            .execution_options(synchronize_session=False)
        )
        s.flush()
        row.telegram_user_id = telegram_user_id
        row.code_hash = None
        row.code_expires_at = None
        row.linked_at = now
        s.add(
            AuditLog(
                at=now,
                actor=f"staff:{public_id}",
                action="telegram_linked",
                subject=public_id,
                detail={"telegram_user_id": telegram_user_id},
            )
        )
        uow.commit()
    return by_public_id(app, public_id)


def member_for(app: App, telegram_user_id: int) -> StaffMember | None:
    """The active staff member this Telegram account is linked to, if any."""
    with app.uow() as uow:
        public_id = uow.session.scalar(
            select(Staff.public_id)
            .join(StaffTelegramLink, StaffTelegramLink.staff_id == Staff.id)
            .where(StaffTelegramLink.telegram_user_id == telegram_user_id, Staff.active.is_(True))
        )
    return by_public_id(app, public_id) if public_id else None


def status(app: App, member: StaffMember) -> LinkStatus:
    with app.uow() as uow:
        row = uow.session.execute(
            select(StaffTelegramLink.telegram_user_id, StaffTelegramLink.linked_at)
            .join(Staff, Staff.id == StaffTelegramLink.staff_id)
            .where(Staff.public_id == member.public_id)
        ).first()
    if row is None or row.telegram_user_id is None:
        return LinkStatus(False, None)
    return LinkStatus(True, row.linked_at)


def unlink(app: App, member: StaffMember) -> bool:
    now = app.now()
    staff_id = _staff_id(app, member)
    with app.uow() as uow:
        s = uow.session
        row = s.scalars(
            select(StaffTelegramLink).where(StaffTelegramLink.staff_id == staff_id)
        ).first()
        if row is None or row.telegram_user_id is None:
            return False
        row.telegram_user_id = None
        row.linked_at = None
        s.add(
            AuditLog(
                at=now, actor=member.actor, action="telegram_unlinked", subject=member.public_id
            )
        )
        uow.commit()
    return True
