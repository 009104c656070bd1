"""Delivering the outbox: claim due rows atomically, send them, record what happened.

Any number of processes may run `deliver_due` against one database at the same time. A row
is claimed by one UPDATE that stamps a claim token no other call uses, so each message goes
to exactly one sender; a claim whose process died is taken over once it is older than
`delivery.stale_claim_seconds` (two minutes by default).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, and_, func, or_, select, update
from sqlalchemy.orm import Session

from case_store.models import Announcement, OutboxMessage, Resident
from minsheng.services.bootstrap import App

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_BACKOFF = dt.timedelta(seconds=10)
MAX_BACKOFF = dt.timedelta(minutes=30)
BATCH = 50

Buttons = Sequence[Sequence[Mapping[str, str]]]


class PermanentDeliveryError(Exception):
    """The recipient can never be reached (e.g. they blocked the bot): do not retry."""


class RejectedMessage(Exception):
    """The channel refuses this message for good (e.g. malformed): do not retry it, but the
    recipient stays reachable for other messages."""


class RetryLater(Exception):
    """The channel asks us to wait (e.g. HTTP 429 with retry_after) before trying again."""

    def __init__(self, seconds: float, message: str = "") -> None:
        self.seconds = max(0.0, float(seconds))
        super().__init__(message or f"retry after {self.seconds:g} s")


class Sender(Protocol):
    def send(self, recipient: str, text: str, buttons: Buttons) -> None:
        """Deliver one message or raise PermanentDeliveryError / RetryLater / any error."""


@dataclass(frozen=True)
class Outgoing:
    """A claimed outbox row, as a sender that needs more than text and buttons sees it."""

    id: int
    key: str
    case_id: int | None
    channel: str
    recipient: str
    payload: dict[str, Any]
    attempts: int
    deliverable: bool


class MessageSender(Protocol):
    """A sender that reads the whole row (staff notices are rendered per channel at send
    time); a sender with `send_message` is called with it instead of `send`."""

    def send(self, recipient: str, text: str, buttons: Buttons) -> None: ...

    def send_message(self, message: Outgoing) -> None: ...


def send_with(sender: Sender, message: Outgoing) -> None:
    """Hand one row to its sender, whole when the sender takes it whole."""
    send_message = getattr(sender, "send_message", None)
    if callable(send_message):
        send_message(message)
        return
    payload = message.payload
    sender.send(message.recipient, str(payload.get("text", "")), payload.get("buttons") or [])


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after `attempts` failed ones: 10 s, 20 s, 40 s... ≤ 30 min."""
    wait: dt.timedelta = FIRST_BACKOFF * (2 ** max(0, attempts - 1))
    return min(wait, MAX_BACKOFF)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver_due(
    app: App,
    senders: Mapping[str, Sender],
    *,
    worker_id: str,
    limit: int = BATCH,
    only_id: int | None = None,
) -> int:
    """Send the due messages of the channels in `senders`; returns how many were sent.

    `only_id` restricts the claim to one outbox row (sent only if it is due).
    """
    if not senders:
        return 0
    token = f"{worker_id[:80]}/{uuid.uuid4().hex[:16]}"
    claimed = _claim(app, list(senders), token, limit, only_id)
    sent = 0
    for row in claimed:
        if _deliver_one(app, senders[row.channel], row, token):
            sent += 1
    return sent


def due_count(app: App, channels: Sequence[str], *, limit: int = 10_000) -> int:
    """How many messages of these channels are due now (counted up to `limit`)."""
    if not channels:
        return 0
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.channel.in_(list(channels)), due_condition(app, app.now()))
        .limit(limit)
        .subquery()
    )
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(due)) or 0)


def due_condition(app: App, now: dt.datetime) -> Any:
    """Rows that may be claimed now: due and unsent, or held by a claim gone stale."""
    stale = dt.timedelta(seconds=app.settings.delivery.stale_claim_seconds)
    return or_(
        and_(OutboxMessage.status.in_(("pending", "failed")), OutboxMessage.available_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - stale),
    )


