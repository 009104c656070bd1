"""/healthz and /metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from minsheng.services.sla import job_runs
from minsheng.web.deps import AppDep

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="200 when the database (and Redis, if configured) answer")
def healthz(app: AppDep) -> JSONResponse:
    checks: dict[str, str] = {}
    body: dict[str, Any] = {"checks": checks}
    try:
        with app.engine.connect() as conn:
            conn.execute(text("select 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"failing: {type(exc).__name__}"
    if app.settings.redis_url:
        checks["redis"] = _check_redis(app.settings.redis_url)
    if checks["database"] == "ok":
        body["last_sweep_age_seconds"] = _sweep_age(app)
    failing = sorted(name for name, state in checks.items() if state != "ok")
    body["status"] = "ok" if not failing else "failing: " + ", ".join(failing)
    return JSONResponse(body, status_code=503 if failing else 200)


def _check_redis(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except Exception as exc:
        return f"failing: {type(exc).__name__}"


def _sweep_age(app: AppDep) -> float | None:
    """Seconds since the SLA sweep last finished; None before the first sweep."""
    try:
        last = job_runs.last_sweep(app)
    except Exception:
        return None
    return None if last is None else float(last["age_seconds"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
