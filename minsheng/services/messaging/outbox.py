"""The outbox: messages written in the use case's transaction and sent after it commits."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from case_store.models import CaseAlert, OutboxMessage


def _insert_ignoring_duplicates(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Insert a row unless its unique key exists; True when this call inserted it.

    ON CONFLICT DO NOTHING keeps the surrounding transaction usable on PostgreSQL, where a
    failed INSERT would otherwise abort everything the use case has done so far.
    """
    conn = session.connection()
    # rowcount is -1 for this statement under psycopg, so ask for the inserted key instead.
    return conn.execute(_insert_statement(conn.dialect.name, table), values).first() is not None


@functools.cache
def _insert_statement(dialect: str, table: Table) -> Any:
    """Built once per table: the row comes as the execution's parameters."""
    module = postgresql if dialect == "postgresql" else sqlite
    return (
        module.insert(table)
        .on_conflict_do_nothing()
        .returning(table.c[next(iter(table.primary_key.columns)).name])
    )


def enqueue(
    session: Session,
    *,
    key: str,
    channel: str,
    recipient: str,
    payload: dict[str, Any],
    now: dt.datetime,
    case_id: int | None = None,
    available_at: dt.datetime | None = None,
) -> bool:
    """Queue one message; a second call with the same key is a no-op (returns False)."""
    return _insert_ignoring_duplicates(
        session,
        cast(Table, OutboxMessage.__table__),
        {
            "key": key,
            "case_id": case_id,
            "channel": channel,
            "recipient": recipient,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "available_at": available_at or now,
            "created_at": now,
        },
    )


def claim_alert(session: Session, case_id: int, key: str, now: dt.datetime) -> bool:
    """Mark an SLA alert as raised; False when some sweep already raised it."""
    return _insert_ignoring_duplicates(
        session, cast(Table, CaseAlert.__table__), {"case_id": case_id, "key": key, "at": now}
    )
