"""The thread that delivers the outbox in a process, every `interval` seconds and at once
when `delivery.wake` says something was queued to send now."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping

from minsheng.services.bootstrap import App
from minsheng.services.messaging.delivery import BATCH, Sender, deliver_due, wait_for_wake, wake

log = logging.getLogger(__name__)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class DeliveryRunner:
    """A daemon thread that delivers the outbox every `interval` seconds until stopped."""

    def __init__(
        self,
        app: App,
        senders: Mapping[str, Sender],
        *,
        worker_id: str | None = None,
        interval: float = 0.5,
    ) -> None:
        self._app = app
        self._senders = dict(senders)
        self._worker_id = worker_id or default_worker_id()
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="outbox-delivery", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        wake()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> int:
        return deliver_due(self._app, self._senders, worker_id=self._worker_id)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
            except Exception as exc:  # the runner must outlive one bad round
                log.error("outbox delivery round failed", exc_info=exc)
                sent = 0
            # A full batch suggests more is waiting: go again without pausing.
            if sent < BATCH and not self._stop.is_set():
                wait_for_wake(self._interval)
