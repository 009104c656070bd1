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
        from minsheng.cli.sla import main as sla_main

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
    from minsheng.config.settings import ConfigError
    from minsheng.services.errors import CaseNotFound, DomainError

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
    stt = case_sub.add_parser("start", help="mark an accepted case as in progress")
    stt.add_argument("reference")
    _actor_args(stt)
    stt.set_defaults(func=_case_start)
    rpl = case_sub.add_parser("reply", help="send the resident a message through their channel")
    rpl.add_argument("reference")
    rpl.add_argument("--text", required=True)
    _actor_args(rpl)
    rpl.set_defaults(func=_case_reply)
    ask = case_sub.add_parser("ask", help="ask the resident for more information")
    ask.add_argument("reference")
    ask.add_argument("--question", required=True)
    _actor_args(ask)
    ask.set_defaults(func=_case_ask)

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

    key = sub.add_parser("apikey", help="API keys for Open311 clients")
    key_sub = key.add_subparsers(metavar="ACTION")
    kcr = key_sub.add_parser("create", help="create a key; prints it alone on stdout, once")
    kcr.add_argument("--name", required=True, help="who the key is for")
    kcr.set_defaults(func=_apikey_create)
    kls = key_sub.add_parser("list", help="list keys (never the keys themselves)")
    kls.add_argument("--json", action="store_true")
    kls.set_defaults(func=_apikey_list)
    krv = key_sub.add_parser("revoke", help="switch a key off")
    krv.add_argument("id", type=int)
    krv.set_defaults(func=_apikey_revoke)

    sub.add_parser("nlu", help="classify, train and evaluate (see `minsheng nlu --help`)")

    chat = sub.add_parser("chat", help="talk to the intake bot in this terminal, as a resident")
    chat.set_defaults(func=_chat)

    bot = sub.add_parser("bot", help="run the Telegram bot (polling; needs MINSHENG_TELEGRAM_TOKEN)")
    bot.add_argument("--webhook", action="store_true",
                     help="receive updates on a webhook instead of polling (see webhook.* in "
                          "the config and MINSHENG_TELEGRAM_WEBHOOK_SECRET)")
    bot.set_defaults(func=_bot)

    prv = sub.add_parser("privacy", help="residents' data: retention")
    prv_sub = prv.add_subparsers(metavar="ACTION")
    ret = prv_sub.add_parser("retention", help="anonymise contact details on cases closed "
                             "more than privacy.retention_months ago")
    ret.add_argument("--dry-run", action="store_true", help="count only; change nothing")
    ret.add_argument("--json", action="store_true")
    ret.set_defaults(func=_privacy_retention)

    srv = sub.add_parser("serve", help="run the web service (API, jobs, Telegram if configured)")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8000)
    srv.set_defaults(func=_serve)

    stf = sub.add_parser("staff", help="staff accounts for the department workspace")
    stf_sub = stf.add_subparsers(metavar="ACTION")
    sadd = stf_sub.add_parser("add", help="create an account; prints its credentials once")
    sadd.add_argument("--name", required=True)
    sadd.add_argument("--department", required=True, help="department id from the config")
    sadd.add_argument("--role", required=True, choices=["agent", "supervisor", "triage", "admin"])
    sadd.add_argument("--login", help="login for the console (default: generated)")
    sadd.add_argument("--json", action="store_true")
    sadd.set_defaults(func=_staff_add)
    slst = stf_sub.add_parser("list", help="list staff accounts")
    slst.add_argument("--json", action="store_true")
    slst.set_defaults(func=_staff_list)
    sdea = stf_sub.add_parser("deactivate", help="switch an account off (token and password)")
    sdea.add_argument("login", help="login or staff id")
    sdea.set_defaults(func=_staff_deactivate)
    wrk = sub.add_parser("worker", help="run a Celery worker (needs MINSHENG_REDIS_URL)")
    wrk.add_argument("--concurrency", type=int, help="worker processes (default: CPUs)")
    wrk.add_argument("--send-rate", type=float,
                     help="Telegram messages per second shared by all workers (default 28)")
    wrk.add_argument("--loglevel", default="INFO")
    wrk.add_argument("--queue", default="minsheng",
                     help="Celery queue (give each deployment sharing a Redis its own)")
    wrk.set_defaults(func=_worker)
    bt = sub.add_parser("beat", help="run the job scheduler and the outbox relay "
                        "(exactly one per deployment; needs MINSHENG_REDIS_URL)")
    bt.add_argument("--sweep-every", type=float, default=60.0, help="seconds between SLA sweeps")
    bt.add_argument("--loglevel", default="INFO")
    bt.add_argument("--queue", default="minsheng", help="Celery queue the workers read")
    bt.set_defaults(func=_beat)
    obx = sub.add_parser("outbox", help="messages that could not be delivered")
    obx_sub = obx.add_subparsers(metavar="ACTION")
    odd = obx_sub.add_parser("dead", help="list dead messages, newest first")
    odd.add_argument("--limit", type=int, default=200)
    odd.add_argument("--json", action="store_true")
    odd.set_defaults(func=_outbox_dead)
    ort = obx_sub.add_parser("retry", help="send dead messages again")
    ort.add_argument("ids", nargs="*", type=int, metavar="ID")
    ort.add_argument("--all", action="store_true", help="every dead message")
    ort.set_defaults(func=_outbox_retry)
    return p


