"""`minsheng report`: response, resolution and satisfaction rates."""

from __future__ import annotations

import argparse
from typing import Any

from minsheng.cli.common import app_for, print_json


def register(sub: Any) -> None:
    rep = sub.add_parser("report", help="response, resolution and satisfaction rates")
    rep.add_argument("--from", dest="date_from")
    rep.add_argument("--to", dest="date_to")
    rep.add_argument("--json", action="store_true")
    rep.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from minsheng.services.reporting import reports

    app = app_for(args)
    rows = reports.department_rates(app, args.date_from, args.date_to)
    if args.json:
        print_json(rows)
        return 0
    print(reports.format_table(rows))
    return 0
