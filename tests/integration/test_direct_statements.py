"""The hot statements run straight on psycopg behave as through SQLAlchemy: same rows, same
errors, seen by the engine's statement listeners, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from case_store import direct
from case_store.db import make_engine
from case_store.models import UtcDateTime

META = sa.MetaData()
NOTES = sa.Table(
    "direct_notes",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(20), unique=True, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)
ADD = (
    sa.insert(NOTES)
    .values(key=sa.bindparam("k"), body=sa.bindparam("b"), at=sa.bindparam("t"))
    .returning(NOTES.c.id, NOTES.c.body)
)
BODY_OF = sa.select(NOTES.c.body).where(NOTES.c.key == sa.bindparam("k")).limit(1)
NOW = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    built = make_engine(url)
    META.create_all(built)
    yield built
    built.dispose()


def test_a_row_written_and_read_directly_comes_back_as_through_sqlalchemy(
    engine: sa.Engine,
) -> None:
    with engine.begin() as conn:
        new_id, body = direct.first(conn, ADD, {"k": "a", "b": {"text": "路灯坏了"}, "t": NOW})
        assert body == {"text": "路灯坏了"}
        # The statement's own LIMIT travels with it.
        assert direct.scalar(conn, BODY_OF, {"k": "a"}) == {"text": "路灯坏了"}
        assert direct.first(conn, BODY_OF, {"k": "missing"}) is None
    with engine.connect() as conn:
        stored = conn.execute(sa.select(NOTES.c.id, NOTES.c.body)).one()
    assert tuple(stored) == (new_id, {"text": "路灯坏了"})


def test_a_duplicate_key_is_an_integrity_error_and_the_transaction_rolls_back(
    engine: sa.Engine,
) -> None:
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        direct.first(conn, ADD, {"k": "dup", "b": {}, "t": NOW})
        direct.first(conn, ADD, {"k": "dup", "b": {}, "t": NOW})
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(NOTES)).scalar() == 0


def test_the_engines_statement_listeners_see_each_direct_statement(engine: sa.Engine) -> None:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    with engine.begin() as conn:
        direct.first(conn, ADD, {"k": "b", "b": {}, "t": NOW})
        direct.first(conn, BODY_OF, {"k": "b"})
    assert len([s for s in seen if "direct_notes" in s]) == 2


def test_a_statement_whose_results_need_processing_is_refused_on_postgresql(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url)
    try:
        META.create_all(engine)
        # The case store's aware-UTC datetimes are converted by SQLAlchemy on the way out;
        # the direct path does not pretend to do it.
        needs = sa.select(sa.type_coerce(NOTES.c.at, UtcDateTime())).limit(1)
        with engine.connect() as conn, pytest.raises(TypeError, match=r"conn\.execute"):
            direct.first(conn, needs, {})
    finally:
        engine.dispose()


def test_a_connection_the_server_dropped_fails_once_and_the_next_message_gets_a_new_one(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        META.create_all(engine)
        with engine.connect() as conn:
            pid = conn.execute(sa.text("select pg_backend_pid()")).scalar()
        # A server restart or a proxy's idle timeout, as the pooled connection meets it.
        admin = make_engine(postgres_url)
        with admin.connect() as killer:
            # With a timeout it waits until the backend is gone, not only signalled.
            killer.execute(sa.text("select pg_terminate_backend(:pid, 10000)"), {"pid": pid})
        admin.dispose()
        with pytest.raises(sa.exc.OperationalError), engine.begin() as conn:
            direct.first(conn, BODY_OF, {"k": "x"})
        with engine.begin() as conn:
            assert direct.first(conn, BODY_OF, {"k": "x"}) is None
    finally:
        engine.dispose()