def _actor_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--actor", default="operator", help="who acts (recorded in the event log)")
    p.add_argument("--json", action="store_true")


class SchemaOutOfDate(Exception):
    """The database is not at the schema this release needs."""


def _app(args: argparse.Namespace, *, check_schema: bool = True) -> Any:
    from minsheng.config.settings import load_settings
    from minsheng.services.bootstrap import bootstrap

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
    from minsheng.config.settings import load_settings

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
    from minsheng.services.casework import cases

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
    from minsheng.services.casework import cases

    _show_case(cases.show(_app(args), _ref(args.reference)), args.json)
    return 0


def _case_events(args: argparse.Namespace) -> int:
    from minsheng.services.casework import cases

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
    from minsheng.services.casework import cases
    from minsheng.services.residents import intake

    app = _app(args)
    explicit = args.domain and args.urgency and args.kind
    classified = {} if explicit else intake.classify(app, args.text)
    view = cases.submit(app, intake.to_intake(
        classified, channel="cli", text=args.text, address=args.address,
        domain=args.domain, urgency=args.urgency, kind=args.kind))
    _show_case(view, args.json)
    return 0


def _case_accept(args: argparse.Namespace) -> int:
    from minsheng.services.casework import cases

    _show_case(cases.accept(_app(args), _ref(args.reference), actor=args.actor), args.json)
    return 0


def _case_transfer(args: argparse.Namespace) -> int:
    from minsheng.services.casework import cases

    view = cases.transfer(_app(args), _ref(args.reference), to_department=args.to_department,
                          to_domain=args.to_domain, reason=args.reason, actor=args.actor)
    _show_case(view, args.json)
    return 0


def _case_resolve(args: argparse.Namespace) -> int:
    from minsheng.services.casework import cases

    view = cases.resolve(_app(args), _ref(args.reference), note=args.note,
                         outcome=args.outcome, actor=args.actor)
    _show_case(view, args.json)
    return 0


def _case_reopen(args: argparse.Namespace) -> int:
    from minsheng.services.casework import cases

    view = cases.reopen(_app(args), _ref(args.reference), reason=args.reason, actor=args.actor)
    _show_case(view, args.json)
    return 0


def _case_start(args: argparse.Namespace) -> int:
    from minsheng.services.casework import cases

    _show_case(cases.start(_app(args), _ref(args.reference), actor=args.actor), args.json)
    return 0


def _case_reply(args: argparse.Namespace) -> int:
    from minsheng.services.casework import cases

    view = cases.reply(_app(args), _ref(args.reference), text=args.text, actor=args.actor)
    _show_case(view, args.json)
    return 0


def _case_ask(args: argparse.Namespace) -> int:
    from minsheng.services.casework import cases

    view = cases.ask_resident(_app(args), _ref(args.reference), question=args.question,
                              actor=args.actor)
    _show_case(view, args.json)
    return 0


def _sla_sweep(args: argparse.Namespace) -> int:
    from minsheng.services.sla import sweep

    result = sweep.run(_app(args))
    if args.json:
        _print_json(result)
    else:
        print(f"checked {result['checked']} case(s), raised {result['alerts']} alert(s), "
              f"escalated {result['escalated']}, survey reminders "
              f"{result['survey_reminders']}, closed unrated {result['closed_unrated']}")
    return 0


