"""The `minsheng` command. Subcommands import what they need only when they run.

Each command group lives in its own module here with a `register(sub)` that adds its
subparsers and handlers; this module builds the parser from them and turns domain errors
into messages and exit codes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from minsheng.cli.common import SchemaOutOfDate


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Fast paths: these start in well under a second and need no database.
    if argv[:1] == ["nlu"]:
        from minsheng.cli.nlu import main as nlu_main

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
        print(f"{exc.source}: configuration has {len(exc.problems)} problem(s):", file=sys.stderr)
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
    from minsheng.cli import (
        apikey,
        bot,
        case,
        chat,
        config,
        db,
        demand,
        demo,
        nlu,
        outbox,
        privacy,
        project,
        report,
        serve,
        sla,
        staff,
        worker,
    )

    p = argparse.ArgumentParser(
        prog="minsheng",
        description="Minsheng (民生): resident intake bot and case router for city governments.",
    )
    p.add_argument("--config", help="config file (default: $MINSHENG_CONFIG or ./config.yml)")
    sub = p.add_subparsers(title="commands", metavar="COMMAND")
    # The order here is the order `minsheng --help` lists the commands in.
    for group in (
        config,
        db,
        case,
        project,
        demand,
        sla,
        report,
        apikey,
        nlu,
        chat,
        bot,
        privacy,
        serve,
        staff,
        demo,
        worker,
        outbox,
    ):
        group.register(sub)
    return p


if __name__ == "__main__":
    raise SystemExit(main())
