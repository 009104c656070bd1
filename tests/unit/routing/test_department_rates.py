from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from routing.rates import CaseRecord, Period, department_rates

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text: str) -> dt.datetime:
    """A Shanghai wall-clock time from 'YYYY-MM-DD HH:MM[:SS]'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


MARCH = Period(local("2026-03-01 00:00"), local("2026-04-01 00:00"))
AS_OF = local("2026-04-15 00:00")
HOUSING = "区住建局"


def record(
    kind: str,
    opened: str,
    fr_due: str | None,
    fr_at: str | None,
    res_due: str,
    resolved: str | None,
    rating: int | None = None,
    rated: str | None = None,
    department: str = HOUSING,
) -> CaseRecord:
    def t(text: str | None):
        return local(text) if text else None

    return CaseRecord(
        department=department,
        kind=kind,
        opened_at=local(opened),
        resolution_due=local(res_due),
        resolved_at=t(resolved),
        first_response_due=t(fr_due),
        first_responded_at=t(fr_at),
        rating=rating,
        rated_at=t(rated),
    )


RECORDS = [
    # R1: responded and resolved in time, 6 working days, rated 5.
    record(
        "complaint",
        "2026-03-02 10:00",
        "2026-03-03 10:00",
        "2026-03-02 15:00",
        "2026-03-20 23:59:59",
        "2026-03-10 10:00",
        5,
        "2026-03-11 09:00",
    ),
    # R2: responded a minute early, resolved the same day (0 working days), rated 4.
    record(
        "complaint",
        "2026-03-03 09:00",
        "2026-03-04 09:00",
        "2026-03-04 08:59",
        "2026-03-25 23:59:59",
        "2026-03-03 17:00",
        4,
        "2026-03-04 10:00",
    ),
    # R3: late response, late resolution after 16 working days, rated 3.
    record(
        "complaint",
        "2026-03-05 10:00",
        "2026-03-06 10:00",
        "2026-03-06 12:00",
        "2026-03-26 23:59:59",
        "2026-03-27 10:00",
        3,
        "2026-03-28 10:00",
    ),
    # R4: never answered, never resolved.
    record("complaint", "2026-03-09 10:00", "2026-03-10 10:00", None, "2026-03-30 23:59:59", None),
    # R5: responded in time; resolved only after as_of, so not yet resolved for these rates.
    record(
        "complaint",
        "2026-03-10 10:00",
        "2026-03-11 10:00",
        "2026-03-10 11:00",
        "2026-03-31 23:59:59",
        "2026-04-20 10:00",
    ),
    # R6: a demand answered and resolved in one working day, rated 5.
    record(
        "demand",
        "2026-03-12 10:00",
        "2026-03-13 10:00",
        "2026-03-12 10:30",
        "2026-03-27 23:59:59",
        "2026-03-13 10:00",
        5,
        "2026-03-14 10:00",
    ),
    # R7: opened on a Spring Festival day in February; resolved in March after 16 working days.
    record(
        "demand",
        "2026-02-20 10:00",
        "2026-02-21 10:00",
        "2026-02-21 09:00",
        "2026-03-16 23:59:59",
        "2026-03-16 20:00",
        1,
        "2026-03-17 10:00",
    ),
    # R8: every deadline after as_of or outside March; its rating falls in April.
    record(
        "demand",
        "2026-03-30 10:00",
        "2026-04-20 10:00",
        None,
        "2026-05-15 23:59:59",
        None,
        2,
        "2026-04-02 10:00",
    ),
    # Another department with too few cases to judge.
    record(
        "complaint",
        "2026-03-02 10:00",
        "2026-03-03 10:00",
        "2026-03-02 11:00",
        "2026-03-20 23:59:59",
        "2026-03-05 10:00",
        5,
        "2026-03-06 10:00",
        department="区交通局",
    ),
    record(
        "demand",
        "2026-03-02 10:00",
        "2026-03-03 10:00",
        "2026-03-02 11:00",
        "2026-03-20 23:59:59",
        "2026-03-06 10:00",
        4,
        "2026-03-07 10:00",
        department="区交通局",
    ),
]


@pytest.fixture(scope="module")
def rates(calendar):
    return department_rates(RECORDS, MARCH, AS_OF, calendar, SHANGHAI)


def test_rates_are_reported_for_each_department(rates):
    assert sorted(rates) == ["区交通局", "区住建局"]


def test_response_rate_counts_on_time_first_responses_among_those_due_in_the_period(rates):
    response = rates[HOUSING].response
    assert (response.numerator, response.denominator) == (4, 6)
    assert response.value == pytest.approx(4 / 6)


def test_resolution_rate_treats_a_resolution_after_as_of_as_not_yet_done(rates):
    resolution = rates[HOUSING].resolution
    assert (resolution.numerator, resolution.denominator) == (4, 7)


def test_satisfaction_rate_counts_ratings_of_four_and_five_given_in_the_period(rates):
    satisfaction = rates[HOUSING].satisfaction
    assert (satisfaction.numerator, satisfaction.denominator) == (3, 5)
    assert satisfaction.value == pytest.approx(0.6)


def test_complaint_closure_rate_covers_complaints_opened_in_the_period(rates):
    closure = rates[HOUSING].complaint_closure
    assert (closure.numerator, closure.denominator) == (3, 5)


def test_mean_working_days_to_resolve_uses_the_official_calendar(rates):
    mean = rates[HOUSING].working_days_to_resolve
    assert mean.sample_size == 5
    assert mean.value == pytest.approx((6 + 0 + 16 + 1 + 16) / 5)


def test_a_department_with_fewer_than_five_cases_reports_not_enough_data(rates):
    transport = rates["区交通局"]
    for figure in (
        transport.response,
        transport.resolution,
        transport.satisfaction,
        transport.complaint_closure,
    ):
        assert figure.status == "not_enough_data"
        assert figure.value is None
    assert transport.response.denominator == 2
    assert transport.working_days_to_resolve.status == "not_enough_data"
    assert transport.working_days_to_resolve.sample_size == 2


def test_the_minimum_sample_is_configurable(calendar):
    strict = department_rates(RECORDS, MARCH, AS_OF, calendar, SHANGHAI, min_sample=7)
    assert strict[HOUSING].resolution.status == "ok"
    assert strict[HOUSING].response.status == "not_enough_data"


def test_an_earlier_as_of_leaves_pending_deadlines_out_of_the_rates(calendar):
    mid_march = department_rates(
        RECORDS, MARCH, local("2026-03-12 10:00"), calendar, SHANGHAI, min_sample=1
    )
    response = mid_march[HOUSING].response
    # By 10:00 on 12 March: R1–R4 are past due, R5 was answered early, R6 is still pending.
    assert (response.numerator, response.denominator) == (3, 5)
