"""`minsheng report` as an operator runs it: a fresh process, a config file, a database file."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from minsheng.config.settings import PROJECT_ROOT, load_settings
from minsheng.services.bootstrap import bootstrap
from minsheng.services.casework import resident_actions, staff_actions, submission
from minsheng.services.casework.submission import Intake

MINSHENG = str(Path(sys.executable).with_name("minsheng"))


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The shipped config with a smaller minimum sample (3), to show the file is honoured."""
    text = (PROJECT_ROOT / "config.yml").read_text(encoding="utf-8")
    assert "  min_sample: 5" in text
    path = tmp_path / "config.yml"
    path.write_text(text.replace("  min_sample: 5", "  min_sample: 3"), encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {**os.environ, "MINSHENG_DATABASE_URL": f"sqlite:///{tmp_path / 'report.db'}"}
    for name in ("MINSHENG_CONFIG", "MINSHENG_REDIS_URL"):
        values.pop(name, None)
    return values


def minsheng(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MINSHENG, "--config", str(config), *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def fill(config: Path, env: dict[str, str], day: dt.date) -> None:
    """Three high-urgency transport cases answered and resolved on `day`, each rated 5, and
    two market complaints accepted the same day and left open."""
    settings = load_settings(config, env={"MINSHENG_DATABASE_URL": env["MINSHENG_DATABASE_URL"]})
    opened = dt.datetime.combine(day, dt.time(9, 0), tzinfo=settings.tz)
    clock = Clock(opened)
    app = bootstrap(settings, clock=clock)
    try:
        refs = [
            submission.submit(
                app,
                Intake(text="路口红绿灯不亮", domain="transport", urgency="high", kind="demand"),
            )["reference"]
            for _ in range(3)
        ]
        complaints = [
            submission.submit(
                app,
                Intake(text="超市卖过期食品", domain="market", urgency="normal", kind="complaint"),
            )["reference"]
            for _ in range(2)
        ]
        clock.now = opened + dt.timedelta(minutes=30)
        for ref in refs + complaints:
            staff_actions.accept(app, ref)
        clock.now = opened + dt.timedelta(hours=1)
        for ref in refs:
            staff_actions.resolve(app, ref, note="信号灯已修复")
            resident_actions.rate(app, ref, score=5)
    finally:
        app.dispose()


def test_report_json_prints_each_departments_rates(config: Path, env: dict[str, str]) -> None:
    upgrade = minsheng(config, env, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    today = dt.datetime.now(load_settings(config, env={}).tz).date()
    # Far enough back that the 30-working-day deadlines have passed.
    day = today - dt.timedelta(days=90)
    fill(config, env, day)

    proc = minsheng(
        config, env, "report", "--json", "--from", day.isoformat(), "--to", today.isoformat()
    )
    assert proc.returncode == 0, proc.stderr
    rows: dict[str, Any] = {row["department"]: row for row in json.loads(proc.stdout)}
    assert set(rows) == {"transport_bureau", "market_regulation"}

    transport = rows["transport_bureau"]
    assert (transport["from"], transport["to"]) == (day.isoformat(), today.isoformat())
    assert transport["name_zh"] == "交通运输局"
    for figure in ("response_rate", "resolution_rate", "satisfaction_rate"):
        assert transport[figure] == {"value": 1.0, "numerator": 3, "sample_size": 3, "status": "ok"}
    assert transport["mean_working_days_to_resolve"] == {
        "value": 0.0,
        "sample_size": 3,
        "status": "ok",
    }

    market = rows["market_regulation"]
    assert market["complaint_closure_rate"] == {
        "value": None,
        "numerator": 0,
        "sample_size": 2,
        "status": "not_enough_data",
    }
    assert market["resolution_rate"]["sample_size"] == 2
    assert market["resolution_rate"]["status"] == "not_enough_data"

    table = minsheng(config, env, "report", "--from", day.isoformat(), "--to", today.isoformat())
    assert table.returncode == 0, table.stderr
    assert "100.0% (n=3)" in table.stdout and "not enough data (n=2)" in table.stdout


def test_report_refuses_a_malformed_date(config: Path, env: dict[str, str]) -> None:
    assert minsheng(config, env, "db", "upgrade").returncode == 0
    proc = minsheng(config, env, "report", "--json", "--from", "2026-02-30")
    assert proc.returncode == 1
    assert "not a date" in proc.stderr and proc.stdout == ""
