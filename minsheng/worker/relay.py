"""The relay: turns committed outbox rows into delivery tasks within a second or two.

It runs as a thread in the `minsheng beat` process (exactly one per deployment), so it sees
rows written by any process — a bot replica, the web service, a short-lived CLI command. Every
second it counts the due rows (pending or failed and due, or held by a claim gone stale) and
tops the Celery queue up with enough "deliver" kicks for the workers to share them. A kick
carries nothing: the worker claims rows in the database, so extra kicks cost one query and a
lost kick is replaced on the next tick.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Sequence

from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery_claims
from minsheng.worker import broker

log = logging.getLogger(__name__)

INTERVAL_S = 1.0
MAX_KICKS = 16


class Relay:
    def __init__(
        self,
        app: App,
        publish: Callable[[], None],
        queue_length: Callable[[], int],
        channels: Sequence[str],
        *,
        claim: int,
        max_kicks: int = MAX_KICKS,
        interval: float = INTERVAL_S,
    ) -> None:
        self._app = app
        self._publish = publish
        self._queue_length = queue_length
        self._channels = list(channels)
        self._claim = claim
        self._max_kicks = max_kicks
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def tick(self) -> int:
        """Queue the kicks the due rows need; returns how many were queued."""
        due = delivery_claims.due_count(
            self._app, self._channels, limit=self._max_kicks * self._claim
        )
        if due == 0:
            return 0
        wanted = min(self._max_kicks, math.ceil(due / self._claim))
        missing = wanted - self._queue_length()
        for _ in range(missing):
            self._publish()
        return max(0, missing)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="outbox-relay", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        log.info(
            "relaying due outbox rows of %s every %g s",
            ", ".join(self._channels) or "no channel",
            self._interval,
        )
        while not self._stop.is_set():
            try:
                self.tick()
                if self._failing:
                    log.info("the relay is working again")
                self._failing = False
            except Exception as exc:
                if not self._failing:
                    log.warning(
                        "the relay cannot queue deliveries (%s); retrying every %g s",
                        type(exc).__name__,
                        self._interval,
                    )
                self._failing = True
            self._stop.wait(self._interval)


def for_celery(app: App, channels: Sequence[str], *, claim: int) -> Relay:
    """A relay publishing `minsheng.deliver` kicks on the configured broker."""
    redis_url = app.settings.redis_url
    assert redis_url, "the relay needs MINSHENG_REDIS_URL"
    celery = broker.celery

    def publish() -> None:
        celery.send_task(
            "minsheng.deliver",
            expires=broker.KICK_EXPIRES_S,
            queue=celery.conf.task_default_queue,
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
        )

    return Relay(app, publish, broker.queue_length_reader(redis_url), channels, claim=claim)
