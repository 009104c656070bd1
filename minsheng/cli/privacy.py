"""`minsheng privacy retention`: anonymise residents' contact details past retention."""

from __future__ import annotations

import argparse
from typing import Any

from minsheng.cli.common import app_for, print_json


def register(sub: Any) -> None:
    prv = sub.add_parser("privacy", help="residents' data: retention")
    prv_sub = prv.add_subparsers(metavar="ACTION")
    ret = prv_sub.add_parser(
        "retention",
        help="anonymise contact details on cases closed more than privacy.retention_months ago",
    )
    ret.add_argument("--dry-run", action="store_true", help="count only; change nothing")
    ret.add_argument("--json", action="store_true")
    ret.set_defaults(func=_retention)


def _retention(args: argparse.Namespace) -> int:
    from minsheng.services.rights import retention

    summary = retention.run(app_for(args), dry_run=args.dry_run)
    if args.json:
        print_json(summary)
        return 0
    verb = "would be anonymised" if summary["dry_run"] else "anonymised"
    print(
        f"{summary['cases']} case(s) closed before {summary['cutoff'][:10]} {verb}; "
        f"{summary['residents_cleared']} resident record(s) cleared"
    )
    return 0
