"""`minsheng project`: the livelihood project cycle (民生实事), as an operator.

A contract other tools rely on: `--json` prints one JSON object (the project as `show` prints
it; `list` and `sweep` print one object too), and every refused request exits 2 with one
line on stderr, changing nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

from minsheng.cli.common import app_for, print_json

STAGES = (
    "proposed",
    "street_approved",
    "department_approved",
    "approved",
    "rejected",
    "open",
    "selected",
    "not_selected",
    "in_progress",
    "completed",
    "withdrawn",
)


def register(sub: Any) -> None:
    project = sub.add_parser("project", help="livelihood projects (民生实事): propose to rating")
    ps = project.add_subparsers(metavar="ACTION")

    prp = ps.add_parser("propose", help="a candidate project from a demand topic or cases")
    prp.add_argument("--title", required=True)
    src = prp.add_mutually_exclusive_group(required=True)
    src.add_argument("--topic", help="a demand topic id (TP-…, see `minsheng demand clusters`)")
    src.add_argument("--cases", help="case references, comma-separated")
    prp.add_argument("--department", required=True, help="the department in charge (an id)")
    prp.add_argument("--year", required=True, type=int, help="the plan year")
    prp.add_argument("--domain")
    prp.add_argument("--budget", type=float, help="in yuan")
    prp.add_argument("--description")
    prp.add_argument("--area")
    _common(prp, _propose, ref=False)

    rev = ps.add_parser("review", help="the street, department or expert review")
    rev.add_argument("--stage", required=True, choices=["street", "department", "expert"])
    rev.add_argument("--decision", required=True, choices=["approve", "reject"])
    rev.add_argument("--note", default=None)
    _common(rev, _review)

    for name, helptext in (
        ("publish", "open an approved project for residents' backing"),
        ("select", "select an open project for this year's plan"),
        ("complete", "record completion; asks backers and linked residents to rate it"),
    ):
        p = ps.add_parser(name, help=helptext)
        p.add_argument("--note", default=None)
        _common(p, _simple(name))
    nsl = ps.add_parser("not-select", help="decide not to take an open project on")
    nsl.add_argument("--note", default=None)
    _common(nsl, _simple("not_select"))

    bck = ps.add_parser("back", help="record a resident's backing (collected offline)")
    bck.add_argument("--resident", required=True, help="CHANNEL:ID, e.g. offline:13800000000")
    _common(bck, _back)

    asg = ps.add_parser("assign", help="set the lead department and the default milestones")
    asg.add_argument("--department", required=True)
    asg.add_argument("--note", default=None)
    _common(asg, _assign)

    prg = ps.add_parser("progress", help="record progress (percent and what was done)")
    prg.add_argument("--percent", required=True, type=int)
    prg.add_argument("--note", required=True)
    prg.add_argument("--photo", help="path of a photo already stored")
    _common(prg, _progress)

    rat = ps.add_parser("rate", help="record a resident's 1–5 score (collected offline)")
    rat.add_argument("--resident", required=True, help="CHANNEL:ID")
    rat.add_argument("--score", required=True, type=int, choices=[1, 2, 3, 4, 5])
    _common(rat, _rate)

    wdr = ps.add_parser("withdraw", help="withdraw a project before completion")
    wdr.add_argument("--note", required=True)
    _common(wdr, _withdraw)

    shw = ps.add_parser("show", help="one project")
    _common(shw, _show, actor=False)

    lst = ps.add_parser("list", help="projects, newest plan year first")
    lst.add_argument("--stage", choices=STAGES)
    lst.add_argument("--domain")
    lst.add_argument("--department")
    lst.add_argument("--year", type=int)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_guarded(_list))

    swp = ps.add_parser("sweep", help="the daily milestone check, for a given day")
    swp.add_argument("--today", type=dt.date.fromisoformat, help="YYYY-MM-DD (default: today)")
    swp.add_argument("--json", action="store_true")
    swp.set_defaults(func=_guarded(_sweep))


def _common(
    p: argparse.ArgumentParser,
    func: Callable[[argparse.Namespace], dict[str, Any]],
    *,
    ref: bool = True,
    actor: bool = True,
) -> None:
    if ref:
        p.add_argument("reference", help="PJ-YYYY-XXXX")
    if actor:
        p.add_argument("--actor", default="operator", help="who acts (recorded in the event log)")
    p.add_argument("--json", action="store_true", help="the project as one JSON object")
    p.set_defaults(func=_guarded(lambda args: _print(func(args), args.json)))


def _guarded(func: Callable[[argparse.Namespace], Any]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from minsheng.services.errors import CaseNotFound, DomainError

        try:
            func(args)
        except CaseNotFound as exc:
            print(f"error: no case with reference {exc.reference}", file=sys.stderr)
            return 2
        except DomainError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0

    return run


def _print(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(view)
        return
    review = f" ({view['pending_review']} review due)" if view.get("pending_review") else ""
    print(f"{view['reference']}  {view['title']}")
    print(f"  stage       {view['stage']}{review}")
    print(f"  domain      {view['domain']}   area {view.get('area') or '—'}")
    print(f"  department  {view.get('department') or '—'}   year {view['year']}")
    print(f"  cases       {', '.join(view['cases']) or '—'}")
    print(f"  backers     {view['backers']}")
    sup = "  挂牌督办 SUPERVISED" if view["supervised"] else ""
    print(f"  progress    {view['progress']} %{sup}")
    for m in view["milestones"]:
        met = {True: "met", False: "MISSED", None: "not due"}[m["met"]]
        print(f"    {m['due']}  {m['percent']:>3} %  {met}")
    mean = view["rating_mean"] if view["rating_mean"] is not None else "not enough data"
    print(f"  ratings     {view['ratings']} (mean {mean})")
    a = view["awareness"]
    print(
        f"  awareness   audience {a['audience']}, delivered {a['delivered']}, opened {a['opened']}"
    )


def _app(args: argparse.Namespace) -> Any:
    return app_for(args)


def _propose(args: argparse.Namespace) -> dict[str, Any]:
    from minsheng.services.projects import cycle

    cases = [c for c in (args.cases or "").split(",") if c.strip()]
    return cycle.propose(
        _app(args),
        title=args.title,
        department=args.department,
        year=args.year,
        topic=args.topic,
        cases=cases,
        domain=args.domain,
        budget=args.budget,
        description=args.description,
        area=args.area,
        actor=args.actor,
    )


def _review(args: argparse.Namespace) -> dict[str, Any]:
    from minsheng.services.projects import cycle

    return cycle.review(
        _app(args),
        args.reference,
        stage=args.stage,
        decision=args.decision,
        note=args.note,
        actor=args.actor,
    )


def _simple(name: str) -> Callable[[argparse.Namespace], dict[str, Any]]:
    def run(args: argparse.Namespace) -> dict[str, Any]:
        from minsheng.services.projects import cycle

        use_case = {
            "publish": cycle.publish,
            "select": cycle.select_project,
            "not_select": cycle.not_select,
            "complete": cycle.complete,
        }[name]
        return use_case(_app(args), args.reference, actor=args.actor, note=args.note)

    return run


def _back(args: argparse.Namespace) -> dict[str, Any]:
    from minsheng.services.projects import backing, records

    channel, external_id = records.parse_resident(args.resident)
    view = backing.back(
        _app(args),
        args.reference,
        channel=channel,
        external_id=external_id,
        source="offline",
        recorded_by=args.actor,
    )
    if not view.pop("backed"):
        print(
            f"{args.resident} already backs {view['reference']}; nothing changed", file=sys.stderr
        )
    return view


def _assign(args: argparse.Namespace) -> dict[str, Any]:
    from minsheng.services.projects import cycle

    return cycle.assign(
        _app(args), args.reference, department=args.department, actor=args.actor, note=args.note
    )


def _progress(args: argparse.Namespace) -> dict[str, Any]:
    from minsheng.services.projects import cycle

    return cycle.progress(
        _app(args),
        args.reference,
        percent=args.percent,
        note=args.note,
        photo=args.photo,
        actor=args.actor,
    )


def _rate(args: argparse.Namespace) -> dict[str, Any]:
    from minsheng.services.projects import backing, records

    channel, external_id = records.parse_resident(args.resident)
    view = backing.rate(
        _app(args),
        args.reference,
        channel=channel,
        external_id=external_id,
        score=args.score,
        source="offline",
        recorded_by=args.actor,
    )
    if not view.pop("rated"):
        print(
            f"{args.resident} already rated {view['reference']}; nothing changed", file=sys.stderr
        )
    return view


def _withdraw(args: argparse.Namespace) -> dict[str, Any]:
    from minsheng.services.projects import cycle

    return cycle.withdraw(_app(args), args.reference, note=args.note, actor=args.actor)


def _show(args: argparse.Namespace) -> dict[str, Any]:
    from minsheng.services.projects import views

    return views.show(_app(args), args.reference)


def _list(args: argparse.Namespace) -> None:
    from minsheng.services.projects import views

    rows = views.list_projects(
        _app(args),
        stage=[args.stage] if args.stage else None,
        domain=args.domain,
        department=args.department,
        year=args.year,
    )
    if args.json:
        print_json({"projects": rows, "count": len(rows)})
        return
    for v in rows:
        print(
            f"{v['reference']}  {v['stage']:<19} {v['domain']:<15} {v['department'] or '—':<20} "
            f"{v['progress']:>3} %  {v['backers']} backer(s)  {v['title']}"
        )
    print(f"{len(rows)} project(s)", file=sys.stderr)


def _sweep(args: argparse.Namespace) -> None:
    from minsheng.services.projects import sweep

    result = sweep.run(_app(args), args.today)
    if args.json:
        print_json(result)
        return
    print(
        f"{result['today']}: {result['projects']} project(s) in progress, "
        f"{result['warnings']} warning(s), {result['supervised']} newly supervised, "
        f"{result['cleared']} cleared, {result['rating_reminders']} rating reminder(s)"
    )
