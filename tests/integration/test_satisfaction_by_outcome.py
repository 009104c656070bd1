"""Satisfaction is reported beside the outcome it rates: a "not responsible" answer rated low
is not a repair rated low."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factories

from minsheng.services.bootstrap import App
from minsheng.services.casework import resident_actions, staff_actions
from minsheng.services.reporting import dashboard, reports

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_reports_and_dashboard_show_satisfaction_per_outcome(app: App, clock: Any) -> None:
    clock.set(dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    settings = app.settings
    app.settings = settings.model_copy(
        update={"sla": settings.sla.model_copy(update={"min_sample": 1})}
    )
    plan = [("resolved", 5), ("resolved", 4), ("not_responsible", 1), ("unresolved", 2)]
    for n, (outcome, score) in enumerate(plan, start=1):
        ref = factories.numbered(app, n)
        staff_actions.resolve(app, ref, note="答复", outcome=outcome)
        resident_actions.rate(app, ref, score=score)
    (row,) = reports.department_rates(app, "2026-11-01", "2026-11-30")
    by_outcome = row["satisfaction_by_outcome"]
    assert by_outcome["resolved"]["value"] == 1.0 and by_outcome["resolved"]["sample_size"] == 2
    assert by_outcome["not_responsible"]["value"] == 0.0
    assert by_outcome["unresolved"]["sample_size"] == 1
    assert row["satisfaction_rate"]["sample_size"] == 4

    (month,) = [m for m in dashboard.dashboard(app, last_month="2026-11", count=1)["satisfaction"]]
    assert month["ratings"] == 4
    assert month["by_outcome"]["resolved"]["ratings"] == 2
    assert month["by_outcome"]["not_responsible"]["satisfaction_rate"] == 0.0
    assert month["by_outcome"]["unresolved"]["ratings"] == 1