def _sla_overdue(args: argparse.Namespace) -> int:
    from minsheng.services.sla import sweep

    rows = sweep.overdue(_app(args), department=args.department)
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        print("  ".join(f"{v}" for v in row.values()))
    print(f"{len(rows)} overdue case(s)", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from minsheng.services.reporting import reports

    app = _app(args)
    rows = reports.department_rates(app, args.date_from, args.date_to)
    if args.json:
        _print_json(rows)
        return 0
    print(reports.format_table(rows))
    return 0


def _apikey_create(args: argparse.Namespace) -> int:
    from minsheng.services.access import apikeys

    print(apikeys.create(_app(args), args.name))
    print("this key is shown only now; only its hash is kept", file=sys.stderr)
    return 0


def _apikey_list(args: argparse.Namespace) -> int:
    from minsheng.services.access import apikeys

    rows = apikeys.list_keys(_app(args))
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        state = "active" if row["active"] else "revoked"
        print(f"{row['id']:>4}  {state:<8} {row['created_at'][:19]}  {row['name']}")
    return 0


def _apikey_revoke(args: argparse.Namespace) -> int:
    from minsheng.services.access import apikeys

    row = apikeys.revoke(_app(args), args.id)
    print(f"API key {row['id']} ({row['name']}) revoked", file=sys.stderr)
    return 0


def _chat(args: argparse.Namespace) -> int:
    from minsheng.channels import terminal as console

    return console.run(_app(args))


def _bot(args: argparse.Namespace) -> int:
    app = _app(args)
    if app.settings.telegram_token is None:
        print("error: set MINSHENG_TELEGRAM_TOKEN to the bot's token from @BotFather",
              file=sys.stderr)
        return 2
    if args.webhook:
        from minsheng.web.routes import telegram_webhook

        return int(telegram_webhook.run(app))
    if app.settings.webhook.enabled:
        print("error: webhook.enabled is true in the config, so updates arrive on the webhook; "
              "set it to false to poll, or run `minsheng bot --webhook`", file=sys.stderr)
        return 2
    from minsheng.channels import telegram

    return int(telegram.run_polling(app))


def _privacy_retention(args: argparse.Namespace) -> int:
    from minsheng.services.rights import retention

    summary = retention.run(_app(args), dry_run=args.dry_run)
    if args.json:
        _print_json(summary)
        return 0
    verb = "would be anonymised" if summary["dry_run"] else "anonymised"
    print(f"{summary['cases']} case(s) closed before {summary['cutoff'][:10]} {verb}; "
          f"{summary['residents_cleared']} resident record(s) cleared")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from minsheng.web.app import create_app

    app = _app(args)
    # log_config=None keeps our redacting formatter on uvicorn's loggers too.
    uvicorn.run(create_app(app, background=True), host=args.host, port=args.port,
                log_config=None, proxy_headers=False)
    return 0


def _staff_add(args: argparse.Namespace) -> int:
    from minsheng.services.access import staff

    creds = staff.add_staff(_app(args), name=args.name, department=args.department,
                            role=args.role, login=args.login)
    if args.json:
        _print_json({"id": creds.public_id, "login": creds.login, "token": creds.token,
                     "password": creds.password})
    else:
        print(f"id        {creds.public_id}\nlogin     {creds.login}\n"
              f"password  {creds.password}\ntoken     {creds.token}")
    print("these credentials are shown only now; only their hashes are kept", file=sys.stderr)
    return 0


def _staff_list(args: argparse.Namespace) -> int:
    from minsheng.services.access import staff

    rows = staff.list_staff(_app(args))
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        state = "" if r["active"] else "  (inactive)"
        print(f"{r['id']}  {r['login'] or '':<24} {r['role']:<10} {r['department']:<22} "
              f"{r['name']}{state}")
    return 0


def _staff_deactivate(args: argparse.Namespace) -> int:
    from minsheng.services.access import staff

    member = staff.deactivate(_app(args), args.login)
    print(f"{member.public_id} ({member.name}) can no longer sign in", file=sys.stderr)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from minsheng.worker import cli as worker_cli

    return worker_cli.run_worker(_app(args), concurrency=args.concurrency,
                                 loglevel=args.loglevel, send_rate=args.send_rate,
                                 queue=args.queue)


def _beat(args: argparse.Namespace) -> int:
    from minsheng.worker import cli as worker_cli

    return worker_cli.run_beat(_app(args), sweep_every=args.sweep_every, loglevel=args.loglevel,
                               queue=args.queue)


def _outbox_dead(args: argparse.Namespace) -> int:
    from minsheng.services.messaging import outbox_admin

    rows = outbox_admin.dead(_app(args), limit=args.limit)
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        print(f"{r['id']}  {r['channel']:<9} {r['type'] or '':<16} {r['reference'] or '':<15} "
              f"attempts {r['attempts']}  {r['last_error'] or ''}")
    print(f"{len(rows)} dead message(s)", file=sys.stderr)
    return 0


def _outbox_retry(args: argparse.Namespace) -> int:
    from minsheng.services.messaging import outbox_admin

    if not args.ids and not args.all:
        print("error: name the message ids to retry, or --all", file=sys.stderr)
        return 2
    ids = outbox_admin.retry(_app(args), args.ids, all_dead=args.all)
    print(f"re-queued {len(ids)} message(s){': ' if ids else ''}"
          f"{' '.join(str(i) for i in ids)}", file=sys.stderr)
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
