"""Prometheus metrics for background jobs: served on every web replica's /metrics.

Two kinds: counters kept by the process that does the work (`REGISTRY`: sends and their
outcomes, sweep durations) and figures read from the database and the broker at scrape time
(`JobsCollector`: outbox rows by channel and status — what is due, dead, sent — the broker's
queue length, the last sweep's duration and age). The database figures are the same whichever
process is scraped, so any web replica's /metrics shows the whole system.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from case_store.models import OutboxMessage
from minsheng.services.messaging import delivery_claims
from minsheng.services.sla import job_runs

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
DELIVERIES = Counter(
    "minsheng_deliveries",
    "Send attempts made by this process, by outcome (sent, rate_limited, failed, permanent)",
    ["channel", "outcome"],
    registry=REGISTRY,
)
SWEEP_SECONDS = Histogram(
    "minsheng_sweep_seconds",
    "Duration of SLA sweeps run by this process",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)


def count_delivery(channel: str, outcome: str) -> None:
    DELIVERIES.labels(channel=channel, outcome=outcome).inc()


def observe_sweep(seconds: float) -> None:
    SWEEP_SECONDS.observe(seconds)


class JobsCollector(Collector):
    """Reads the outbox, the broker and the last sweep whenever metrics are scraped."""

    def __init__(self, app: Any, queue_length: Any | None = None) -> None:
        self._app = app
        self._queue_length = queue_length

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._outbox()
            yield from self._sweep()
        except Exception as exc:
            log.warning("job metrics unavailable: %s", type(exc).__name__)
        yield from self._broker()

    def _outbox(self) -> Iterator[Metric]:
        messages = GaugeMetricFamily(
            "minsheng_outbox_messages",
            "Outbox rows by channel and status (sent rows are the "
            "deliveries made; dead rows need an administrator)",
            labels=["channel", "status"],
        )
        due = GaugeMetricFamily(
            "minsheng_outbox_due",
            "Messages due now and not yet sent (the delivery backlog)",
            labels=["channel"],
        )
        with self._app.uow() as uow:
            s = uow.session
            for channel, status, count in s.execute(
                select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
                    OutboxMessage.channel, OutboxMessage.status
                )
            ):
                messages.add_metric([channel, status], count)
            for channel, count in s.execute(
                select(OutboxMessage.channel, func.count())
                .where(delivery_claims.due_condition(self._app, self._app.now()))
                .group_by(OutboxMessage.channel)
            ):
                due.add_metric([channel], count)
        yield messages
        yield due

    def _sweep(self) -> Iterator[Metric]:
        last = job_runs.last_sweep(self._app)
        if last is None:
            return
        duration = GaugeMetricFamily(
            "minsheng_sweep_last_duration_seconds", "How long the last SLA sweep took"
        )
        duration.add_metric([], float(last["seconds"]))
        age = GaugeMetricFamily(
            "minsheng_sweep_last_age_seconds", "Seconds since the last SLA sweep finished"
        )
        age.add_metric([], float(last["age_seconds"]))
        yield duration
        yield age

    def _broker(self) -> Iterator[Metric]:
        if self._queue_length is None:
            return
        try:
            length = self._queue_length()
        except Exception as exc:
            log.warning("broker queue length unavailable: %s", type(exc).__name__)
            return
        gauge = GaugeMetricFamily(
            "minsheng_broker_queue_length", "Task messages waiting in the Celery queue"
        )
        gauge.add_metric([], float(length))
        yield gauge


def register(
    app: Any, registry: CollectorRegistry, queue_length: Callable[[], int] | None = None
) -> None:
    """Add the job metrics to a registry; `queue_length` reads the broker's queue, if any."""
    registry.register(JobsCollector(app, queue_length))
    registry.register(_ProcessCounters())


class _ProcessCounters(Collector):
    """This process's counters, re-exported so a single registry holds everything."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def registry(app: Any, queue_length: Callable[[], int] | None = None) -> CollectorRegistry:
    """A registry with every job metric, e.g. for `prometheus_client.generate_latest`."""
    result = CollectorRegistry(auto_describe=False)
    register(app, result, queue_length)
    return result
