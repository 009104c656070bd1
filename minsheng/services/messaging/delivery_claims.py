"""Claiming due outbox rows: which rows are due, and one UPDATE that stamps a claim token no
other call uses, so each message goes to exactly one sender; a claim whose process died is
taken over once it is older than `delivery.stale_claim_seconds` (two minutes by default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, or_, select, update

from case_store.models import OutboxMessage, Resident
from minsheng.services.bootstrap import App


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


def claim(
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


def renew(app: App, row: Outgoing, token: str) -> bool:
    """Refresh our claim before sending a row claimed a while ago (deliver_due skips it for
    a fresh claim); False when another process has taken it over.

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
