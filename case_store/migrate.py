"""Schema migrations: the only way the schema is made."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(engine: Engine, connection: object | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.connect() as conn:
        # Migrations manage their own transactions; the SQLite BEGIN hook must not add one.
        conn = conn.execution_options(sqlite_begin="DEFERRED")
        command.upgrade(_config(engine, conn), revision)
        conn.commit()


def downgrade(engine: Engine, revision: str = "base") -> None:
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="DEFERRED")
        command.downgrade(_config(engine, conn), revision)
        conn.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config_for_scripts()).get_current_head()


def _config_for_scripts() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new revision from the models (for developers changing the schema)."""
    with engine.connect() as conn:
        command.revision(_config(engine, conn), message=message, autogenerate=True)
