"""Shared fixtures: settings, a controllable clock, and apps on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
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


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped after the test."""
    import sqlalchemy as sa

    from case_store.db import make_engine

    schema = f"t_{secrets.token_hex(6)}"
    admin = make_engine(postgres_server)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def app(database_url: str, base_settings: Settings, clock: Clock):  # type: ignore[no-untyped-def]
    """The service layer on a migrated database (SQLite and PostgreSQL)."""
    from case_store import migrate
    from minsheng.services.bootstrap import bootstrap

    application = bootstrap(_settings_with_db(base_settings, database_url), clock=clock)
    migrate.upgrade(application.engine)
    yield application
    application.dispose()


@pytest.fixture
def sqlite_app(sqlite_url: str, base_settings: Settings, clock: Clock):  # type: ignore[no-untyped-def]
    from case_store import migrate
    from minsheng.services.bootstrap import bootstrap

    application = bootstrap(_settings_with_db(base_settings, sqlite_url), clock=clock)
    migrate.upgrade(application.engine)
    yield application
    application.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED.joinpath("data").is_dir():
        return
    skip = pytest.mark.skip(reason=f"{SHARED}/data is absent; these tests read it")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)
