"""`minsheng nlu`: delegated to nlu.cli, which has its own parser, except `corrections`.

`minsheng nlu corrections` reads the database, so it lives here and not in nlu/ (which imports
nothing of ours); every other `nlu` subcommand starts without loading the service layer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CORRECTIONS_HELP = "write staff corrections of domain, urgency and kind as Rasa 3.1 NLU YAML"


def register(sub: Any) -> None:
    # main() hands `nlu ...` to nlu.cli before parsing; this entry catches `--config X nlu ...`.
    p = sub.add_parser("nlu", help="classify, train and evaluate (see `minsheng nlu --help`)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_from_main_parser)


def _from_main_parser(args: argparse.Namespace) -> int:
    rest = list(args.rest)
    if rest[:1] == ["corrections"] and args.config and "--config" not in rest:
        rest += ["--config", args.config]
    return main(rest)


def main(argv: Sequence[str]) -> int:
    argv = list(argv)
    if argv[:1] == ["corrections"]:
        return corrections_main(argv[1:])
    from nlu.cli import main as nlu_main

    try:
        return nlu_main(argv)
    except SystemExit as exc:
        if argv in ([], ["-h"], ["--help"]):
            print(f"\nalso:\n  corrections           {CORRECTIONS_HELP}")
        raise exc


def _corrections_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="minsheng nlu corrections",
        description=CORRECTIONS_HELP + "; train on it with `minsheng nlu train --extra FILE`.",
    )
    p.add_argument("--out", required=True, type=Path, help="file to write (Rasa nlu.yml)")
    p.add_argument(
        "--since",
        type=_since,
        help="only corrections made on or after this date (YYYY-MM-DD, local time) or ISO time",
    )
    p.add_argument("--config", help="config file (default: $MINSHENG_CONFIG or ./config.yml)")
    return p


def _since(text: str) -> dt.date | dt.datetime:
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date: {text!r} (expected YYYY-MM-DD or an ISO date and time)"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone (add +08:00 or Z)")
    return moment


def corrections_main(argv: Sequence[str]) -> int:
    args = _corrections_parser().parse_args(list(argv))
    from minsheng import logs
    from minsheng.cli import _run

    logs.setup()
    args.func = _write_corrections
    return _run(args)


def _write_corrections(args: argparse.Namespace) -> int:
    from minsheng.cli.common import app_for
    from minsheng.services.casework import corrections
    from nlu.rasa_yaml import Example, dump_examples

    app = app_for(args)
    since = args.since
    if isinstance(since, dt.date) and not isinstance(since, dt.datetime):
        since = dt.datetime.combine(since, dt.time(), tzinfo=app.tz)
    found = corrections.latest(app, since)
    examples = [Example(text=c.text, intent=c.corrected, axis=c.axis) for c in found]
    counts = {axis: sum(1 for c in found if c.axis == axis) for axis in corrections.AXES}
    header = (
        "Minsheng staff corrections: messages whose domain, urgency or kind staff changed,\n"
        "labelled with the corrected value (the axis is each intent's metadata).\n"
        f"since: {since.isoformat() if since else 'the beginning'}; "
        + ", ".join(f"{axis} {n}" for axis, n in counts.items())
    )
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(dump_examples(examples, header), encoding="utf-8")
    except OSError as exc:
        print(f"minsheng nlu corrections: cannot write {args.out}: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {len(examples)} corrected labels ({', '.join(f'{a}: {n}' for a, n in counts.items())})"
        f" -> {args.out}",
        file=sys.stderr,
    )
    return 0
