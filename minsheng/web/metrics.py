"""Prometheus metrics on a registry of the application's own (never the global one)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from case_store.lifecycle import OPEN_STATES
from case_store.models import Case, OutboxMessage
from minsheng.services.bootstrap import App


class _StoreCollector(Collector):
    """Figures read from the database at scrape time: open cases and the outbox backlog."""

    def __init__(self, app: App) -> None:
        self._app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        open_cases = GaugeMetricFamily("minsheng_open_cases", "open cases by urgency",
                                       labels=["urgency"])
        outbox = GaugeMetricFamily("minsheng_outbox_messages",
                                   "outbox messages by channel and status",
                                   labels=["channel", "status"])
        try:
            with self._app.uow() as uow:
                s = uow.session
                for urgency, n in s.execute(
                        select(Case.urgency, func.count())
                        .where(Case.status.in_([st.value for st in OPEN_STATES]))
                        .group_by(Case.urgency)):
                    open_cases.add_metric([urgency], n)
                for channel, status, n in s.execute(
                        select(OutboxMessage.channel, OutboxMessage.status, func.count())
                        .group_by(OutboxMessage.channel, OutboxMessage.status)):
                    outbox.add_metric([channel, status], n)
        except Exception:  # noqa: BLE001 - /healthz reports the database; metrics stay up
            return
        yield open_cases
        yield outbox


class Metrics:
    def __init__(self, app: App) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("minsheng_http_requests", "HTTP requests served",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("minsheng_http_request_seconds", "time to answer a request",
                                 ["method", "route"], registry=self.registry)
        self.registry.register(_StoreCollector(app))


def install(application: FastAPI, metrics: Metrics) -> None:
    @application.middleware("http")
    async def _count(request: Request,
                     call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            # The route's template, not the raw path, keeps the label set small.
            route = request.scope.get("route")
            label = getattr(route, "path", "unmatched")
            metrics.requests.labels(request.method, label, str(status)).inc()
            metrics.latency.labels(request.method, label).observe(
                time.perf_counter() - started)
