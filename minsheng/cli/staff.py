"""`minsheng staff`: staff accounts for the department workspace."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from minsheng.cli.common import app_for, print_json


def register(sub: Any) -> None:
    stf = sub.add_parser("staff", help="staff accounts for the department workspace")
    stf_sub = stf.add_subparsers(metavar="ACTION")
    sadd = stf_sub.add_parser("add", help="create an account; prints its credentials once")
    sadd.add_argument("--name", required=True)
    sadd.add_argument("--department", required=True, help="department id from the config")
    sadd.add_argument(
        "--role", required=True, choices=["agent", "supervisor", "triage", "admin", "evaluator"]
    )
    sadd.add_argument("--login", help="login for the console (default: generated)")
    sadd.add_argument("--json", action="store_true")
    sadd.set_defaults(func=_add)
    slst = stf_sub.add_parser("list", help="list staff accounts")
    slst.add_argument("--json", action="store_true")
    slst.set_defaults(func=_list)
    sdea = stf_sub.add_parser("deactivate", help="switch an account off (token and password)")
    sdea.add_argument("login", help="login or staff id")
    sdea.set_defaults(func=_deactivate)
    srst = stf_sub.add_parser(
        "reset-password", help="give an account a new password (shown once); its sessions end"
    )
    srst.add_argument("login", help="login or staff id")
    srst.set_defaults(func=_reset_password)
    stfa = stf_sub.add_parser(
        "reset-two-factor",
        help="clear an account's two-step sign-in (a lost phone); it must enrol again",
    )
    stfa.add_argument("login", help="login or staff id")
    stfa.set_defaults(func=_reset_two_factor)


def _add(args: argparse.Namespace) -> int:
    from minsheng.services.access import staff

    app = app_for(args)
    departments = app.settings.departments
    if args.department not in {d.id for d in departments}:
        print(f"error: unknown department '{args.department}'; valid ids:", file=sys.stderr)
        width = max(len(d.id) for d in departments)
        for d in departments:
            mark = "  (triage desk)" if d.triage else ""
            print(f"  {d.id:<{width}}  {d.name_zh} / {d.name_en}{mark}", file=sys.stderr)
        return 2
    creds = staff.add_staff(
        app, name=args.name, department=args.department, role=args.role, login=args.login
    )
    if args.json:
        print_json(
            {
                "id": creds.public_id,
                "login": creds.login,
                "token": creds.token,
                "password": creds.password,
            }
        )
    else:
        print(
            f"id        {creds.public_id}\nlogin     {creds.login}\n"
            f"password  {creds.password}\ntoken     {creds.token}"
        )
    print("these credentials are shown only now; only their hashes are kept", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    from minsheng.services.access import staff

    rows = staff.list_staff(app_for(args))
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        state = "" if r["active"] else "  (inactive)"
        print(
            f"{r['id']}  {r['login'] or '':<24} {r['role']:<10} {r['department']:<22} "
            f"{r['name']}{state}"
        )
    return 0


def _deactivate(args: argparse.Namespace) -> int:
    from minsheng.services.access import staff

    member = staff.deactivate(app_for(args), args.login)
    print(f"{member.public_id} ({member.name}) can no longer sign in", file=sys.stderr)
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    from minsheng.services.access import staff

    password = staff.reset_password(app_for(args), args.login)
    print(f"password  {password}")
    print("shown only now; every console session of the account has ended", file=sys.stderr)
    return 0


def _reset_two_factor(args: argparse.Namespace) -> int:
    from minsheng.services.access import staff

    member = staff.reset_two_factor(app_for(args), args.login)
    print(
        f"{member.public_id} ({member.name}) enrols two-step sign-in again at the next sign-in",
        file=sys.stderr,
    )
    return 0
