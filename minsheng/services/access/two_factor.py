"""Two-factor sign-in with time-based one-time codes (RFC 6238, any authenticator app).

A member enrols by scanning a QR code and typing one code; only then is the secret kept on
their account. Each accepted code's time step is remembered, so a code seen over someone's
shoulder cannot be used a second time.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pyotp
import segno
from sqlalchemy import select
from sqlalchemy.orm import Session

from case_store.models import AuditLog, Staff
from minsheng.services.access import staff
from minsheng.services.access.staff import StaffMember
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest

ISSUER = "Minsheng"
STEP_SECONDS = 30


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, also shown as text for apps that cannot scan
    uri: str  # otpauth:// URI the QR code carries
    qr_svg: str  # an SVG document of the QR code, no script


def required(app: App, member: StaffMember) -> bool:
    return member.role.value in app.settings.console.two_factor_roles


def new_enrolment(app: App, member: StaffMember) -> Enrolment:
    secret = pyotp.random_base32()
    label = member.login or member.public_id
    issuer = f"{ISSUER} {app.settings.city.name_en}".strip()
    uri = pyotp.TOTP(secret).provisioning_uri(name=label, issuer_name=issuer)
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False)
    return Enrolment(secret=secret, uri=uri, qr_svg=out.getvalue().decode("utf-8"))


def enrolled(app: App, public_id: str) -> bool:
    with app.uow() as uow:
        return is_enrolled(uow.session, public_id)


def is_enrolled(s: Session, public_id: str) -> bool:
    return bool(s.scalar(select(Staff.totp_secret).where(Staff.public_id == public_id)))


def confirm_enrolment(app: App, member: StaffMember, secret: str, code: str) -> bool:
    """Keep the secret on the account if `code` is current for it; False otherwise."""
    now = app.now()
    step = _matching_step(secret, code, now)
    if step is None:
        return False
    with app.uow() as uow:
        row = staff.row_of(uow.session, member.public_id)
        row.totp_secret = secret
        row.totp_last_step = step
        uow.session.add(
            AuditLog(at=now, actor=member.actor, action="totp_enrolled", subject=member.public_id)
        )
        uow.commit()
    return True


def remove(app: App, member: StaffMember) -> None:
    """Switch two-factor sign-in off, where the member's role allows it."""
    if required(app, member):
        raise InvalidRequest("two-factor sign-in is required for this role")
    with app.uow() as uow:
        row = staff.row_of(uow.session, member.public_id)
        row.totp_secret = None
        row.totp_last_step = None
        uow.session.add(
            AuditLog(
                at=app.now(), actor=member.actor, action="totp_removed", subject=member.public_id
            )
        )
        uow.commit()


def check_code(s: Session, public_id: str, code: str, now: dt.datetime) -> bool:
    """Accept a current, unused code for the member's secret, inside the caller's unit of
    work (the accepted step is written with the sign-in)."""
    row = staff.row_of(s, public_id)
    if not row.totp_secret:
        return False
    step = _matching_step(row.totp_secret, code, now)
    if step is None or (row.totp_last_step is not None and step <= row.totp_last_step):
        return False
    row.totp_last_step = step
    return True


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code equals `code`, allowing one step of clock drift."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            return step
    return None
