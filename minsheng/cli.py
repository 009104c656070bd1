"""The `minsheng` command. Subcommands import what they need only when they run."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Fast paths: these start in well under a second and need no database.
    if argv[:1] == ["nlu"]:
        from nlu.cli import main as nlu_main

        return nlu_main(argv[1:])
    if argv[:2] == ["sla", "deadline"]:
        from minsheng.sla_cli import main as sla_main

        return sla_main(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from minsheng import logs

    logs.setup()
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from minsheng.settings import ConfigError
    from services.errors import CaseNotFound, DomainError

    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"{exc.source}: configuration has {len(exc.problems)} problem(s):",
              file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except CaseNotFound as exc:
        print(f"error: no case with reference {exc.reference}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SchemaOutOfDate as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="minsheng",
        description="Minsheng (民生): resident intake bot and case router for city governments.",
    )
    p.add_argument("--config", help="config file (default: $MINSHENG_CONFIG or ./config.yml)")
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    cfg = sub.add_parser("config", help="check a configuration file")
    cfg_sub = cfg.add_subparsers(metavar="ACTION")
    check = cfg_sub.add_parser("check", help="validate a config; exit 2 listing every problem")
    check.add_argument("path", nargs="?")
    check.set_defaults(func=_config_check)

    db = sub.add_parser("db", help="database schema migrations")
    db_sub = db.add_subparsers(metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="migrate the database to the latest schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_db_upgrade)
    down = db_sub.add_parser("downgrade", help="migrate the database back")
    down.add_argument("revision", nargs="?", default="-1")
    down.set_defaults(func=_db_downgrade)
    cur = db_sub.add_parser("current", help="print the schema revision")
    cur.set_defaults(func=_db_current)

    case = sub.add_parser("case", help="look at and act on cases (operators)")
    case_sub = case.add_subparsers(metavar="ACTION")
    lst = case_sub.add_parser("list", help="list cases")
    lst.add_argument("--department")
    lst.add_argument("--status", action="append")
    lst.add_argument("--json", action="store_true", help="a JSON array on stdout")
    lst.set_defaults(func=_case_list)
    shw = case_sub.add_parser("show", help="show one case")
    shw.add_argument("reference")
    shw.add_argument("--json", action="store_true", help="one flat JSON object on stdout")
    shw.set_defaults(func=_case_show)
    evs = case_sub.add_parser("events", help="the case's event log")
    evs.add_argument("reference")
    evs.add_argument("--json", action="store_true")
    evs.set_defaults(func=_case_events)
    sbm = case_sub.add_parser("submit", help="submit a case as a resident would")
    sbm.add_argument("--text", required=True)
    sbm.add_argument("--domain")
    sbm.add_argument("--urgency")
    sbm.add_argument("--kind")
    sbm.add_argument("--address")
    sbm.add_argument("--json", action="store_true")
    sbm.set_defaults(func=_case_submit)
    acc = case_sub.add_parser("accept", help="accept a case for the department")
    acc.add_argument("reference")
    _actor_args(acc)
    acc.set_defaults(func=_case_accept)
    trf = case_sub.add_parser("transfer", help="return a misrouted case to another department")
    trf.add_argument("reference")
    trf.add_argument("--to", dest="to_department",
                     help="target department id (omit to return it to the triage desk)")
    trf.add_argument("--domain", dest="to_domain", help="the correct domain, if known")
    trf.add_argument("--reason", required=True)
    _actor_args(trf)
    trf.set_defaults(func=_case_transfer)
    res = case_sub.add_parser("resolve", help="record the department's resolution")
    res.add_argument("reference")
    res.add_argument("--note", required=True, help="what was done, as the resident will read it")
    res.add_argument("--outcome", default="resolved",
                     choices=["resolved", "not_responsible", "unresolved"])
    _actor_args(res)
    res.set_defaults(func=_case_resolve)
    rop = case_sub.add_parser("reopen", help="reopen a resolved or closed case")
    rop.add_argument("reference")
    rop.add_argument("--reason", required=True)
    _actor_args(rop)
    rop.set_defaults(func=_case_reopen)

    sla = sub.add_parser("sla", help="working-day deadlines and the SLA sweep")
    sla_sub = sla.add_subparsers(metavar="ACTION")
    sla_sub.add_parser("deadline", help="the deadline N working days after a moment "
                       "(see `minsheng sla deadline --help`)")
    swp = sla_sub.add_parser("sweep", help="raise due warnings and breaches now")
    swp.add_argument("--json", action="store_true")
    swp.set_defaults(func=_sla_sweep)

    ovd = sla_sub.add_parser("overdue", help="open cases past a deadline, most overdue first")
    ovd.add_argument("--department")
    ovd.add_argument("--json", action="store_true")
    ovd.set_defaults(func=_sla_overdue)

    rep = sub.add_parser("report", help="response, resolution and satisfaction rates")
    rep.add_argument("--from", dest="date_from")
    rep.add_argument("--to", dest="date_to")
    rep.add_argument("--json", action="store_true")
    rep.set_defaults(func=_report)

    sub.add_parser("nlu", help="classify, train and evaluate (see `minsheng nlu --help`)")

    chat = sub.add_parser("chat", help="talk to the intake bot in this terminal, as a resident")
    chat.set_defaults(func=_chat)

    bot = sub.add_parser("bot", help="run the Telegram bot (polling; needs MINSHENG_TELEGRAM_TOKEN)")
    bot.set_defaults(func=_bot)
    return p


def _actor_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--actor", default="operator", help="who acts (recorded in the event log)")
    p.add_argument("--json", action="store_true")


class SchemaOutOfDate(Exception):
    """The database is not at the schema this release needs."""


def _app(args: argparse.Namespace, *, check_schema: bool = True) -> Any:
    from minsheng.settings import load_settings
    from services.bootstrap import bootstrap

    app = bootstrap(load_settings(args.config))
    if check_schema:
        from case_store import migrate

        current, head = migrate.current_revision(app.engine), migrate.head_revision()
        if current != head:
            raise SchemaOutOfDate(
                f"the database schema is at {current or 'nothing (empty database)'}, this "
                f"release needs {head}: run `minsheng db upgrade` (or `make run`) first")
    return app


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=None)
    sys.stdout.write("\n")


def _config_check(args: argparse.Namespace) -> int:
    from minsheng.settings import load_settings

    settings = load_settings(args.path or args.config)
    print(f"{settings.config_path}: OK ({len(settings.departments)} departments, "
          f"triage desk {settings.triage_department.id})")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from case_store import migrate

    app = _app(args, check_schema=False)
    migrate.upgrade(app.engine, args.revision)
    print(f"database at revision {migrate.current_revision(app.engine)}", file=sys.stderr)
    return 0


def _db_downgrade(args: argparse.Namespace) -> int:
    from case_store import migrate

    app = _app(args, check_schema=False)
    migrate.downgrade(app.engine, args.revision)
    print(f"database at revision {migrate.current_revision(app.engine)}", file=sys.stderr)
    return 0


def _db_current(args: argparse.Namespace) -> int:
    from case_store import migrate

    print(migrate.current_revision(_app(args, check_schema=False).engine) or "(empty)")
    return 0


def _show_case(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _print_json(view)
        return
    width = max(len(k) for k in view)
    for key, value in view.items():
        print(f"{key:<{width}}  {'' if value is None else value}")


def _case_list(args: argparse.Namespace) -> int:
    from services import cases

    views = cases.list_all(_app(args), department=args.department, status=args.status)
    if args.json:
        _print_json(views)
        return 0
    for v in views:
        due = (v["resolution_due_at"] or "")[:10]
        print(f"{v['reference']}  {v['status']:<17} {v['urgency']:<6} {v['domain']:<15} "
              f"{v['department'] or '':<22} due {due}")
    print(f"{len(views)} case(s)", file=sys.stderr)
    return 0


def _case_show(args: argparse.Namespace) -> int:
    from services import cases

    _show_case(cases.show(_app(args), _ref(args.reference)), args.json)
    return 0


def _case_events(args: argparse.Namespace) -> int:
    from services import cases

    evs = cases.events(_app(args), _ref(args.reference))
    if args.json:
        _print_json(evs)
    else:
        for e in evs:
            print(f"{e['at']}  {e['type']:<18} {e['actor']:<20} {e['after'] or ''} "
                  f"{e['note'] or ''}")
    return 0


def _ref(text: str) -> str:
    from case_store.references import normalise_reference

    return normalise_reference(text) or text


def _case_submit(args: argparse.Namespace) -> int:
    from services import cases, intake

    app = _app(args)
    explicit = args.domain and args.urgency and args.kind
    classified = {} if explicit else intake.classify(app, args.text)
    view = cases.submit(app, intake.to_intake(
        classified, channel="cli", text=args.text, address=args.address,
        domain=args.domain, urgency=args.urgency, kind=args.kind))
    _show_case(view, args.json)
    return 0


def _case_accept(args: argparse.Namespace) -> int:
    from services import cases

    _show_case(cases.accept(_app(args), _ref(args.reference), actor=args.actor), args.json)
    return 0


def _case_transfer(args: argparse.Namespace) -> int:
    from services import cases

    view = cases.transfer(_app(args), _ref(args.reference), to_department=args.to_department,
                          to_domain=args.to_domain, reason=args.reason, actor=args.actor)
    _show_case(view, args.json)
    return 0


def _case_resolve(args: argparse.Namespace) -> int:
    from services import cases

    view = cases.resolve(_app(args), _ref(args.reference), note=args.note,
                         outcome=args.outcome, actor=args.actor)
    _show_case(view, args.json)
    return 0


def _case_reopen(args: argparse.Namespace) -> int:
    from services import cases

    view = cases.reopen(_app(args), _ref(args.reference), reason=args.reason, actor=args.actor)
    _show_case(view, args.json)
    return 0


def _sla_sweep(args: argparse.Namespace) -> int:
    from services import sweep

    result = sweep.run(_app(args))
    if args.json:
        _print_json(result)
    else:
        print(f"checked {result['checked']} case(s), raised {result['alerts']} alert(s), "
              f"escalated {result['escalated']}, survey reminders "
              f"{result['survey_reminders']}, closed unrated {result['closed_unrated']}")
    return 0


def _sla_overdue(args: argparse.Namespace) -> int:
    from services import sweep

    rows = sweep.overdue(_app(args), department=args.department)
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        print("  ".join(f"{v}" for v in row.values()))
    print(f"{len(rows)} overdue case(s)", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from services import reports

    app = _app(args)
    rows = reports.department_rates(app, args.date_from, args.date_to)
    if args.json:
        _print_json(rows)
        return 0
    print(reports.format_table(rows))
    return 0


def _chat(args: argparse.Namespace) -> int:
    from bot import console

    return console.run(_app(args))


def _bot(args: argparse.Namespace) -> int:
    app = _app(args)
    if app.settings.telegram_token is None:
        print("error: set MINSHENG_TELEGRAM_TOKEN to the bot's token from @BotFather",
              file=sys.stderr)
        return 2
    from bot import telegram

    return int(telegram.run_polling(app))


if __name__ == "__main__":
    raise SystemExit(main())
