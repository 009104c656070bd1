"""The dead-letter view of the outbox for administrators: what could not be sent, and retrying it.

A message is dead when its recipient cannot be reached, when the channel refused it for good,
or after the last of its attempts (minsheng.services.messaging.delivery.MAX_ATTEMPTS). Retrying puts it back as a
fresh pending message; the relay (or the in-process runner) sends it within seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select, update

from case_store.models import Case, OutboxMessage, Resident
from minsheng.services.bootstrap import App

DEAD = "dead"


def dead(app: App, *, limit: int = 200) -> list[dict[str, Any]]:
    """Dead messages, newest first, with why they died."""
    stmt = (
        select(OutboxMessage, Case.reference, Resident.deliverable)
        .outerjoin(Case, Case.id == OutboxMessage.case_id)
        .outerjoin(
            Resident,
            and_(
                Resident.channel == OutboxMessage.channel,
                Resident.external_id == OutboxMessage.recipient,
            ),
        )
        .where(OutboxMessage.status == DEAD)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    with app.uow() as uow:
        return [
            _row(app, message, reference, deliverable)
            for message, reference, deliverable in uow.session.execute(stmt)
        ]


def _row(
    app: App, message: OutboxMessage, reference: str | None, deliverable: bool | None
) -> dict[str, Any]:
    def local(value: dt.datetime | None) -> str | None:
        return value.astimezone(app.tz).isoformat() if value is not None else None

    return {
        "id": message.id,
        "key": message.key,
        "channel": message.channel,
        "type": (message.payload or {}).get("type"),
        "reference": reference,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "created_at": local(message.created_at),
        "recipient_reachable": deliverable is not False,
    }


def retry(app: App, ids: Sequence[int] | None = None, *, all_dead: bool = False) -> list[int]:
    """Re-queue dead messages (the given ids, or every one); returns the ids re-queued.

    Ids that are not dead (already sent, pending, unknown) are left alone, so a retry can never
    send a delivered message again. A resident marked unreachable stays so until they write to
    the bot: their message would die again at once, so it is not re-queued.
    """
    if not all_dead and not ids:
        return []
    now = app.now()
    unreachable = (
        select(Resident.id)
        .where(
            Resident.channel == OutboxMessage.channel,
            Resident.external_id == OutboxMessage.recipient,
            Resident.deliverable.is_(False),
        )
        .exists()
    )
    condition = and_(OutboxMessage.status == DEAD, ~unreachable)
    if not all_dead:
        condition = and_(condition, OutboxMessage.id.in_(sorted(set(ids or ()))))
    with app.uow() as uow:
        requeued = sorted(
            uow.session.scalars(
                update(OutboxMessage)
                .where(condition)
                .values(
                    status="pending", attempts=0, available_at=now, claimed_by=None, claimed_at=None
                )
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        )
        uow.commit()
    return requeued
