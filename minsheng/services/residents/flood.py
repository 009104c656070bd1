"""Inbound floods: fixed-window counters every replica shares, and the polite refusals.

A counter lives in Redis when `MINSHENG_REDIS_URL` is set, in the `rate_counters` table
otherwise, so N replicas behind one load balancer enforce one limit, not N. Keys hold a hash
of the chat id or address, never the value itself. A window starts on a multiple of its own
length (fixed windows): a burst straddling two windows may pass up to twice the limit, which
is the price of one write per message.

Only the first refused message of a window is answered, so a flood is not answered by a
flood of refusals.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from bot.dialogue import t
from case_store.models import RateCounter, WebSession
from minsheng.services.bootstrap import App

log = logging.getLogger(__name__)

_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_REDIS = "flood-redis"
# Where the current request came from (set by the web chat around one message), so the
# per-address case limit can be applied where a case is about to be submitted.
_origin: contextvars.ContextVar[str | None] = contextvars.ContextVar("origin", default=None)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    # The first refusal of its window: the one that gets an answer.
    first_refusal: bool


def hashed(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{kind}\x00{value}".encode("utf-8", "replace")).hexdigest()
    return f"{kind}:{digest[:40]}"


def window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    elapsed = (now - _EPOCH) // window
    return _EPOCH + elapsed * window


def hit(app: App, kind: str, value: str, limit: int, window: dt.timedelta) -> Verdict:
    """Count one event for (kind, value) and say whether it is within `limit` per `window`.

    If the counter store fails the event is allowed: refusing every resident because a
    counter could not be written would be worse than letting a flood through for a moment.
    """
    key = hashed(kind, value)
    start = window_start(app.now(), window)
    try:
        count = _redis_hit(app, key, start, window)
        if count is None:
            count = _db_hit(app, key, start)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("a rate counter could not be written (%s); allowing", type(exc).__name__)
        return Verdict(allowed=True, count=0, first_refusal=False)
    return Verdict(allowed=count <= limit, count=count, first_refusal=count == limit + 1)


def _db_hit(app: App, key: str, start: dt.datetime) -> int:
    table = RateCounter.__table__
    with app.uow() as uow:
        s = uow.session
        module: Any = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
        stmt = (
            module.insert(table)
            .values(key=key, window_start=start, count=1)
            .on_conflict_do_update(
                index_elements=["key", "window_start"], set_={"count": table.c.count + 1}
            )
            .returning(table.c.count)
        )
        count = int(s.execute(stmt).scalar_one())
        uow.commit()
    return count


def _redis_hit(app: App, key: str, start: dt.datetime, window: dt.timedelta) -> int | None:
    url = app.settings.redis_url
    if not url:
        return None
    import redis

    client = app._cache.get(_REDIS)
    if client is None:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        app._cache[_REDIS] = client
    name = f"minsheng:rate:{key}:{int(start.timestamp())}"
    try:
        count = int(client.incr(name))
        if count == 1:
            client.pexpire(name, int(window.total_seconds() * 1000) + 60_000)
    except redis.RedisError as exc:
        log.warning("Redis rate counter failed (%s); counting in the database", type(exc).__name__)
        return None
    return count


# -- the limits of config.yml's `limits` ---------------------------------------------------


def chat_message(app: App, channel: str, chat_id: str) -> Verdict:
    limits = app.settings.limits
    window = dt.timedelta(seconds=limits.messages_window_seconds)
    return hit(app, f"msg:{channel}", chat_id, limits.messages_per_chat, window)


def address_message(app: App, address: str) -> Verdict:
    limits = app.settings.limits
    window = dt.timedelta(minutes=limits.address_window_minutes)
    return hit(app, "msg-addr", address, limits.messages_per_address, window)


def address_new_chat(app: App, address: str) -> Verdict:
    limits = app.settings.limits
    window = dt.timedelta(minutes=limits.address_window_minutes)
    return hit(app, "chat-addr", address, limits.chat_sessions_per_address, window)


def address_new_case(app: App) -> Verdict | None:
    """Counts a new case against the current request's address; None outside one."""
    address = address_scope()
    if address is None:
        return None
    limits = app.settings.limits
    window = dt.timedelta(minutes=limits.address_window_minutes)
    return hit(app, "case-addr", address, limits.new_cases_per_address, window)


def address_scope() -> str | None:
    """The address the current request came from, when its new cases are counted per address."""
    return _origin.get()


@contextlib.contextmanager
def from_address(address: str | None) -> Iterator[None]:
    token = _origin.set(address)
    try:
        yield
    finally:
        _origin.reset(token)


def language_of(hint: str | None) -> str:
    return "en" if (hint or "").lower().startswith("en") else "zh"


def slow_down_text(app: App, language_hint: str | None) -> str:
    seconds = f"{app.settings.limits.messages_window_seconds:g}"
    return t(language_of(language_hint), "slow_down", seconds=seconds)


def busy_address_text(app: App, language_hint: str | None) -> str:
    minutes = f"{app.settings.limits.address_window_minutes:g}"
    return t(language_of(language_hint), "busy_address", minutes=minutes)


# -- housekeeping ----------------------------------------------------------------------------


def purge(app: App) -> dict[str, int]:
    """Delete expired browser sessions and counters of windows long past (periodic job)."""
    now = app.now()
    limits = app.settings.limits
    longest = max(
        dt.timedelta(days=1),
        2 * dt.timedelta(minutes=limits.address_window_minutes),
        2 * dt.timedelta(seconds=limits.messages_window_seconds),
    )
    with app.uow() as uow:
        s = uow.session
        sessions = cast(
            CursorResult[Any], s.execute(delete(WebSession).where(WebSession.expires_at <= now))
        )
        counters = cast(
            CursorResult[Any],
            s.execute(delete(RateCounter).where(RateCounter.window_start < now - longest)),
        )
        uow.commit()
    return {
        "web_sessions": int(sessions.rowcount or 0),
        "rate_counters": int(counters.rowcount or 0),
    }
