"""`minsheng worker` and `minsheng beat`: the Celery processes, configured from settings."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable

from minsheng.services.bootstrap import App
from minsheng.worker import broker, runtime

log = logging.getLogger(__name__)


def _need_redis(app: App) -> str | None:
    if not app.settings.redis_url:
        print(
            "error: set MINSHENG_REDIS_URL (e.g. redis://127.0.0.1:6379/0); without it the "
            "bot and the web service run the background jobs themselves",
            file=sys.stderr,
        )
        return None
    return app.settings.redis_url


def run_worker(
    app: App,
    *,
    concurrency: int | None = None,
    loglevel: str = "INFO",
    send_rate: float | None = None,
    queue: str = broker.QUEUE,
) -> int:
    """Run a Celery worker until SIGTERM (warm shutdown) or SIGINT."""
    redis_url = _need_redis(app)
    if redis_url is None:
        return 2
    runtime.configure(app.settings, send_rate=send_rate)
    celery = broker.configure(redis_url, queue=queue)
    app.dispose()  # the pool's children open their own connections
    argv = [
        "worker",
        f"--loglevel={loglevel}",
        "-Q",
        queue,
        f"--hostname=minsheng-{os.getpid()}@%h",
        # Workers need no gossip among themselves: the database coordinates them.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    return _supervise(lambda: celery.worker_main(argv))


def _supervise(run_child: Callable[[], object]) -> int:
    """Run the Celery worker in a child process and start it again if it dies.

    kombu's Redis transport can end the worker with an "Unrecoverable error" when the broker
    drops the connection at an unlucky moment; a worker that quietly stays dead would leave
    deliveries waiting, so the command itself brings it back. SIGTERM and SIGINT are passed on
    and end the loop.
    """
    context = multiprocessing.get_context("fork")
    stopping = False
    child: multiprocessing.process.BaseProcess | None = None

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while True:
        child = context.Process(target=run_child, name="celery-worker")
        child.start()
        child.join()
        if stopping:
            return 0
        # A worker never ends on its own accord: whatever its exit code, it is restarted.
        log.warning(
            "the Celery worker stopped unexpectedly (exit code %s); restarting it", child.exitcode
        )
        time.sleep(1)


def run_beat(
    app: App,
    *,
    sweep_every: float = broker.DEFAULT_SWEEP_EVERY_S,
    loglevel: str = "INFO",
    relay: bool = True,
    queue: str = broker.QUEUE,
) -> int:
    """Run the scheduler (sweep, digest) and the outbox relay; exactly one per deployment."""
    from celery.apps.beat import Beat

    from minsheng.worker import relay as relay_module
    from minsheng.worker import senders, tasks

    redis_url = _need_redis(app)
    if redis_url is None:
        return 2
    runtime.configure(app.settings)
    celery = broker.configure(redis_url, sweep_every=sweep_every, queue=queue)
    relay_thread = None
    if relay:
        relay_thread = relay_module.for_celery(app, senders.channels(app), claim=tasks.CLAIM)
        relay_thread.start()
    try:
        # The schedule is kept in memory: every job is idempotent and re-reads the database,
        # so a restarted beat needs no record of what it sent before.
        Beat(
            app=celery, loglevel=loglevel, scheduler="celery.beat:Scheduler", redirect_stdouts=False
        ).run()
    finally:
        if relay_thread is not None:
            relay_thread.stop()
    return 0
