"""Shared fixtures: settings, a controllable clock, and apps on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from minsheng.config.settings import PROJECT_ROOT, Settings, load_settings

SHARED = PROJECT_ROOT.parent / "shared"
POSTGRES_URL = os.environ.get(
    "MINSHENG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("MINSHENG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def service_unavailable(what: str, why: str) -> None:
    """Skip loudly on a laptop without the server; fail in CI, where it must be there."""
    message = f"{what} is not reachable ({why}); start it or set the MINSHENG_TEST_* URL"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class Clock:
    """A clock that tests move by hand."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> dt.datetime:
        self.now += dt.timedelta(**kwargs)
        return self.now

    def set(self, value: dt.datetime) -> None:
        self.now = value


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Iterator[None]:
    """Commands under test call `logs.setup()`, which binds a handler to the stderr of the
    moment: pytest's capture of that one test. A server thread logging after the test would
    write to a closed stream, so the root logger goes back as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return load_settings(PROJECT_ROOT / "config.yml", env={})


def _settings_with_db(base: Settings, url: str) -> Settings:
    return base.model_copy(update={"database_url": url})


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'minsheng.db'}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    import sqlalchemy as sa

    from case_store.db import make_engine

    engine = make_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:
        service_unavailable("PostgreSQL", type(exc).__name__)
    finally:
        engine.dispose()
    return POSTGRES_URL


def in_schema(server: str, schema: str) -> str:
    """The server's URL with connections whose search path is `schema`."""
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped after the test."""
    import sqlalchemy as sa

    from case_store.db import make_engine

    schema = f"t_{secrets.token_hex(6)}"
    admin = make_engine(postgres_server)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield in_schema(postgres_server, schema)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


# Migrating costs a third of a second or more a database, and most tests want one. Each test
# process migrates once per backend: on SQLite a test gets a copy of a migrated file, on
# PostgreSQL the process's migrated schema, emptied (a few hundredths of a second each).


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from case_store import migrate
    from case_store.db import make_engine

    path = tmp_path_factory.mktemp("template") / "minsheng.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    # Everything into the main file, so that copying that file copies the database.
    with contextlib.closing(sqlite3.connect(path)) as conn:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    return path


@pytest.fixture
def migrated_sqlite_url(sqlite_url: str, sqlite_template: Path) -> str:
    """`sqlite_url`'s file, at the latest schema."""
    shutil.copyfile(sqlite_template, sqlite_url.removeprefix("sqlite:///"))
    return sqlite_url


class MigratedSchema:
    """A schema migrated once per test process and emptied for each test that takes it.

    Emptied means every row deleted and every sequence back at 1, so a test sees what a fresh
    migration gives. A test that moved the schema's revision, or left a lock behind, gets
    the next test a new schema instead."""

    def __init__(self, server: str) -> None:
        from case_store.db import make_engine

        self.server = server
        self.admin = make_engine(server, isolation_level="AUTOCOMMIT")
        self.name = ""
        self.engine: Any = None
        self.tables: list[str] = []
        self.head: str | None = None

    def take(self) -> str:
        if not self.name or not self._emptied():
            self._make()
        return in_schema(self.server, self.name)

    def _make(self) -> None:
        import sqlalchemy as sa

        from case_store import migrate
        from case_store.db import make_engine

        self.close()
        self.name = f"m_{secrets.token_hex(6)}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.name}"'))
        self.engine = make_engine(in_schema(self.server, self.name), poolclass=sa.NullPool)
        migrate.upgrade(self.engine)
        meta = sa.MetaData()
        meta.reflect(self.engine)
        # Children first, so that no foreign key stops a DELETE.
        self.tables = [t.name for t in reversed(meta.sorted_tables) if t.name != "alembic_version"]
        self.head = migrate.head_revision()

    def _emptied(self) -> bool:
        import sqlalchemy as sa

        try:
            with self.engine.begin() as conn:
                # A test that left a transaction open would make this wait for ever.
                conn.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
                version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
                if version != [(self.head,)]:
                    return False  # a test moved the schema; it is not ours to repair
                for table in self.tables:
                    conn.exec_driver_sql(f'DELETE FROM "{table}"')
                conn.exec_driver_sql(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c "
                    "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
                )
        except sa.exc.DBAPIError:
            return False
        return True

    def close(self) -> None:
        import sqlalchemy as sa

        if self.engine is not None:
            self.engine.dispose()
        if self.name:
            try:
                with self.admin.connect() as conn:
                    # A lock a test left behind would hold the DROP for ever; such a schema
                    # is left in place rather than the run stopped.
                    conn.exec_driver_sql("SET lock_timeout = '5s'")
                    conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
            except sa.exc.DBAPIError:
                pass
        self.name, self.engine = "", None


@pytest.fixture(scope="session")
def _migrated_schema(postgres_server: str) -> Iterator[MigratedSchema]:
    schema = MigratedSchema(postgres_server)
    yield schema
    schema.close()
    schema.admin.dispose()


@pytest.fixture
def migrated_postgres_url(_migrated_schema: MigratedSchema) -> str:
    """A schema at the latest schema with no rows, this test's alone."""
    return _migrated_schema.take()


@pytest.fixture(params=["sqlite", "postgres"])
def migrated_database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("migrated_sqlite_url"))
    return str(request.getfixturevalue("migrated_postgres_url"))


@pytest.fixture
def app(migrated_database_url: str, base_settings: Settings, clock: Clock):  # type: ignore[no-untyped-def]
    """The service layer on a database at the latest schema (SQLite and PostgreSQL)."""
    from minsheng.services.bootstrap import bootstrap

    application = bootstrap(_settings_with_db(base_settings, migrated_database_url), clock=clock)
    yield application
    application.dispose()


@pytest.fixture
def sqlite_app(migrated_sqlite_url: str, base_settings: Settings, clock: Clock):  # type: ignore[no-untyped-def]
    from minsheng.services.bootstrap import bootstrap

    application = bootstrap(_settings_with_db(base_settings, migrated_sqlite_url), clock=clock)
    yield application
    application.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED.joinpath("data").is_dir():
        return
    skip = pytest.mark.skip(reason=f"{SHARED}/data is absent; these tests read it")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)
