"""How the SLA sweep writes: alert claims, events, outbox messages and case bookkeeping in
bulk, one statement per table and batch, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from case_store.models import Case, CaseAlert, CaseEvent, OutboxMessage

ACTOR = "system:sla"


@dataclass
class Batch:
    """What one batch writes, gathered first so each table gets one bulk statement."""

    events: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    next_due: list[dict[str, Any]]
    escalated_ids: set[int]
    alerts: int = 0
    escalations: int = 0
    # case id -> the first alert that escalated it in this batch, for the resident's notice
    escalated_by: dict[int, str] = field(default_factory=dict)


def claim(s: Session, pairs: list[tuple[int, str]], now: dt.datetime) -> set[tuple[int, str]]:
    """Insert (case, key) claims; return those this call inserted (others were raised)."""
    if not pairs:
        return set()
    conn = s.connection()
    if dialect(s) == "postgresql":
        rows = _json_rows([{"case_id": c, "key": k} for c, k in pairs])
        result = conn.execute(_PG_CLAIM, {"rows": rows, "now": now})
    else:
        table = table_of(CaseAlert)
        stmt = insert_for(s, table).on_conflict_do_nothing().returning(table.c.case_id, table.c.key)
        result = conn.execute(stmt, [{"case_id": c, "key": k, "at": now} for c, k in pairs])
    return {(row.case_id, row.key) for row in result}


def write_batch(s: Session, batch: Batch, now: dt.datetime) -> None:
    if dialect(s) == "postgresql":
        _write_batch_postgresql(s, batch, now)
        return
    conn = s.connection()
    if batch.events:
        conn.execute(insert(table_of(CaseEvent)), batch.events)
    if batch.messages:
        conn.execute(
            insert_for(s, table_of(OutboxMessage)).on_conflict_do_nothing(), batch.messages
        )
    cases = table_of(Case)
    # The sweep's own bookkeeping does not bump the case version: a clerk acting on the case
    # at the same moment must not be told someone else changed it.
    conn.execute(
        update(cases).where(cases.c.id == bindparam("_id")).values(next_due_at=bindparam("_next")),
        batch.next_due,
    )
    if batch.escalated_ids:
        conn.execute(
            update(cases)
            .where(cases.c.id.in_(sorted(batch.escalated_ids)))
            .values(escalated=True, escalated_at=func.coalesce(cases.c.escalated_at, now))
        )


# On PostgreSQL each table gets one statement over a JSON array of rows instead of one
# statement per row: a sweep of thousands of due cases takes a handful of round trips.
_PG_CLAIM = text("""
    INSERT INTO case_alerts (case_id, key, at)
    SELECT r.case_id, r.key, :now FROM json_to_recordset(CAST(:rows AS json))
        AS r(case_id integer, key varchar)
    ON CONFLICT DO NOTHING
    RETURNING case_id, key""")
_PG_EVENTS = text("""
    INSERT INTO case_events (case_id, at, actor, type, after, note)
    SELECT r.case_id, :now, :actor, r.type, r.after, r.note
    FROM json_to_recordset(CAST(:rows AS json))
        AS r(case_id integer, type varchar, after json, note text)""")
_PG_OUTBOX = text("""
    INSERT INTO outbox (key, case_id, channel, recipient, payload, status, attempts,
                        available_at, created_at)
    SELECT r.key, r.case_id, 'staff', r.recipient, r.payload, 'pending', 0,
           r.available_at, :now
    FROM json_to_recordset(CAST(:rows AS json))
        AS r(key varchar, case_id integer, recipient varchar, payload json,
             available_at timestamptz)
    ON CONFLICT DO NOTHING""")
_PG_CASES = text("""
    UPDATE cases SET next_due_at = r.next_due_at,
        escalated = cases.escalated OR r.escalate,
        escalated_at = CASE WHEN r.escalate THEN coalesce(cases.escalated_at, :now)
                            ELSE cases.escalated_at END
    FROM json_to_recordset(CAST(:rows AS json))
        AS r(id integer, next_due_at timestamptz, escalate boolean)
    WHERE cases.id = r.id""")


def _json_rows(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def _write_batch_postgresql(s: Session, batch: Batch, now: dt.datetime) -> None:
    conn = s.connection()
    if batch.events:
        conn.execute(
            _PG_EVENTS,
            {
                "now": now,
                "actor": ACTOR,
                "rows": _json_rows(
                    [
                        {
                            "case_id": e["case_id"],
                            "type": e["type"],
                            "after": e["after"],
                            "note": e["note"],
                        }
                        for e in batch.events
                    ]
                ),
            },
        )
    if batch.messages:
        conn.execute(
            _PG_OUTBOX,
            {
                "now": now,
                "rows": _json_rows(
                    [
                        {
                            "key": m["key"],
                            "case_id": m["case_id"],
                            "recipient": m["recipient"],
                            "payload": m["payload"],
                            "available_at": m["available_at"],
                        }
                        for m in batch.messages
                    ]
                ),
            },
        )
    # The sweep's own bookkeeping does not bump the case version (see write_batch).
    conn.execute(
        _PG_CASES,
        {
            "now": now,
            "rows": _json_rows(
                [
                    {
                        "id": r["_id"],
                        "next_due_at": r["_next"],
                        "escalate": r["_id"] in batch.escalated_ids,
                    }
                    for r in batch.next_due
                ]
            ),
        },
    )


def dialect(s: Session) -> str:
    return s.get_bind().dialect.name


def insert_for(s: Session, table: Table) -> Any:
    module = postgresql if dialect(s) == "postgresql" else sqlite
    return module.insert(table)


def table_of(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table
