"""`minsheng demand`: the demand ledger's topics (群众需求台账)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from minsheng.cli.common import app_for, print_json


def register(sub: Any) -> None:
    demand = sub.add_parser("demand", help="the demand ledger and its topics")
    ds = demand.add_subparsers(metavar="ACTION")
    cl = ds.add_parser("clusters", help="group similar demands into topics (and store them)")
    cl.add_argument("--from", dest="since", type=dt.date.fromisoformat, help="YYYY-MM-DD")
    cl.add_argument("--to", dest="until", type=dt.date.fromisoformat, help="YYYY-MM-DD")
    cl.add_argument("--domain")
    cl.add_argument("--json", action="store_true", help="one JSON object: {topics: [...]}")
    cl.set_defaults(func=_clusters)
    mg = ds.add_parser("merge", help="file one topic under another, now and on every later run")
    mg.add_argument("topic")
    mg.add_argument("--into", required=True)
    mg.add_argument("--actor", default="operator")
    mg.set_defaults(func=_merge)
    sp = ds.add_parser("split", help="move some cases of a topic into a topic of their own")
    sp.add_argument("topic")
    sp.add_argument("--cases", required=True, help="case references, comma-separated")
    sp.add_argument("--label", default="")
    sp.add_argument("--actor", default="operator")
    sp.set_defaults(func=_split)
    cv = ds.add_parser("cover", help="mark a topic as covered by a project (--project '' clears)")
    cv.add_argument("topic")
    cv.add_argument("--project", required=True)
    cv.add_argument("--actor", default="operator")
    cv.set_defaults(func=_cover)


def _guard(work: Any) -> int:
    from minsheng.services.errors import DomainError

    try:
        work()
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _clusters(args: argparse.Namespace) -> int:
    from minsheng.services.projects import demand

    app = app_for(args)
    if args.domain and args.domain not in app.settings.taxonomy.keys:
        print(f"error: unknown domain '{args.domain}'", file=sys.stderr)
        return 2
    if args.since and args.until and args.since > args.until:
        print("error: --from is after --to", file=sys.stderr)
        return 2
    topics = demand.clusters_of(app, since=args.since, until=args.until, domain=args.domain)
    if args.json:
        print_json({"topics": topics, "count": len(topics)})
        return 0
    for t in topics:
        areas = ", ".join(f"{a['area']} {a['count']}" for a in t["areas"][:3]) or "—"
        covered = f"  covered by {t['covered_by']}" if t["covered_by"] else ""
        print(
            f"{t['id']}  {t['cases']:>4} case(s) {t['residents']:>4} resident(s)  "
            f"{t['domain']:<15} {t['label']}  [{areas}] {t['first_seen']}…{t['last_seen']}{covered}"
        )
    print(f"{len(topics)} topic(s)", file=sys.stderr)
    return 0


def _merge(args: argparse.Namespace) -> int:
    from minsheng.services.projects import demand

    return _guard(lambda: demand.merge(app_for(args), args.topic, args.into, actor=args.actor))


def _split(args: argparse.Namespace) -> int:
    from minsheng.services.projects import demand

    def work() -> None:
        refs = [c for c in args.cases.split(",") if c.strip()]
        print(demand.split(app_for(args), args.topic, refs, label=args.label, actor=args.actor))

    return _guard(work)


def _cover(args: argparse.Namespace) -> int:
    from minsheng.services.projects import demand

    return _guard(
        lambda: demand.cover(app_for(args), args.topic, args.project or None, actor=args.actor)
    )
