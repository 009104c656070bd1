"""`minsheng config check`."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    cfg = sub.add_parser("config", help="check a configuration file")
    cfg_sub = cfg.add_subparsers(metavar="ACTION")
    check = cfg_sub.add_parser("check", help="validate a config; exit 2 listing every problem")
    check.add_argument("path", nargs="?")
    check.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    from minsheng.config.settings import load_settings

    settings = load_settings(args.path or args.config)
    print(
        f"{settings.config_path}: OK ({len(settings.departments)} departments, "
        f"triage desk {settings.triage_department.id})"
    )
    return 0
