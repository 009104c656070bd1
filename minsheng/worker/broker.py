"""The Celery application and what the other processes need to know about the broker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery

QUEUE = "minsheng"  # the default; deployments sharing one Redis give each its own
# How long a task message taken by a worker that died stays invisible before Redis hands it
# out again. Celery's default is an hour; ours is short because no task runs long (a delivery
# round stops after DRAIN_BUDGET_S) and because a repeated task is harmless: every task
# re-reads the database and claims its rows. The rows a dead worker held are found again by
# their stale claim (`delivery.stale_claim_seconds`, two minutes by default) and re-queued by
# the relay, so its messages go out within that time whatever happens to the task message.
VISIBILITY_TIMEOUT_S = 90
DRAIN_BUDGET_S = 20.0
# A delivery kick or a sweep that waited this long is dropped: the relay and beat send fresh
# ones, so a backlog built while no worker ran does not replay on restart.
KICK_EXPIRES_S = 60
DEFAULT_SWEEP_EVERY_S = 60.0
DIGEST_CHECK_EVERY_S = 900.0

celery = Celery("minsheng", include=["minsheng.worker.tasks"])


def configure(
    redis_url: str, *, sweep_every: float = DEFAULT_SWEEP_EVERY_S, queue: str = QUEUE
) -> Celery:
    celery.conf.update(
        broker_url=redis_url,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        task_default_queue=queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        enable_utc=True,
        beat_schedule=schedule(sweep_every),
    )
    return celery


def schedule(sweep_every: float) -> dict[str, dict[str, Any]]:
    """What beat sends. Delivery is not here: the relay beside beat kicks it within a second."""
    return {
        "sla-sweep": {
            "task": "minsheng.sweep",
            "schedule": sweep_every,
            "options": {"expires": max(sweep_every, 10.0)},
        },
        # The digest task itself decides whether today's digest is due (after 08:00 local,
        # once per department and day), so a beat that was down at 08:00 still sends it.
        # Like the digest, the project check is keyed per day: running it often is harmless.
        "project-sweep": {
            "task": "minsheng.project_sweep",
            "schedule": DIGEST_CHECK_EVERY_S,
            "options": {"expires": DIGEST_CHECK_EVERY_S},
        },
        "daily-digest": {
            "task": "minsheng.digest",
            "schedule": DIGEST_CHECK_EVERY_S,
            "options": {"expires": DIGEST_CHECK_EVERY_S},
        },
    }


def redis_client(redis_url: str) -> Any:
    import redis

    return redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)


def queue_length_reader(redis_url: str, queue: str | None = None) -> Callable[[], int]:
    """A function reading how many task messages wait in the queue (the configured one)."""
    client = redis_client(redis_url)
    name = queue or str(celery.conf.task_default_queue or QUEUE)

    def read() -> int:
        return int(client.llen(name))

    return read
