"""`minsheng db`: schema migrations."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from minsheng.cli.common import app_for


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="database schema migrations")
    db_sub = db.add_subparsers(metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="migrate the database to the latest schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_upgrade)
    down = db_sub.add_parser("downgrade", help="migrate the database back")
    down.add_argument("revision", nargs="?", default="-1")
    down.set_defaults(func=_downgrade)
    cur = db_sub.add_parser("current", help="print the schema revision")
    cur.set_defaults(func=_current)


def _upgrade(args: argparse.Namespace) -> int:
    from case_store import migrate

    app = app_for(args, check_schema=False)
    migrate.upgrade(app.engine, args.revision)
    print(f"database at revision {migrate.current_revision(app.engine)}", file=sys.stderr)
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    from case_store import migrate

    app = app_for(args, check_schema=False)
    migrate.downgrade(app.engine, args.revision)
    print(f"database at revision {migrate.current_revision(app.engine)}", file=sys.stderr)
    return 0


def _current(args: argparse.Namespace) -> int:
    from case_store import migrate

    print(migrate.current_revision(app_for(args, check_schema=False).engine) or "(empty)")
    return 0
