"""Per-process state of a worker: the service layer and the senders, built on first use.

The Celery pool forks its children from the main process; each child builds its own database
engine and HTTP clients after the fork, never sharing the parent's connections.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from minsheng.config.settings import Settings
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery, delivery_runner

# `minsheng worker --send-rate`; None: the config's delivery.telegram_per_second.
SEND_RATE: dict[str, float | None] = {"telegram": None}


@dataclass
class _State:
    settings: Settings | None = None
    app: App | None = None
    senders: dict[str, delivery.Sender] | None = None
    pid: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_state = _State()


def configure(settings: Settings, *, send_rate: float | None = None) -> None:
    """Called by `minsheng worker` / `minsheng beat` before Celery starts."""
    _state.settings = settings
    if send_rate is not None:
        SEND_RATE["telegram"] = send_rate
    reset()


def reset() -> None:
    """Forget this process's connections (after a fork they belong to the parent)."""
    if _state.app is not None:
        _state.app.engine.dispose(close=False)
    _state.app = None
    _state.senders = None
    _state.pid = os.getpid()


def app() -> App:
    with _state.lock:
        if _state.pid != os.getpid():
            reset()
        if _state.app is None:
            from minsheng.config.settings import load_settings
            from minsheng.services.bootstrap import bootstrap

            _state.app = bootstrap(_state.settings or load_settings())
        return _state.app


def senders() -> dict[str, delivery.Sender]:
    current = app()
    with _state.lock:
        if _state.senders is None:
            from minsheng.worker import broker
            from minsheng.worker import senders as worker_senders

            client: Any | None = None
            if current.settings.redis_url:
                client = broker.redis_client(current.settings.redis_url)
            _state.senders = worker_senders.build(
                current, redis_client=client, rate=SEND_RATE["telegram"]
            )
        return _state.senders


def worker_id() -> str:
    return delivery_runner.default_worker_id()
