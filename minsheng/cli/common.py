"""Helpers the command groups share: the bootstrapped App and JSON on stdout.

Kept free of heavy imports: every command module imports this at load time.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


class SchemaOutOfDate(Exception):
    """The database is not at the schema this release needs."""


def app_for(args: argparse.Namespace, *, check_schema: bool = True) -> Any:
    from minsheng.config.settings import load_settings
    from minsheng.services.bootstrap import bootstrap

    app = bootstrap(load_settings(args.config))
    if check_schema:
        from case_store import migrate

        current, head = migrate.current_revision(app.engine), migrate.head_revision()
        if current != head:
            raise SchemaOutOfDate(
                f"the database schema is at {current or 'nothing (empty database)'}, this "
                f"release needs {head}: run `minsheng db upgrade` (or `make run`) first"
            )
    return app


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=None)
    sys.stdout.write("\n")
