"""Background work of a long-running process, and how it reports on itself.

Without Redis (the embedded default) the process runs the jobs itself: a delivery thread for
the outbox and a sweep thread (SLA sweep, survey reminders, closing unrated cases, the daily
digest). With `redis_url` set, Celery workers and beat do that work, and the process starts
nothing: whatever it writes to the outbox is picked up by the relay within two seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from minsheng.services import job_metrics
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery, delivery_runner
from minsheng.services.projects import sweep as project_sweep
from minsheng.services.residents import conversation
from minsheng.services.sla import digest, job_runs, sweep

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 60.0


class _Stoppable(Protocol):
    def stop(self, timeout: float = 10.0) -> None: ...


class Background:
    """What `start_background` started; `stop()` ends it (waiting for the current round)."""

    def __init__(self, parts: list[_Stoppable], mode: str) -> None:
        self._parts = parts
        self.mode = mode  # "embedded" or "celery"

    def stop(self, timeout: float = 10.0) -> None:
        for part in self._parts:
            part.stop(timeout)
        self._parts = []


def start_background(
    app: App, senders: Mapping[str, delivery.Sender], *, sweep_every: float = SWEEP_EVERY_S
) -> Background:
    """Start this process's share of the background work (see the module's docstring)."""
    if app.settings.redis_url:
        log.info("background jobs run on Celery workers; this process starts none")
        return Background([], "celery")
    runner = delivery_runner.DeliveryRunner(app, senders)
    runner.start()
    sweeper = Periodic("sla-sweep", sweep_every, lambda: run_periodic(app))
    sweeper.start()
    log.info("delivering the outbox and sweeping every %g s in this process", sweep_every)
    return Background([runner, sweeper], "embedded")


def run_periodic(app: App) -> None:
    """One round of the embedded scheduler: the sweep, then the digest if it is due, then the
    project check (warnings and notices are keyed per day, so it may run every round)."""
    run_sweep(app)
    digest.run(app)
    project_sweep.run(app)


def run_sweep(app: App) -> dict[str, Any]:
    """The SLA sweep as the scheduler runs it, timed for the metrics of this process.

    It first carries out dialogue steps a dead process left pending (a resident's confirmed
    case, a rating...), so they are answered within one sweep interval of a crash.
    """
    started = time.perf_counter()
    try:
        conversation.carry_out_pending(app)
    except Exception as exc:  # the SLA sweep must not wait for a bad dialogue row
        log.error("carrying out pending dialogue steps failed", exc_info=exc)
    result = sweep.run(app)
    job_metrics.observe_sweep(time.perf_counter() - started)
    housekeeping(app)
    return result


def housekeeping(app: App) -> None:
    """Expired browser sessions and old rate counters go with every sweep round."""
    from minsheng.services.residents import flood

    purged = flood.purge(app)
    if any(purged.values()):
        log.info("housekeeping deleted %s", purged)


class Periodic:
    """A daemon thread calling `job` every `interval` seconds, first right away."""

    def __init__(self, name: str, interval: float, job: Callable[[], object]) -> None:
        self._name = name
        self._interval = interval
        self._job = job
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._job()
            except Exception as exc:  # the loop must outlive one bad round
                log.error("%s round failed", self._name, exc_info=exc)
            self._stop.wait(self._interval)


def health(app: App) -> dict[str, Any]:
    """For /healthz: Redis when configured, and the age of the last sweep once one has run.

    `ok` is False only when a configured Redis does not answer.
    """
    report: dict[str, Any] = {
        "mode": "celery" if app.settings.redis_url else "embedded",
        "ok": True,
    }
    if app.settings.redis_url:
        report["redis"] = _ping_redis(app.settings.redis_url)
        report["ok"] = report["redis"] == "ok"
    try:
        report["last_sweep"] = job_runs.last_sweep(app)
    except Exception as exc:
        report["last_sweep"] = None
        log.warning("the last sweep could not be read: %s", type(exc).__name__)
    return report


def _ping_redis(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
        return "ok"
    except redis.RedisError as exc:
        return f"unreachable ({type(exc).__name__})"
    finally:
        client.close()