def _claim(
    app: App, channels: list[str], token: str, limit: int, only_id: int | None = None
) -> list[Outgoing]:
    """Mark up to `limit` due rows as ours in one statement and read them back.

    On PostgreSQL the inner SELECT locks with SKIP LOCKED so concurrent claimers split the
    rows between them instead of waiting; on SQLite the engine begins every transaction
    IMMEDIATE, so the whole UPDATE runs under the database's single write lock.
    """
    now = app.now()
    due = due_condition(app, now)
    candidates = (
        select(OutboxMessage.id)
        .where(OutboxMessage.channel.in_(channels), due)
        .order_by(OutboxMessage.available_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if only_id is not None:
        candidates = candidates.where(OutboxMessage.id == only_id)
    stmt = (
        update(OutboxMessage)
        # The condition is repeated so a row changed after the subquery's snapshot is skipped.
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()), due)
        .values(
            status="sending", claimed_by=token, claimed_at=now, attempts=OutboxMessage.attempts + 1
        )
        .execution_options(synchronize_session=False)
    )
    with app.uow() as uow:
        s = uow.session
        s.execute(stmt)
        rows = s.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.key,
                OutboxMessage.case_id,
                OutboxMessage.channel,
                OutboxMessage.recipient,
                OutboxMessage.payload,
                OutboxMessage.attempts,
                Resident.deliverable,
            )
            .outerjoin(
                Resident,
                and_(
                    Resident.channel == OutboxMessage.channel,
                    Resident.external_id == OutboxMessage.recipient,
                ),
            )
            .where(OutboxMessage.claimed_by == token, OutboxMessage.status == "sending")
            .order_by(OutboxMessage.available_at, OutboxMessage.id)
        ).all()
        uow.commit()
    return [
        Outgoing(
            r.id,
            r.key,
            r.case_id,
            r.channel,
            r.recipient,
            dict(r.payload or {}),
            r.attempts,
            r.deliverable is not False,
        )
        for r in rows
    ]


def _deliver_one(app: App, sender: Sender, row: Outgoing, token: str) -> bool:
    if not row.deliverable:
        _finish(app, row, token, status="dead", error="the resident cannot be reached")
        return False
    if not _renew(app, row, token):
        log.info("outbox %s: the claim was taken over; leaving it to its new holder", row.id)
        return False
    try:
        send_with(sender, row)
    except PermanentDeliveryError as exc:
        log.warning("outbox %s: recipient unreachable, not retrying: %s", row.id, exc)
        mark_undeliverable(app, row.channel, row.recipient)
        _finish(app, row, token, status="dead", error=str(exc))
        return False
    except RejectedMessage as exc:
        log.warning("outbox %s: the channel refused the message, not retrying: %s", row.id, exc)
        _finish(app, row, token, status="dead", error=str(exc) or type(exc).__name__)
        return False
    except RetryLater as exc:
        log.info("outbox %s: the channel asked to wait %g s", row.id, exc.seconds)
        # Being asked to slow down is not the message's fault: it keeps its attempts.
        _finish(
            app,
            row,
            token,
            status="pending",
            error=str(exc),
            delay=dt.timedelta(seconds=exc.seconds),
            attempts=row.attempts - 1,
        )
        return False
    except Exception as exc:  # any other failure is retried with backoff
        log.warning("outbox %s: attempt %d failed: %s", row.id, row.attempts, exc, exc_info=exc)
        if row.attempts >= MAX_ATTEMPTS:
            _finish(app, row, token, status="dead", error=str(exc) or type(exc).__name__)
        else:
            _finish(
                app,
                row,
                token,
                status="failed",
                error=str(exc) or type(exc).__name__,
                delay=backoff(row.attempts),
            )
        return False
    _finish(app, row, token, status="sent")
    return True


