"""The supervisor dashboard's figures on a small timeline with known answers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import factories
import pytest

from minsheng.services.access.staff import departments_under
from minsheng.services.bootstrap import App
from minsheng.services.casework import resident_actions, staff_actions
from minsheng.services.errors import InvalidRequest
from minsheng.services.reporting import dashboard, dashboard_months

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def timeline(app: App, clock: Any) -> App:
    """October: two education requests, never resolved.
    2 November 10:00: six high-urgency housing requests h1–h6 and two market complaints.
      h1–h4 accepted at 11:00, h5 accepted 3 November 11:00 (late); h6 transferred to the
      utilities desk at 11:00 and accepted there at 12:00. Complaints accepted at 12:00; the
      second is sent back to the triage desk at 13:00.
    10 November: h1–h5 resolved and rated 5, 5, 4, 2, 5.
    Read on 20 December, when the education, h6 and market cases are past their deadlines.
    """
    clock.set(at(10, 15))
    for n in (1, 2):
        factories.numbered(app, n, "education", urgency="normal")
    clock.set(at(11, 2))
    h = [factories.numbered(app, 10 + n, "housing") for n in range(1, 7)]
    m = [
        factories.numbered(app, 20 + n, "market", urgency="normal", kind="complaint")
        for n in (1, 2)
    ]
    clock.set(at(11, 2, 11))
    for ref in h[:4]:
        staff_actions.accept(app, ref)
    staff_actions.transfer(app, h[5], to_department="utilities_desk", reason="供水管网问题")
    clock.set(at(11, 2, 12))
    staff_actions.accept(app, h[5])
    for ref in m:
        staff_actions.accept(app, ref)
    clock.set(at(11, 2, 13))
    staff_actions.transfer(app, m[1], to_department=None, reason="不属于本单位职责")
    clock.set(at(11, 3, 11))
    staff_actions.accept(app, h[4])
    clock.set(at(11, 10))
    for ref, score in zip(h[:5], (5, 5, 4, 2, 5), strict=True):
        staff_actions.resolve(app, ref, note="已处理")
        resident_actions.rate(app, ref, score=score)
    clock.set(at(12, 20))
    return app


def row_of(rows: list[dict[str, Any]], month: str, department: str) -> dict[str, Any]:
    return next(r for r in rows if r["month"] == month and r["department"] == department)


def test_response_rate_per_department_and_month_counts_the_late_acceptance(timeline: App) -> None:
    data = dashboard.dashboard(timeline, last_month="2026-12", count=3)
    housing = row_of(data["rates"], "2026-11", "housing_bureau")
    assert housing["response_rate"] == {
        "value": 0.8,
        "numerator": 4,
        "sample_size": 5,
        "status": "ok",
    }
    assert housing["name_zh"] == "住房和城乡建设局"


def test_two_complaints_read_not_enough_data_with_their_sample_size(timeline: App) -> None:
    data = dashboard.dashboard(timeline, last_month="2026-12", count=3)
    market = row_of(data["rates"], "2026-11", "market_regulation")
    assert market["complaint_closure_rate"]["value"] is None
    assert market["complaint_closure_rate"]["status"] == "not_enough_data"
    assert market["response_rate"]["sample_size"] == 1


def test_the_city_total_pools_every_department_of_the_month(timeline: App) -> None:
    data = dashboard.dashboard(timeline, last_month="2026-12", count=3)
    total = row_of(data["rates"], "2026-11", "*")
    # 8 first responses due on 3 November; only h5's came late.
    assert total["response_rate"]["numerator"] == 7
    assert total["response_rate"]["sample_size"] == 8
    assert total["satisfaction_rate"]["value"] == 0.8
    december = row_of(data["rates"], "2026-12", "*")
    # Resolution deadlines of the November cases fall on 14 December: five of eight met.
    assert december["resolution_rate"]["numerator"] == 5
    assert december["resolution_rate"]["sample_size"] == 8


def test_overdue_list_holds_the_open_cases_past_their_deadlines_oldest_first(timeline: App) -> None:
    overdue = dashboard.dashboard(timeline, last_month="2026-12", count=3)["overdue"]
    assert [r["department"] for r in overdue][:2] == ["education_bureau", "education_bureau"]
    assert sorted(r["department"] for r in overdue[2:]) == [
        "hotline_12345",
        "market_regulation",
        "utilities_desk",
    ]
    assert all("resolution" in r["missed"] for r in overdue)


def test_misroute_matrix_counts_transfers_from_department_to_department(timeline: App) -> None:
    matrix = dashboard.dashboard(timeline, last_month="2026-12", count=3)["misroutes"]
    cells = {(c["from"], c["to"]): c["count"] for c in matrix["cells"]}
    assert cells == {
        ("housing_bureau", "utilities_desk"): 1,
        ("market_regulation", "hotline_12345"): 1,
    }
    row = matrix["from"].index("housing_bureau")
    assert matrix["counts"][row][matrix["to"].index("utilities_desk")] == 1
    assert matrix["total"] == 2


def test_volume_by_domain_counts_cases_in_the_month_they_arrived(timeline: App) -> None:
    volume = dashboard.dashboard(timeline, last_month="2026-12", count=3)["volume"]
    counts = {(r["month"], r["domain"]): r["cases"] for r in volume if r["cases"]}
    assert counts == {
        ("2026-10", "education"): 2,
        ("2026-11", "housing"): 6,
        ("2026-11", "market"): 2,
    }


def test_satisfaction_trend_gives_mean_and_share_of_fours_and_fives(timeline: App) -> None:
    trend = dashboard.dashboard(timeline, last_month="2026-12", count=3)["satisfaction"]
    by_month = {r["month"]: r for r in trend}
    november = {k: v for k, v in by_month["2026-11"].items() if k != "by_outcome"}
    assert november == {
        "month": "2026-11",
        "ratings": 5,
        "mean_score": 4.2,
        "satisfaction_rate": 0.8,
        "status": "ok",
    }
    assert by_month["2026-11"]["by_outcome"]["resolved"]["ratings"] == 5
    assert by_month["2026-10"]["status"] == "not_enough_data"


def test_a_supervisor_sees_only_their_departments_and_those_below(timeline: App) -> None:
    scope = departments_under(timeline.settings, "housing_bureau")
    data = dashboard.dashboard(timeline, last_month="2026-12", count=3, scope=scope)
    departments = {r["department"] for r in data["rates"]}
    assert departments == {"*", "housing_bureau", "utilities_desk"}
    assert [r["department"] for r in data["overdue"]] == ["utilities_desk"]
    assert [(c["from"], c["to"]) for c in data["misroutes"]["cells"]] == [
        ("housing_bureau", "utilities_desk")
    ]
    volume = {(r["month"], r["domain"]): r["cases"] for r in data["volume"] if r["cases"]}
    assert volume == {("2026-11", "housing"): 6}


def test_rates_csv_leaves_the_value_blank_below_the_minimum_sample(timeline: App) -> None:
    data = dashboard.dashboard(timeline, last_month="2026-12", count=3)
    rows = list(csv.DictReader(io.StringIO(dashboard.to_csv("rates", data))))
    market = next(
        r for r in rows if r["month"] == "2026-11" and r["department"] == "market_regulation"
    )
    assert market["complaint_closure_rate"] == ""
    assert market["complaint_closure_rate_status"] == "not_enough_data"
    housing = next(
        r for r in rows if r["month"] == "2026-11" and r["department"] == "housing_bureau"
    )
    assert housing["response_rate"] == "0.8"
    assert housing["response_rate_sample_size"] == "5"


def test_every_section_exports_as_csv_with_a_header(timeline: App) -> None:
    data = dashboard.dashboard(timeline, last_month="2026-12", count=3)
    for section in dashboard.SECTIONS:
        table = list(csv.reader(io.StringIO(dashboard.to_csv(section, data))))
        # Nobody corrected a classification in this timeline: the header alone.
        assert len(table) >= (1 if section == "corrections" else 2), section
    matrix = list(csv.reader(io.StringIO(dashboard.to_csv("misroutes", data))))
    assert matrix[0] == ["from \\ to", "hotline_12345", "utilities_desk"]  # config order


def test_a_csv_cell_that_looks_like_a_formula_is_defused() -> None:
    text = dashboard.to_csv(
        "volume", {"volume": [{"month": "2026-11", "domain": '=HYPERLINK("x")', "cases": 1}]}
    )
    assert "'=HYPERLINK" in text


def test_more_than_two_years_of_months_is_refused(sqlite_app: App) -> None:
    with pytest.raises(InvalidRequest):
        dashboard_months.months_ending(sqlite_app, "2026-12", 25)
    with pytest.raises(InvalidRequest):
        dashboard_months.months_ending(sqlite_app, "2026-13", 3)


def test_months_run_across_the_new_year(sqlite_app: App) -> None:
    months = dashboard_months.months_ending(sqlite_app, "2027-02", 4)
    assert [m.key for m in months] == ["2026-11", "2026-12", "2027-01", "2027-02"]
