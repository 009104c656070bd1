"""/healthz and /metrics as an operator's monitoring sees them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from minsheng.services.bootstrap import bootstrap
from minsheng.services.sla import sweep
from minsheng.web.app import create_app


def test_a_fresh_database_is_healthy_before_any_sweep(workspace: Any) -> None:
    response = workspace.client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["checks"] == {"database": "ok"}
    assert body["last_sweep_age_seconds"] is None


def test_healthz_reports_how_long_ago_the_sweep_ran(workspace: Any, clock: Any) -> None:
    sweep.run(workspace.app)
    clock.advance(seconds=90)
    body = workspace.client.get("/healthz").json()
    assert body["last_sweep_age_seconds"] == 90.0


def test_healthz_is_503_naming_the_database_when_it_does_not_answer(base_settings: Any) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    settings = base_settings.model_copy(
        update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    app = bootstrap(settings)
    with TestClient(create_app(app)) as client:
        response = client.get("/healthz")
    app.dispose()
    assert response.status_code == 503
    assert "database" in response.json()["status"]


def test_healthz_is_503_naming_redis_when_it_is_configured_but_down(app: Any) -> None:
    app.settings = app.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(app)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("failing")
    assert body["status"] == "failing: redis"


def test_metrics_count_requests_and_open_cases(workspace: Any) -> None:
    workspace.submit("楼道灯坏了", "housing", urgency="high")
    workspace.client.get("/healthz")
    text = workspace.client.get("/metrics").text
    assert 'minsheng_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'minsheng_open_cases{urgency="high"} 1.0' in text
    # The new high-urgency case put a notice for its department's staff in the outbox.
    assert 'minsheng_outbox_messages{channel="staff",status="pending"} 1.0' in text


def test_an_unknown_path_is_a_plain_404(workspace: Any) -> None:
    response = workspace.client.get("/no/such/page")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
