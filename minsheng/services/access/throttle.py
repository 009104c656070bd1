"""Throttling failed console sign-ins, per account and per client address.

Failures are rows (`sign_in_failures`), so every replica counts the same ones. A refused
attempt is decided from those rows alone, before any password is hashed: a flood of guesses
costs one indexed query each, not a scrypt. An unknown login is counted like a known one, so
the answers never tell whether an account exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from case_store.models import AuditLog, SignInFailure
from minsheng.config.schema import SignInCfg

ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0  # seconds until the next attempt is heard
    locked: bool = False  # the account or address is locked, not merely slowed down


def judge(
    account_failures: Sequence[dt.datetime],
    address_failures: Sequence[dt.datetime],
    now: dt.datetime,
    cfg: SignInCfg,
) -> Verdict:
    """Whether an attempt may be checked now, from the failures inside the window (oldest
    first). Pure: the caller reads the rows and the clock."""
    window = dt.timedelta(minutes=cfg.window_minutes)
    recent = [at for at in account_failures if at > now - window]
    by_address = [at for at in address_failures if at > now - window]
    waits: list[Verdict] = []
    if len(recent) >= cfg.lock_failures:
        # Locked until enough of the failures that caused it have aged out of the window.
        until = recent[len(recent) - cfg.lock_failures] + window
        waits.append(Verdict(False, _seconds(until - now), locked=True))
    elif len(recent) >= cfg.free_failures:
        delay = cfg.delay_seconds * 2 ** (len(recent) - cfg.free_failures)
        until = recent[-1] + dt.timedelta(seconds=min(delay, window.total_seconds()))
        if until > now:
            waits.append(Verdict(False, _seconds(until - now)))
    if len(by_address) >= cfg.address_failures:
        until = by_address[len(by_address) - cfg.address_failures] + window
        waits.append(Verdict(False, _seconds(until - now), locked=True))
    if not waits:
        return Verdict(True)
    return max(waits, key=lambda v: v.retry_after)


def _seconds(delta: dt.timedelta) -> float:
    return max(1.0, round(delta.total_seconds(), 1))


def check(
    s: Session, login_key: str, address_key: str, now: dt.datetime, cfg: SignInCfg
) -> Verdict:
    """Read the recent failures of this login and address and judge the attempt."""
    since = now - dt.timedelta(minutes=cfg.window_minutes)
    rows = s.execute(
        select(SignInFailure.scope, SignInFailure.at)
        .where(
            SignInFailure.at > since,
            ((SignInFailure.scope == ACCOUNT) & (SignInFailure.key == login_key))
            | ((SignInFailure.scope == ADDRESS) & (SignInFailure.key == address_key)),
        )
        .order_by(SignInFailure.at)
    ).all()
    account = [at for scope, at in rows if scope == ACCOUNT]
    address = [at for scope, at in rows if scope == ADDRESS]
    return judge(account, address, now, cfg)


def record_failure(s: Session, login_key: str, address_key: str, now: dt.datetime) -> None:
    s.add(SignInFailure(scope=ACCOUNT, key=login_key, at=now))
    s.add(SignInFailure(scope=ADDRESS, key=address_key, at=now))


def clear_account(s: Session, login_key: str) -> None:
    """A successful sign-in forgets the account's failures (not the address's)."""
    s.execute(
        delete(SignInFailure).where(SignInFailure.scope == ACCOUNT, SignInFailure.key == login_key)
    )


def forget_old(s: Session, now: dt.datetime, cfg: SignInCfg) -> None:
    # A day is far beyond any window; the rows are kept that long for the dashboard.
    horizon = now - max(dt.timedelta(days=1), dt.timedelta(minutes=cfg.window_minutes))
    s.execute(delete(SignInFailure).where(SignInFailure.at < horizon))


def locked_accounts(s: Session, now: dt.datetime, cfg: SignInCfg) -> int:
    """How many logins are locked right now (for the dashboard)."""
    since = now - dt.timedelta(minutes=cfg.window_minutes)
    counts = (
        select(SignInFailure.key, func.count().label("n"))
        .where(SignInFailure.scope == ACCOUNT, SignInFailure.at > since)
        .group_by(SignInFailure.key)
        .subquery()
    )
    return int(
        s.scalar(select(func.count()).select_from(counts).where(counts.c.n >= cfg.lock_failures))
        or 0
    )


def report(s: Session, now: dt.datetime, cfg: SignInCfg) -> dict[str, int]:
    """Failed, refused and successful sign-ins over the last day, and locked logins now."""
    since = now - dt.timedelta(days=1)
    counts = dict(
        s.execute(
            select(AuditLog.action, func.count())
            .where(
                AuditLog.at >= since,
                AuditLog.action.in_(
                    ("console_login", "console_login_failed", "console_login_throttled")
                ),
            )
            .group_by(AuditLog.action)
        ).all()
    )
    return {
        "succeeded": int(counts.get("console_login", 0)),
        "failed": int(counts.get("console_login_failed", 0)),
        "refused": int(counts.get("console_login_throttled", 0)),
        "locked_now": locked_accounts(s, now, cfg),
    }
