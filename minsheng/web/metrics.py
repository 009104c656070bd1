"""Prometheus metrics on a registry of the application's own (never the global one).

Besides the HTTP figures and open cases, the registry carries the background jobs' metrics
(outbox backlog and dead letters, sweeps, sends, the broker's queue), so any replica's
/metrics shows the whole system.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from case_store.lifecycle import OPEN_STATUSES
from case_store.models import Case
from minsheng.services import job_metrics
from minsheng.services.bootstrap import App


class _StoreCollector(Collector):
    """Open cases by urgency, read from the database at scrape time."""

    def __init__(self, app: App) -> None:
        self._app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        open_cases = GaugeMetricFamily(
            "minsheng_open_cases", "open cases by urgency", labels=["urgency"]
        )
        try:
            with self._app.uow() as uow:
                s = uow.session
                for urgency, n in s.execute(
                    select(Case.urgency, func.count())
                    .where(Case.status.in_(OPEN_STATUSES))
                    .group_by(Case.urgency)
                ):
                    open_cases.add_metric([urgency], n)
        except Exception:
            return
        yield open_cases


class Metrics:
    def __init__(self, app: App) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "minsheng_http_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "minsheng_http_request_seconds",
            "time to answer a request",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(_StoreCollector(app))
        job_metrics.register(app, self.registry, _broker_queue_length(app))


def _broker_queue_length(app: App) -> Callable[[], int] | None:
    if not app.settings.redis_url:
        return None
    from minsheng.worker import broker

    return broker.queue_length_reader(app.settings.redis_url)


def install(application: FastAPI, metrics: Metrics) -> None:
    application.add_middleware(_Counting, metrics=metrics)


class _Counting:
    """ASGI middleware counting requests by route template and status, and timing them.

    Plain ASGI rather than Starlette's BaseHTTPMiddleware, which runs every request through
    a task group and memory streams of its own: on the webhook that was a tenth of the
    server's CPU.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # The route's template, not the raw path, keeps the label set small.
            label = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.metrics.requests.labels(method, label, str(status)).inc()
            self.metrics.latency.labels(method, label).observe(time.perf_counter() - started)
