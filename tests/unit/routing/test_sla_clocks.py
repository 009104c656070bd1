from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from routing.router import RoutingTable
from routing.sla import (
    CaseClock,
    ResolutionRule,
    SlaPolicy,
    WorkingHours,
    due_alerts,
    is_breached,
    next_due_at,
    record_first_response,
    record_resolution,
    reopen,
    scheduled_alerts,
    staff_notice_time,
    start_clock,
)
from routing.transfers import TransferPolicy, TransferRequest, decide_transfer

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text: str) -> dt.datetime:
    """A Shanghai wall-clock time from 'YYYY-MM-DD HH:MM[:SS]'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


POLICY = SlaPolicy()
HOURS = WorkingHours()


def clock_for(
    calendar,
    opened: str,
    urgency: str = "normal",
    kind: str = "demand",
    domain: str = "housing",
    policy: SlaPolicy = POLICY,
) -> CaseClock:
    return start_clock(local(opened), urgency, kind, domain, policy, calendar, SHANGHAI)


def keys(alerts) -> list[str]:
    return [a.key for a in alerts]


def test_an_urgent_case_must_get_a_first_response_within_two_hours(calendar):
    clock = clock_for(calendar, "2026-03-02 22:30", urgency="urgent")
    assert clock.first_response_due == local("2026-03-03 00:30")


def test_a_high_case_must_get_a_first_response_within_24_hours_even_over_a_holiday(calendar):
    clock = clock_for(calendar, "2026-09-30 16:00", urgency="high")
    assert clock.first_response_due == local("2026-10-01 16:00")


def test_a_normal_complaint_must_get_a_first_response_within_24_hours(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00", kind="complaint")
    assert clock.first_response_due == local("2026-03-03 10:00")


def test_an_urgent_complaint_takes_the_shorter_two_hour_window(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00", urgency="urgent", kind="complaint")
    assert clock.first_response_due == local("2026-03-02 12:00")


def test_a_normal_demand_has_no_first_response_clock_by_default(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00")
    assert clock.first_response_due is None
    assert not any(a.key.startswith("first_response") for a in scheduled_alerts(clock))


def test_first_response_windows_are_configurable(calendar):
    policy = SlaPolicy(first_response_hours={"urgent": 1.0, "high": 8.0, "normal": 72.0})
    clock = clock_for(calendar, "2026-03-02 10:00", policy=policy)
    assert clock.first_response_due == local("2026-03-05 10:00")


def test_every_case_is_due_for_resolution_at_the_end_of_the_30th_working_day(calendar):
    clock = clock_for(calendar, "2026-09-25 10:00", urgency="urgent")
    assert clock.resolution_due == local("2026-11-12 23:59:59")
    assert clock.resolution_round == 1 and not clock.resolution_provisional


def test_resolution_windows_follow_the_most_specific_rule(calendar):
    policy = SlaPolicy(
        resolution_rules=(
            ResolutionRule(working_days=10, kind="inquiry"),
            ResolutionRule(working_days=20, domain="housing"),
            ResolutionRule(working_days=5, domain="housing", kind="inquiry"),
        )
    )
    inquiry_housing = clock_for(calendar, "2026-03-02 10:00", kind="inquiry", policy=policy)
    demand_housing = clock_for(calendar, "2026-03-02 10:00", policy=policy)
    inquiry_transport = clock_for(
        calendar, "2026-03-02 10:00", kind="inquiry", domain="transport", policy=policy
    )
    demand_transport = clock_for(calendar, "2026-03-02 10:00", domain="transport", policy=policy)
    clocks = (inquiry_housing, demand_housing, inquiry_transport, demand_transport)
    assert [c.resolution_working_days for c in clocks] == [5, 20, 10, 30]
    assert inquiry_housing.resolution_due == local("2026-03-09 23:59:59")


def test_a_clock_whose_deadline_reaches_an_unpublished_year_is_provisional(calendar):
    clock = clock_for(calendar, "2026-12-20 10:00")
    assert clock.resolution_provisional
    assert clock.resolution_years == (2026, 2027)


def test_alert_keys_are_stable_and_cover_each_warning_and_breach(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00", urgency="urgent")
    expected = [
        "first_response_warn",
        "first_response_breach",
        "resolution_warn_50@r1",
        "resolution_warn_80@r1",
        "resolution_breach@r1",
    ]
    assert keys(scheduled_alerts(clock)) == expected
    far_future = local("2027-06-01 00:00")
    assert keys(due_alerts(clock, far_future)) == expected
    assert keys(due_alerts(clock, far_future)) == keys(due_alerts(clock, far_future))


def test_warnings_fall_one_hour_before_first_response_and_at_half_and_four_fifths(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00", urgency="urgent")
    at = {a.key: a.due_at for a in scheduled_alerts(clock)}
    window = clock.resolution_due - clock.opened_at
    assert at["first_response_warn"] == local("2026-03-02 11:00")
    assert at["first_response_breach"] == local("2026-03-02 12:00")
    assert at["resolution_warn_50@r1"] == clock.opened_at + window / 2
    assert at["resolution_warn_80@r1"] == clock.opened_at + window * 0.8
    assert at["resolution_breach@r1"] == clock.resolution_due


def test_an_hourly_sweep_sends_each_alert_once_at_its_time(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00", urgency="high")
    sent: dict[str, dt.datetime] = {}
    stored_next = next_due_at(clock)
    now = clock.opened_at
    while now < clock.resolution_due + dt.timedelta(days=2):
        now += dt.timedelta(hours=1)
        if stored_next is not None and stored_next <= now:
            for alert in due_alerts(clock, now):
                sent.setdefault(alert.key, now)  # the unique key makes a resend a no-op
            stored_next = next_due_at(clock, after=now)
    assert stored_next is None
    for alert in scheduled_alerts(clock):
        assert alert.due_at <= sent[alert.key] < alert.due_at + dt.timedelta(hours=1)
    assert len(sent) == 5


def test_nothing_is_due_before_the_first_warning(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00", urgency="urgent")
    assert due_alerts(clock, local("2026-03-02 10:59")) == []
    assert keys(due_alerts(clock, local("2026-03-02 11:00"))) == ["first_response_warn"]


def test_a_first_response_in_time_silences_the_first_response_breach(calendar):
    clock = record_first_response(
        clock_for(calendar, "2026-03-02 10:00", urgency="urgent"), local("2026-03-02 11:30")
    )
    assert keys(due_alerts(clock, local("2026-03-02 13:00"))) == ["first_response_warn"]
    assert not is_breached(clock, local("2026-03-02 13:00"))


def test_a_late_first_response_keeps_the_breach_on_record(calendar):
    clock = record_first_response(
        clock_for(calendar, "2026-03-02 10:00", urgency="urgent"), local("2026-03-02 14:00")
    )
    assert "first_response_breach" in keys(due_alerts(clock, local("2026-03-02 15:00")))


def test_a_breach_escalates_the_case_to_the_supervisor_department(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00")
    now = clock.resolution_due + dt.timedelta(seconds=1)
    breach = [a for a in due_alerts(clock, now) if a.escalate]
    assert keys(breach) == ["resolution_breach@r1"]
    assert is_breached(clock, now)
    table = RoutingTable(
        domain_departments={"housing": "住建局"},
        triage_department="热线兜底组",
        supervisor_department="督查室",
        supervisors={"住建局": "区政府办"},
    )
    assert table.supervisor_of("住建局") == "区政府办"
    assert table.supervisor_of("交通局") == "督查室"


def test_resolving_the_case_stops_later_resolution_alerts(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00")
    window = clock.resolution_due - clock.opened_at
    resolved = record_resolution(clock, clock.opened_at + window * 0.6)
    assert keys(due_alerts(resolved, local("2027-01-01 00:00"))) == ["resolution_warn_50@r1"]
    assert next_due_at(resolved, after=clock.opened_at + window * 0.6) is None


def test_a_transfer_keeps_both_clocks(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00", kind="complaint")
    policy = TransferPolicy(triage_department="热线兜底组", triage_supervisor="兜底组长")
    decision = decide_transfer(
        TransferRequest("住建局", "not ours: road works", "交通局"), 0, policy, clock
    )
    assert decision.department == "交通局"
    assert decision.clock == clock
    now = local("2026-04-01 00:00")
    assert due_alerts(decision.clock, now) == due_alerts(clock, now)


def test_a_reopen_after_dissatisfaction_starts_a_15_working_day_second_round(calendar):
    clock = clock_for(calendar, "2026-09-01 10:00")
    resolved = record_resolution(clock, local("2026-09-20 10:00"))
    reopened = reopen(resolved, local("2026-09-28 09:00"), POLICY, calendar, SHANGHAI)
    # 29, 30 Sep, then 8, 9, 10 (Sat, make-up), 12–16, 19–23 Oct = 15 working days.
    assert reopened.resolution_due == local("2026-10-23 23:59:59")
    assert reopened.resolution_round == 2 and reopened.resolved_at is None
    assert keys(scheduled_alerts(reopened)) == [
        "resolution_warn_50@r2",
        "resolution_warn_80@r2",
        "resolution_breach@r2",
    ]


def test_the_reopen_window_is_configurable(calendar):
    resolved = record_resolution(clock_for(calendar, "2026-03-02 10:00"), local("2026-03-03 10:00"))
    reopened = reopen(
        resolved, local("2026-03-04 10:00"), SlaPolicy(reopen_working_days=1), calendar, SHANGHAI
    )
    assert reopened.resolution_due == local("2026-03-05 23:59:59")


def test_a_case_still_open_cannot_be_reopened(calendar):
    with pytest.raises(ValueError, match="resolved"):
        reopen(
            clock_for(calendar, "2026-03-02 10:00"),
            local("2026-03-03 10:00"),
            POLICY,
            calendar,
            SHANGHAI,
        )


def test_warning_points_are_configurable_and_named_by_percentage(calendar):
    policy = SlaPolicy(resolution_warn_fractions=(0.25, 0.9))
    clock = clock_for(calendar, "2026-03-02 10:00", policy=policy)
    assert keys(scheduled_alerts(clock)) == [
        "resolution_warn_25@r1",
        "resolution_warn_90@r1",
        "resolution_breach@r1",
    ]


def test_a_warning_point_outside_the_window_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        SlaPolicy(resolution_warn_fractions=(0.5, 1.2))


def test_changing_a_clock_returns_a_new_clock_and_leaves_the_old_one_alone(calendar):
    clock = clock_for(calendar, "2026-03-02 10:00", urgency="urgent")
    record_first_response(clock, local("2026-03-02 10:30"))
    assert clock.first_responded_at is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        clock.resolution_round = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("urgency", "kind"), [("urgent", "demand"), ("high", "inquiry"), ("normal", "complaint")]
)
def test_staff_hear_about_urgent_high_and_complaint_cases_at_once_even_at_night(
    calendar, urgency, kind
):
    now = local("2026-10-03 02:00")
    assert staff_notice_time(now, urgency, kind, HOURS, calendar, SHANGHAI) == now


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-03-02 10:00", "2026-03-02 10:00"),  # Monday, office hours: at once
        ("2026-03-02 07:30", "2026-03-02 09:00"),  # before office hours
        ("2026-03-02 18:00", "2026-03-03 09:00"),  # closing time
        ("2026-03-07 11:00", "2026-03-09 09:00"),  # Saturday
        ("2026-10-01 11:00", "2026-10-08 09:00"),  # National Day
        ("2026-10-10 11:00", "2026-10-10 11:00"),  # make-up working Saturday
        ("2026-09-19 11:00", "2026-09-20 09:00"),  # Saturday before a make-up Sunday
    ],
)
def test_staff_hear_about_other_cases_in_working_hours_on_working_days(calendar, now, expected):
    sent = staff_notice_time(local(now), "normal", "demand", HOURS, calendar, SHANGHAI)
    assert sent == local(expected)
