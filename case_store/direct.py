"""The few statements every message runs, executed straight on psycopg's cursor.

Around one of these statements SQLAlchemy spends more CPU than psycopg does running it
(building the execution context, the parameters and the result proxy: about 60 µs a statement
against psycopg's 40 µs, measured on the claim of an update). For a statement built once,
what SQLAlchemy would work out on every call is worked out on the first: its SQL, the literal
parameters it carries and the bind processing of each parameter (JSON, aware datetimes). It
then runs on the DBAPI connection of the caller's transaction, inside that transaction.

It keeps what callers rely on: the engine's cursor events fire (statement counters see it),
errors arrive as SQLAlchemy's (an `IntegrityError` on a duplicate key), and a connection that
died is invalidated as SQLAlchemy would do it. Only for statements whose result columns need
no processing (ids, counts, JSON, which psycopg decodes itself); others are refused on first
use. On other databases it is plain `conn.execute`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from sqlalchemy import Connection, exc
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True, slots=True)
class _Prepared:
    sql: str
    literals: dict[str, Any]
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]


_prepared: dict[int, tuple[ClauseElement, _Prepared]] = {}
_lock = threading.Lock()


def first(conn: Connection, statement: ClauseElement, params: Mapping[str, Any]) -> Any:
    """The first row as a tuple, or None."""
    if conn.dialect.name != "postgresql":
        row = conn.execute(statement, dict(params)).first()  # type: ignore[call-overload]
        return tuple(row) if row is not None else None
    return _run(conn, statement, params)


def scalar(conn: Connection, statement: ClauseElement, params: Mapping[str, Any]) -> Any:
    """The first column of the first row, or None."""
    row = first(conn, statement, params)
    return row[0] if row is not None else None


def _run(conn: Connection, statement: ClauseElement, params: Mapping[str, Any]) -> Any:
    prepared = _prepare(conn, statement)
    values = {**prepared.literals, **params}
    for name, process in prepared.processors:
        if name in values:
            values[name] = process(values[name])
    dbapi = cast(psycopg.Connection[Any], conn.connection.dbapi_connection)
    cursor = dbapi.cursor()
    try:
        conn.dispatch.before_cursor_execute(conn, cursor, prepared.sql, values, None, False)
        cursor.execute(prepared.sql, values, prepare=True)
        conn.dispatch.after_cursor_execute(conn, cursor, prepared.sql, values, None, False)
        return cursor.fetchone() if cursor.description is not None else None
    except psycopg.Error as error:
        if conn.dialect.is_disconnect(error, dbapi, cursor):  # type: ignore[arg-type]
            conn.invalidate(error)
        raise exc.DBAPIError.instance(
            prepared.sql,
            values,
            error,
            psycopg.Error,
            dialect=conn.dialect,
            connection_invalidated=conn.invalidated,
        ) from error
    finally:
        cursor.close()


def _prepare(conn: Connection, statement: ClauseElement) -> _Prepared:
    found = _prepared.get(id(statement))
    if found is not None and found[0] is statement:
        return found[1]
    compiled = cast(SQLCompiler, statement.compile(dialect=conn.dialect))
    for column in compiled._result_columns or ():
        type_ = column[3]
        if type_._cached_result_processor(conn.dialect, None) is not None:
            raise TypeError(
                f"result column {column[0]!r} needs SQLAlchemy's processing; "
                "run this statement with conn.execute"
            )
    if compiled.post_compile_params or compiled.literal_execute_params:
        raise TypeError("a statement with expanding parameters cannot be run directly")
    processors = []
    for name, process in compiled._bind_processors.items():
        if not callable(process):  # a tuple-typed parameter, processed per element
            raise TypeError(f"parameter {name!r} cannot be processed here; use conn.execute")
        processors.append((name, process))
    prepared = _Prepared(
        sql=compiled.string,
        # Values the statement carries itself ("LIMIT 1"), which SQLAlchemy adds on each call.
        literals={
            compiled.bind_names[bind]: bind.effective_value
            for bind in compiled.binds.values()
            if not bind.required
        },
        processors=tuple(processors),
    )
    with _lock:
        # The statement is kept with its entry, so its id cannot be reused by another.
        _prepared[id(statement)] = (statement, prepared)
    return prepared
