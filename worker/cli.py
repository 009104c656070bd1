"""`minsheng worker` and `minsheng beat`: the Celery processes, configured from settings."""

from __future__ import annotations

import logging
import os
import sys

from services.bootstrap import App
from worker import broker, runtime

log = logging.getLogger(__name__)


def _need_redis(app: App) -> str | None:
    if not app.settings.redis_url:
        print("error: set MINSHENG_REDIS_URL (e.g. redis://127.0.0.1:6379/0); without it the "
              "bot and the web service run the background jobs themselves", file=sys.stderr)
        return None
    return app.settings.redis_url


def run_worker(app: App, *, concurrency: int | None = None, loglevel: str = "INFO",
               send_rate: float | None = None, queue: str = broker.QUEUE) -> int:
    """Run a Celery worker until SIGTERM (warm shutdown) or SIGINT."""
    redis_url = _need_redis(app)
    if redis_url is None:
        return 2
    runtime.configure(app.settings, send_rate=send_rate)
    celery = broker.configure(redis_url, queue=queue)
    app.dispose()  # the pool's children open their own connections
    argv = ["worker", f"--loglevel={loglevel}", "-Q", queue,
            f"--hostname=minsheng-{os.getpid()}@%h",
            # Workers need no gossip among themselves: the database coordinates them.
            "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    celery.worker_main(argv)
    return 0


def run_beat(app: App, *, sweep_every: float = broker.DEFAULT_SWEEP_EVERY_S,
             loglevel: str = "INFO", relay: bool = True, queue: str = broker.QUEUE) -> int:
    """Run the scheduler (sweep, digest) and the outbox relay; exactly one per deployment."""
    from celery.apps.beat import Beat

    from worker import relay as relay_module
    from worker import senders, tasks

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
        Beat(app=celery, loglevel=loglevel, scheduler="celery.beat:Scheduler",
             redirect_stdouts=False).run()
    finally:
        if relay_thread is not None:
            relay_thread.stop()
    return 0
