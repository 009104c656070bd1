"""`minsheng case`: look at and act on cases, as an operator."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from minsheng.cli.common import app_for, print_json


def register(sub: Any) -> None:
    case = sub.add_parser("case", help="look at and act on cases (operators)")
    case_sub = case.add_subparsers(metavar="ACTION")
    lst = case_sub.add_parser("list", help="list cases")
    lst.add_argument("--department")
    lst.add_argument("--status", action="append")
    lst.add_argument("--json", action="store_true", help="a JSON array on stdout")
    lst.set_defaults(func=_list)
    shw = case_sub.add_parser("show", help="show one case")
    shw.add_argument("reference")
    shw.add_argument("--json", action="store_true", help="one flat JSON object on stdout")
    shw.set_defaults(func=_show)
    evs = case_sub.add_parser("events", help="the case's event log")
    evs.add_argument("reference")
    evs.add_argument("--json", action="store_true")
    evs.set_defaults(func=_events)
    sbm = case_sub.add_parser("submit", help="submit a case as a resident would")
    sbm.add_argument("--text", required=True)
    sbm.add_argument("--domain")
    sbm.add_argument("--urgency")
    sbm.add_argument("--kind")
    sbm.add_argument("--address")
    sbm.add_argument(
        "--resident",
        help="CHANNEL:ID of the resident it belongs to (e.g. offline:13800000000 for a paper "
        "form); created when named for the first time",
    )
    sbm.add_argument("--json", action="store_true")
    sbm.set_defaults(func=_submit)
    acc = case_sub.add_parser("accept", help="accept a case for the department")
    acc.add_argument("reference")
    _actor_args(acc)
    acc.set_defaults(func=_accept)
    trf = case_sub.add_parser("transfer", help="return a misrouted case to another department")
    trf.add_argument("reference")
    trf.add_argument(
        "--to",
        dest="to_department",
        help="target department id (omit to return it to the triage desk)",
    )
    trf.add_argument("--domain", dest="to_domain", help="the correct domain, if known")
    trf.add_argument("--reason", required=True)
    _actor_args(trf)
    trf.set_defaults(func=_transfer)
    res = case_sub.add_parser("resolve", help="record the department's resolution")
    res.add_argument("reference")
    res.add_argument("--note", required=True, help="what was done, as the resident will read it")
    res.add_argument(
        "--outcome", default="resolved", choices=["resolved", "not_responsible", "unresolved"]
    )
    _actor_args(res)
    res.set_defaults(func=_resolve)
    rop = case_sub.add_parser("reopen", help="reopen a resolved or closed case")
    rop.add_argument("reference")
    rop.add_argument("--reason", required=True)
    _actor_args(rop)
    rop.set_defaults(func=_reopen)
    stt = case_sub.add_parser("start", help="mark an accepted case as in progress")
    stt.add_argument("reference")
    _actor_args(stt)
    stt.set_defaults(func=_start)
    rpl = case_sub.add_parser("reply", help="send the resident a message through their channel")
    rpl.add_argument("reference")
    rpl.add_argument("--text", required=True)
    _actor_args(rpl)
    rpl.set_defaults(func=_reply)
    ask = case_sub.add_parser("ask", help="ask the resident for more information")
    ask.add_argument("reference")
    ask.add_argument("--question", required=True)
    _actor_args(ask)
    ask.set_defaults(func=_ask)


def _actor_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--actor", default="operator", help="who acts (recorded in the event log)")
    p.add_argument("--json", action="store_true")


def _show_case(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(view)
        return
    width = max(len(k) for k in view)
    for key, value in view.items():
        print(f"{key:<{width}}  {'' if value is None else value}")


def _ref(text: str) -> str:
    from case_store.references import normalise_reference

    return normalise_reference(text) or text


def _list(args: argparse.Namespace) -> int:
    from minsheng.services.casework import views

    rows = views.list_all(app_for(args), department=args.department, status=args.status)
    if args.json:
        print_json(rows)
        return 0
    for v in rows:
        due = (v["resolution_due_at"] or "")[:10]
        print(
            f"{v['reference']}  {v['status']:<17} {v['urgency']:<6} {v['domain']:<15} "
            f"{v['department'] or '':<22} due {due}"
        )
    print(f"{len(rows)} case(s)", file=sys.stderr)
    return 0


def _show(args: argparse.Namespace) -> int:
    from minsheng.services.casework import views

    _show_case(views.show(app_for(args), _ref(args.reference)), args.json)
    return 0


def _events(args: argparse.Namespace) -> int:
    from minsheng.services.casework import views

    evs = views.events(app_for(args), _ref(args.reference))
    if args.json:
        print_json(evs)
    else:
        for e in evs:
            print(
                f"{e['at']}  {e['type']:<18} {e['actor']:<20} {e['after'] or ''} {e['note'] or ''}"
            )
    return 0


def _submit(args: argparse.Namespace) -> int:
    from minsheng.services.casework import submission
    from minsheng.services.residents import intake

    channel, external_id = "cli", None
    if args.resident:
        from minsheng.services.errors import InvalidRequest
        from minsheng.services.projects.records import parse_resident

        try:
            channel, external_id = parse_resident(args.resident)
        except InvalidRequest as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    app = app_for(args)
    explicit = args.domain and args.urgency and args.kind
    classified = {} if explicit else intake.classify(app, args.text)
    view = submission.submit(
        app,
        intake.to_intake(
            classified,
            channel=channel,
            external_id=external_id,
            text=args.text,
            address=args.address,
            domain=args.domain,
            urgency=args.urgency,
            kind=args.kind,
        ),
    )
    _show_case(view, args.json)
    return 0


def _accept(args: argparse.Namespace) -> int:
    from minsheng.services.casework import staff_actions

    _show_case(
        staff_actions.accept(app_for(args), _ref(args.reference), actor=args.actor), args.json
    )
    return 0


def _transfer(args: argparse.Namespace) -> int:
    from minsheng.services.casework import staff_actions

    view = staff_actions.transfer(
        app_for(args),
        _ref(args.reference),
        to_department=args.to_department,
        to_domain=args.to_domain,
        reason=args.reason,
        actor=args.actor,
    )
    _show_case(view, args.json)
    return 0


def _resolve(args: argparse.Namespace) -> int:
    from minsheng.services.casework import staff_actions

    view = staff_actions.resolve(
        app_for(args), _ref(args.reference), note=args.note, outcome=args.outcome, actor=args.actor
    )
    _show_case(view, args.json)
    return 0


def _reopen(args: argparse.Namespace) -> int:
    from minsheng.services.casework import staff_actions

    view = staff_actions.reopen(
        app_for(args), _ref(args.reference), reason=args.reason, actor=args.actor
    )
    _show_case(view, args.json)
    return 0


def _start(args: argparse.Namespace) -> int:
    from minsheng.services.casework import staff_actions

    _show_case(
        staff_actions.start(app_for(args), _ref(args.reference), actor=args.actor), args.json
    )
    return 0


def _reply(args: argparse.Namespace) -> int:
    from minsheng.services.casework import staff_actions

    view = staff_actions.reply(
        app_for(args), _ref(args.reference), text=args.text, actor=args.actor
    )
    _show_case(view, args.json)
    return 0


def _ask(args: argparse.Namespace) -> int:
    from minsheng.services.casework import staff_actions

    view = staff_actions.ask_resident(
        app_for(args), _ref(args.reference), question=args.question, actor=args.actor
    )
    _show_case(view, args.json)
    return 0
