"""Delivering the outbox: claim due rows atomically, send them, record what happened.

Any number of processes may run `deliver_due` against one database at the same time: the rows
are claimed in `delivery_claims`, each exactly once. The thread that runs delivery in a
process is `delivery_runner.DeliveryRunner`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from case_store.models import Announcement, OutboxMessage, Resident
from minsheng.services.bootstrap import App
from minsheng.services.messaging.delivery_claims import Outgoing, claim, renew

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
    claimed_at = app.now()
    claimed = claim(app, list(senders), token, limit, only_id)
    # A claim younger than this cannot have been taken over (that needs the full stale
    # time) and leaves the send most of that time: renewing it would be a transaction for
    # nothing. Later rows of a slow batch are renewed before they are sent.
    fresh = dt.timedelta(seconds=app.settings.delivery.stale_claim_seconds / 4)
    sent = 0
    for row in claimed:
        stale_soon = app.now() - claimed_at >= fresh
        if _deliver_one(app, senders[row.channel], row, token, renew_first=stale_soon):
            sent += 1
    return sent


def _deliver_one(
    app: App, sender: Sender, row: Outgoing, token: str, *, renew_first: bool = True
) -> bool:
    if not row.deliverable:
        _finish(app, row, token, status="dead", error="the resident cannot be reached")
        return False
    if renew_first and not renew(app, row, token):
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


def wait_for_wake(timeout: float) -> None:
    """Until `wake` is called or `timeout` seconds pass: the runner's pause between rounds."""
    _WAKE.wait(timeout)
    _WAKE.clear()