def _renew(app: App, row: Outgoing, token: str) -> bool:
    """Refresh our claim just before sending; False when another process has taken it over.

    A batch can take a while (rate limits, slow sends), so without this a row claimed early
    and sent late could be seen as abandoned and sent by a second process as well. With it,
    only a send actually in flight when its process dies can ever be repeated.
    """
    with app.uow() as uow:
        result = cast(
            CursorResult[Any],
            uow.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.claimed_by == token,
                    OutboxMessage.status == "sending",
                )
                .values(claimed_at=app.now())
                .execution_options(synchronize_session=False)
            ),
        )
        uow.commit()
    return bool(result.rowcount)


def _finish(
    app: App,
    row: Outgoing,
    token: str,
    *,
    status: str,
    error: str | None = None,
    delay: dt.timedelta | None = None,
    attempts: int | None = None,
) -> None:
    now = app.now()
    values: dict[str, Any] = {"status": status, "last_error": error}
    if status == "sent":
        values["sent_at"] = now
    if delay is not None:
        values["available_at"] = now + delay
    if attempts is not None:
        values["attempts"] = attempts
    with app.uow() as uow:
        # Only the holder of the claim records the outcome; a takeover owns the row now.
        result = cast(
            CursorResult[Any],
            uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == token)
                .values(**values)
                .execution_options(synchronize_session=False)
            ),
        )
        if status == "sent" and result.rowcount:
            announcement_delivered(uow.session, row.payload, now)
        uow.commit()


def announcement_delivered(session: Session, payload: dict[str, Any], now: dt.datetime) -> None:
    """A project announcement reached its resident: awareness counts it (services.projects)."""
    ids = [int(i) for i in payload.get("announcements") or []]
    if payload.get("type") == "project_announcement" and ids:
        session.execute(
            update(Announcement)
            .where(Announcement.id.in_(ids), Announcement.delivered_at.is_(None))
            .values(delivered_at=now)
            .execution_options(synchronize_session=False)
        )


def _find_resident(s: Session, channel: str, external_id: str) -> Resident | None:
    return s.scalars(
        select(Resident).where(Resident.channel == channel, Resident.external_id == external_id)
    ).first()


def _is_deliverable(app: App, channel: str, recipient: str) -> bool:
    with app.uow() as uow:
        resident = _find_resident(uow.session, channel, recipient)
        return resident is None or resident.deliverable


def mark_undeliverable(app: App, channel: str, external_id: str) -> None:
    """The resident blocked the bot: stop sending to them until they write again."""
    _set_deliverable(app, channel, external_id, False)


def mark_deliverable(app: App, channel: str, external_id: str) -> None:
    """The resident wrote to us, so they can be reached again."""
    _set_deliverable(app, channel, external_id, True)


def _set_deliverable(app: App, channel: str, external_id: str, value: bool) -> None:
    with app.uow() as uow:
        result = cast(
            CursorResult[Any],
            uow.session.execute(
                update(Resident)
                .where(
                    Resident.channel == channel,
                    Resident.external_id == external_id,
                    Resident.deliverable != value,
                )
                .values(deliverable=value)
                .execution_options(synchronize_session=False)
            ),
        )
        if result.rowcount:
            uow.commit()


def is_undeliverable(app: App, channel: str, external_id: str) -> bool:
    return not _is_deliverable(app, channel, external_id)


# Set after a commit that queued something to send now, so the runner of this process goes
# at once instead of at its next interval.
_WAKE = threading.Event()


def wake() -> None:
    _WAKE.set()


class DeliveryRunner:
    """A daemon thread that delivers the outbox every `interval` seconds until stopped."""

    def __init__(
        self,
        app: App,
        senders: Mapping[str, Sender],
        *,
        worker_id: str | None = None,
        interval: float = 0.5,
    ) -> None:
        self._app = app
        self._senders = dict(senders)
        self._worker_id = worker_id or default_worker_id()
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="outbox-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        _WAKE.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> int:
        return deliver_due(self._app, self._senders, worker_id=self._worker_id)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
            except Exception as exc:  # the runner must outlive one bad round
                log.error("outbox delivery round failed", exc_info=exc)
                sent = 0
            # A full batch suggests more is waiting: go again without pausing.
            if sent < BATCH and not self._stop.is_set():
                _WAKE.wait(self._interval)
                _WAKE.clear()
