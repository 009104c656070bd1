"""Department rates from cases the service layer built, on a timeline with known answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factories
import pytest

from minsheng.services.bootstrap import App, bootstrap
from minsheng.services.casework import resident_actions, staff_actions
from minsheng.services.errors import InvalidRequest
from minsheng.services.reporting import reports

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOV_2 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def resolve_and_rate(app: App, ref: str, score: int | None) -> None:
    staff_actions.resolve(app, ref, note="已处理")
    if score is not None:
        resident_actions.rate(app, ref, score=score)


def by_department(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["department"]: row for row in rows}


@pytest.fixture
def november(app: App, clock: Any) -> App:
    """Six high-urgency housing cases and five market complaints, all opened 2 November.

    Housing (first response due 3 Nov 10:00, resolution due 14 Dec 23:59:59):
      h1 accepted 1 h in, resolved 4 Nov (2 working days), rated 5
      h2 accepted 3 Nov 16:00 (late), resolved 9 Nov (5 working days), rated 4
      h3 accepted 2 h in, resolved 15 Dec (31 working days, late), rated 1
      h4 answered 3 h in, resolved 16 Nov (10 working days), rated 3
      h5 never answered, never resolved
      h6 accepted 5 h in, resolved the same day (0 working days), rated 5
    Market complaints (first response due 3 Nov 10:00): all accepted 4 h in; m1–m3 resolved
      5 Nov (3 working days), m1 rated 5, m2 rated 2; m4 and m5 still open.
    """
    clock.set(NOV_2)
    h = [factories.numbered(app, n) for n in range(1, 7)]
    m = [
        factories.numbered(app, 10 + n, domain="market", urgency="normal", kind="complaint")
        for n in range(1, 6)
    ]
    clock.set(at(11, 2, 11))
    staff_actions.accept(app, h[0])
    clock.set(at(11, 2, 12))
    staff_actions.accept(app, h[2])
    clock.set(at(11, 2, 13))
    staff_actions.reply(app, h[3], text="已派人查看")
    clock.set(at(11, 2, 14))
    for ref in m:
        staff_actions.accept(app, ref)
    clock.set(at(11, 2, 15))
    staff_actions.accept(app, h[5])
    resolve_and_rate(app, h[5], 5)
    clock.set(at(11, 3, 16))
    staff_actions.accept(app, h[1])
    clock.set(at(11, 4, 10))
    resolve_and_rate(app, h[0], 5)
    clock.set(at(11, 5, 10))
    resolve_and_rate(app, m[0], 5)
    resolve_and_rate(app, m[1], 2)
    resolve_and_rate(app, m[2], None)
    clock.set(at(11, 9, 10))
    resolve_and_rate(app, h[1], 4)
    clock.set(at(11, 16, 10))
    resolve_and_rate(app, h[3], 3)
    clock.set(at(12, 15, 10))
    resolve_and_rate(app, h[2], 1)
    clock.set(at(12, 20, 12))
    return app


def test_response_resolution_and_satisfaction_rates_match_the_timeline(november: App) -> None:
    rows = by_department(reports.department_rates(november, "2026-11-01", "2026-12-31"))
    assert set(rows) == {"housing_bureau", "market_regulation"}
    housing = rows["housing_bureau"]
    assert housing["response_rate"] == {
        "value": 0.6667,
        "numerator": 4,
        "sample_size": 6,
        "status": "ok",
    }
    assert housing["resolution_rate"] == {
        "value": 0.6667,
        "numerator": 4,
        "sample_size": 6,
        "status": "ok",
    }
    assert housing["satisfaction_rate"] == {
        "value": 0.6,
        "numerator": 3,
        "sample_size": 5,
        "status": "ok",
    }
    assert housing["mean_working_days_to_resolve"] == {
        "value": 9.6,
        "sample_size": 5,
        "status": "ok",
    }
    assert housing["complaint_closure_rate"]["status"] == "not_enough_data"
    assert housing["complaint_closure_rate"]["sample_size"] == 0


def test_complaint_closure_is_counted_and_small_samples_read_not_enough_data(november: App) -> None:
    market = by_department(reports.department_rates(november, "2026-11-01", "2026-12-31"))[
        "market_regulation"
    ]
    assert market["complaint_closure_rate"] == {
        "value": 0.6,
        "numerator": 3,
        "sample_size": 5,
        "status": "ok",
    }
    assert market["response_rate"]["value"] == 1.0
    assert market["resolution_rate"]["value"] == 0.6
    assert market["satisfaction_rate"] == {
        "value": None,
        "numerator": 1,
        "sample_size": 2,
        "status": "not_enough_data",
    }
    assert market["mean_working_days_to_resolve"] == {
        "value": None,
        "sample_size": 3,
        "status": "not_enough_data",
    }


def test_a_shorter_period_counts_only_what_fell_in_it(november: App) -> None:
    housing = by_department(reports.department_rates(november, "2026-11-01", "2026-11-30"))[
        "housing_bureau"
    ]
    assert housing["from"] == "2026-11-01" and housing["to"] == "2026-11-30"
    assert housing["response_rate"]["sample_size"] == 6
    assert housing["resolution_rate"]["sample_size"] == 0  # every deadline is 14 December
    assert housing["satisfaction_rate"] == {
        "value": None,
        "numerator": 3,
        "sample_size": 4,
        "status": "not_enough_data",
    }


def test_a_department_with_nothing_in_the_period_is_left_out(november: App) -> None:
    assert reports.department_rates(november, "2026-10-01", "2026-10-31") == []


def test_the_default_period_is_the_current_month(november: App) -> None:
    rows = reports.department_rates(november)
    assert {(r["from"], r["to"]) for r in rows} == {("2026-12-01", "2026-12-20")}
    housing = by_department(rows)["housing_bureau"]
    assert housing["resolution_rate"]["sample_size"] == 6
    assert housing["satisfaction_rate"]["sample_size"] == 1  # h3, rated 15 December


def test_the_table_shows_percentages_with_samples_and_not_enough_data(november: App) -> None:
    table = reports.format_table(reports.department_rates(november, "2026-11-01", "2026-12-31"))
    housing = next(line for line in table.splitlines() if line.startswith("housing_bureau"))
    assert " 66.7% (n=6)" in housing and " 60.0% (n=5)" in housing and "9.6 (n=5)" in housing
    market = next(line for line in table.splitlines() if line.startswith("market_regulation"))
    assert "not enough data (n=2)" in market
    assert reports.format_table([]).endswith("(no cases in this period)")


def test_each_resolution_round_of_a_reopened_case_counts_from_its_own_start(
    app: App, clock: Any
) -> None:
    sla_cfg = app.settings.sla.model_copy(update={"min_sample": 1})
    small = bootstrap(
        app.settings.model_copy(update={"sla": sla_cfg}), clock=clock, engine=app.engine
    )
    clock.set(NOV_2)
    ref = factories.numbered(small, 1, urgency="normal")
    clock.set(at(11, 4, 10))
    resolve_and_rate(small, ref, 1)  # round 1: 2 working days
    clock.set(at(11, 6, 10))
    staff_actions.reopen(small, ref, reason="没有解决")
    clock.set(at(11, 11, 10))
    resolve_and_rate(small, ref, 2)  # round 2: 9, 10, 11 Nov = 3 working days
    clock.set(at(11, 13, 10))
    staff_actions.reopen(small, ref, reason="还是没有解决")
    clock.set(at(11, 30, 10))
    (row,) = reports.department_rates(small, "2026-11-01", "2026-11-30")
    assert row["mean_working_days_to_resolve"] == {"value": 2.5, "sample_size": 2, "status": "ok"}
    assert row["satisfaction_rate"] == {
        "value": 0.0,
        "numerator": 0,
        "sample_size": 2,
        "status": "ok",
    }


def test_a_malformed_date_is_refused_with_a_clear_message(app: App) -> None:
    with pytest.raises(InvalidRequest, match="not a date"):
        reports.department_rates(app, "2026-13-01", None)
    with pytest.raises(InvalidRequest, match="ends before it starts"):
        reports.department_rates(app, "2026-11-30", "2026-11-01")
