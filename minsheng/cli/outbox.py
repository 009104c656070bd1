"""`minsheng outbox`: messages that could not be delivered."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from minsheng.cli.common import app_for, print_json


def register(sub: Any) -> None:
    obx = sub.add_parser("outbox", help="messages that could not be delivered")
    obx_sub = obx.add_subparsers(metavar="ACTION")
    odd = obx_sub.add_parser("dead", help="list dead messages, newest first")
    odd.add_argument("--limit", type=int, default=200)
    odd.add_argument("--json", action="store_true")
    odd.set_defaults(func=_dead)
    ort = obx_sub.add_parser("retry", help="send dead messages again")
    ort.add_argument("ids", nargs="*", type=int, metavar="ID")
    ort.add_argument("--all", action="store_true", help="every dead message")
    ort.set_defaults(func=_retry)


def _dead(args: argparse.Namespace) -> int:
    from minsheng.services.messaging import outbox_admin

    rows = outbox_admin.dead(app_for(args), limit=args.limit)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(
            f"{r['id']}  {r['channel']:<9} {r['type'] or '':<16} {r['reference'] or '':<15} "
            f"attempts {r['attempts']}  {r['last_error'] or ''}"
        )
    print(f"{len(rows)} dead message(s)", file=sys.stderr)
    return 0


def _retry(args: argparse.Namespace) -> int:
    from minsheng.services.messaging import outbox_admin

    if not args.ids and not args.all:
        print("error: name the message ids to retry, or --all", file=sys.stderr)
        return 2
    ids = outbox_admin.retry(app_for(args), args.ids, all_dead=args.all)
    print(
        f"re-queued {len(ids)} message(s){': ' if ids else ''}{' '.join(str(i) for i in ids)}",
        file=sys.stderr,
    )
    return 0
