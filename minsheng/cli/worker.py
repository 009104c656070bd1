"""`minsheng worker` and `minsheng beat`: the Celery worker and the job scheduler."""

from __future__ import annotations

import argparse
from typing import Any

from minsheng.cli.common import app_for


def register(sub: Any) -> None:
    wrk = sub.add_parser("worker", help="run a Celery worker (needs MINSHENG_REDIS_URL)")
    wrk.add_argument("--concurrency", type=int, help="worker processes (default: CPUs)")
    wrk.add_argument(
        "--send-rate",
        type=float,
        help="Telegram messages per second shared by all workers (default 28)",
    )
    wrk.add_argument("--loglevel", default="INFO")
    wrk.add_argument(
        "--queue",
        default="minsheng",
        help="Celery queue (give each deployment sharing a Redis its own)",
    )
    wrk.set_defaults(func=_worker)
    bt = sub.add_parser(
        "beat",
        help="run the job scheduler and the outbox relay "
        "(exactly one per deployment; needs MINSHENG_REDIS_URL)",
    )
    bt.add_argument("--sweep-every", type=float, default=60.0, help="seconds between SLA sweeps")
    bt.add_argument("--loglevel", default="INFO")
    bt.add_argument("--queue", default="minsheng", help="Celery queue the workers read")
    bt.set_defaults(func=_beat)


def _worker(args: argparse.Namespace) -> int:
    from minsheng.worker import cli as worker_cli

    return worker_cli.run_worker(
        app_for(args),
        concurrency=args.concurrency,
        loglevel=args.loglevel,
        send_rate=args.send_rate,
        queue=args.queue,
    )


def _beat(args: argparse.Namespace) -> int:
    from minsheng.worker import cli as worker_cli

    return worker_cli.run_beat(
        app_for(args), sweep_every=args.sweep_every, loglevel=args.loglevel, queue=args.queue
    )
