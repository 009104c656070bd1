"""`minsheng apikey`: API keys for Open311 clients."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from minsheng.cli.common import app_for, print_json


def register(sub: Any) -> None:
    key = sub.add_parser("apikey", help="API keys for Open311 clients")
    key_sub = key.add_subparsers(metavar="ACTION")
    kcr = key_sub.add_parser("create", help="create a key; prints it alone on stdout, once")
    kcr.add_argument("--name", required=True, help="who the key is for")
    kcr.set_defaults(func=_create)
    kls = key_sub.add_parser("list", help="list keys (never the keys themselves)")
    kls.add_argument("--json", action="store_true")
    kls.set_defaults(func=_list)
    krv = key_sub.add_parser("revoke", help="switch a key off")
    krv.add_argument("id", type=int)
    krv.set_defaults(func=_revoke)


def _create(args: argparse.Namespace) -> int:
    from minsheng.services.access import apikeys

    print(apikeys.create(app_for(args), args.name))
    print("this key is shown only now; only its hash is kept", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    from minsheng.services.access import apikeys

    rows = apikeys.list_keys(app_for(args))
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        state = "active" if row["active"] else "revoked"
        print(f"{row['id']:>4}  {state:<8} {row['created_at'][:19]}  {row['name']}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from minsheng.services.access import apikeys

    row = apikeys.revoke(app_for(args), args.id)
    print(f"API key {row['id']} ({row['name']}) revoked", file=sys.stderr)
    return 0
