"""The Celery tasks. Each one only translates and calls the service function that the embedded
mode calls in-process; all state is re-read from the database inside the task.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery.signals import worker_process_init

from minsheng.services import jobs
from minsheng.services.messaging import delivery
from minsheng.services.projects import sweep as project_sweep_service
from minsheng.services.sla import digest as digest_service
from minsheng.worker import broker, runtime

log = logging.getLogger(__name__)
celery = broker.celery
# Rows claimed per round: small, so that several workers share a backlog between them.
CLAIM = 10


@worker_process_init.connect
def _fresh_process(**_: Any) -> None:
    runtime.reset()


@celery.task(name="minsheng.deliver")
def deliver() -> int:
    """Deliver due outbox messages until none are left or the round's time is up."""
    app, senders = runtime.app(), runtime.senders()
    worker_id = runtime.worker_id()
    deadline = time.monotonic() + broker.DRAIN_BUDGET_S
    sent = 0
    while time.monotonic() < deadline:
        got = delivery.deliver_due(app, senders, worker_id=worker_id, limit=CLAIM)
        sent += got
        if got == 0:
            # Nothing (or nothing sendable) was due: the relay kicks again when more is.
            break
    return sent


@celery.task(name="minsheng.deliver_message")
def deliver_message(outbox_id: int) -> int:
    """Deliver one outbox row now if it is due (an administrator's retry, for instance)."""
    return delivery.deliver_due(
        runtime.app(), runtime.senders(), worker_id=runtime.worker_id(), limit=1, only_id=outbox_id
    )


@celery.task(name="minsheng.sweep")
def sweep() -> dict[str, Any]:
    """The SLA sweep, with survey reminders and closing unrated cases."""
    return jobs.run_sweep(runtime.app())


@celery.task(name="minsheng.digest")
def digest() -> int:
    """Queue today's digest for each department, once, once it is due."""
    return digest_service.run(runtime.app())


@celery.task(name="minsheng.project_sweep")
def project_sweep() -> dict[str, Any]:
    """The daily project check: milestone warnings, supervision, rating reminders."""
    return project_sweep_service.run(runtime.app())
