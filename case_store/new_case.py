"""A new case written in as few statements as the database allows.

A resident's confirmation is the busiest write of the whole service, so its rows go in with
statements built once: on PostgreSQL the case, its events, its first message and its outbox
notice are one statement (a chain of data-modifying CTEs, each fed the new case's id); on
SQLite, where a statement costs no round trip, they are four.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ClauseElement, Executable

from case_store import direct, json_rows
from case_store.models import Case, CaseEvent, Message, OutboxMessage, Resident

_CASES = cast(Table, Case.__table__)
_EVENTS = cast(Table, CaseEvent.__table__)
_MESSAGES = cast(Table, Message.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)
_RESIDENTS = cast(Table, Resident.__table__)

EVENT_COLUMNS = ("at", "actor", "type", "before", "after", "note")
MESSAGE_COLUMNS = ("at", "author", "text")
# An outbox row's columns as its writers give them (the case id aside).
OUTBOX_COLUMNS = (
    "key",
    "channel",
    "recipient",
    "payload",
    "status",
    "attempts",
    "available_at",
    "created_at",
)


@dataclass(frozen=True)
class NewCaseRows:
    """Everything a new case writes, as column values (the case id is filled in here)."""

    case: dict[str, Any]
    events: Sequence[dict[str, Any]]
    message: dict[str, Any]
    notice: dict[str, Any]


def insert_new_case(conn: Connection, rows: NewCaseRows) -> int:
    """Insert the case and what comes with it; the new case's id.

    A duplicate reference raises IntegrityError like any other insert would.
    """
    if conn.dialect.name == "postgresql":
        case = {**_CASE_DEFAULTS, **rows.case}
        params = {f"c_{k}": v for k, v in case.items()}
        params["e_rows"] = json_rows.as_parameter(rows.events)
        params["m_rows"] = json_rows.as_parameter([rows.message])
        params["o_rows"] = json_rows.as_parameter([rows.notice])
        statement = _chain(tuple(sorted(case)))
        return int(direct.scalar(conn, cast(ClauseElement, statement), params))
    case_id = int(
        conn.execute(
            insert(_CASES).returning(_CASES.c.id),
            rows.case,
        ).scalar_one()
    )
    conn.execute(insert(_EVENTS), [{**e, "case_id": case_id} for e in rows.events])
    conn.execute(insert(_MESSAGES), {**rows.message, "case_id": case_id})
    conn.execute(
        sqlite.insert(_OUTBOX).on_conflict_do_nothing(), {**rows.notice, "case_id": case_id}
    )
    return case_id


def _scalar_defaults(table: Table) -> dict[str, Any]:
    """The columns' Python-side defaults, which SQLAlchemy applies to a plain INSERT but not
    to one inside a CTE."""
    out = {}
    for column in table.columns:
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            out[column.name] = default.arg  # type: ignore[attr-defined]
        elif default is not None and getattr(default, "is_callable", False):
            out[column.name] = default.arg(None)  # type: ignore[attr-defined]
    return out


_CASE_DEFAULTS = _scalar_defaults(_CASES)


@functools.cache
def _chain(case_columns: tuple[str, ...]) -> Executable:
    """Built once per shape of case row."""
    new = (
        postgresql.insert(_CASES)
        .values({name: bindparam(f"c_{name}") for name in case_columns})
        .returning(_CASES.c.id)
        .cte("new_case")
    )
    # The events' ids ascend in the order the lifecycle made them (the history is read by id).
    events = json_rows.rows_from(_EVENTS, EVENT_COLUMNS, "e_rows")
    events_cte = (
        insert(_EVENTS)
        .from_select(
            ["case_id", *EVENT_COLUMNS],
            select(new.c.id, *(events.c[k] for k in EVENT_COLUMNS))
            .select_from(new)
            .join(events, true())
            .order_by(events.c.n),
        )
        .cte("new_events")
    )
    message = json_rows.rows_from(_MESSAGES, MESSAGE_COLUMNS, "m_rows")
    message_cte = (
        insert(_MESSAGES)
        .from_select(
            ["case_id", *MESSAGE_COLUMNS],
            select(new.c.id, *(message.c[k] for k in MESSAGE_COLUMNS))
            .select_from(new)
            .join(message, true()),
        )
        .cte("new_message")
    )
    notice = json_rows.rows_from(_OUTBOX, OUTBOX_COLUMNS, "o_rows")
    notice_cte = (
        postgresql.insert(_OUTBOX)
        .from_select(
            ["case_id", *OUTBOX_COLUMNS],
            select(new.c.id, *(notice.c[k] for k in OUTBOX_COLUMNS))
            .select_from(new)
            .join(notice, true()),
        )
        .on_conflict_do_nothing()
        .cte("new_notice")
    )
    return select(new.c.id).add_cte(events_cte).add_cte(message_cte).add_cte(notice_cte)


def resident_with_recent_cases(
    conn: Connection, resident: dict[str, Any], since: dt.datetime
) -> tuple[int, int]:
    """The resident of this chat, created on first contact, and how many cases it opened
    since `since` (ix_cases_resident_created): one statement on PostgreSQL.

    The conflict branch touches nothing the resident set (name, language, deliverable); the
    no-op update is only there so that RETURNING hands back the existing row.
    """
    columns = tuple(sorted(resident))
    params = {f"r_{k}": v for k, v in resident.items()}
    if conn.dialect.name == "postgresql":
        row = direct.first(conn, _upsert_with_count(columns), {**params, "since": since})
        return int(row[0]), int(row[1])
    resident_id = int(conn.execute(_upsert(sqlite, columns), params).scalar_one())
    count = conn.execute(_COUNT_OF_ONE, {"resident_id": resident_id, "since": since})
    return resident_id, int(count.scalar_one())


def upsert_resident(conn: Connection, resident: dict[str, Any]) -> int:
    """The id of this chat's resident, created on first contact (see above)."""
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    params = {f"r_{k}": v for k, v in resident.items()}
    return int(conn.execute(_upsert(module, tuple(sorted(resident))), params).scalar_one())


@functools.cache
def _upsert(module: Any, columns: tuple[str, ...]) -> Any:
    stmt = module.insert(_RESIDENTS).values({k: bindparam(f"r_{k}") for k in columns})
    return stmt.on_conflict_do_update(
        index_elements=["channel", "external_id"], set_={"channel": stmt.excluded.channel}
    ).returning(_RESIDENTS.c.id)


def _recent(resident_id: Any) -> Any:
    return (
        select(func.count())
        .select_from(_CASES)
        .where(_CASES.c.resident_id == resident_id, _CASES.c.created_at >= bindparam("since"))
        .scalar_subquery()
    )


_COUNT_OF_ONE = select(_recent(bindparam("resident_id")))


@functools.cache
def _upsert_with_count(columns: tuple[str, ...]) -> Any:
    upserted = _upsert(postgresql, columns).cte("resident")
    return select(upserted.c.id, _recent(upserted.c.id))
