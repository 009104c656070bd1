"""Milestones of a 2026 project on the real calendar: evaluation, warnings, supervision."""

from __future__ import annotations

import datetime as dt

import pytest

from routing.calendar import WorkCalendar
from routing.milestones import (
    Milestone,
    ProgressReport,
    default_milestones,
    evaluate,
    is_supervised,
    overdue_milestones,
    progress_on,
    supervision_change,
    warnings,
)

D = dt.date
M2026 = default_milestones(2026)


def test_the_default_milestones_are_half_by_june_four_fifths_by_september_all_by_year_end() -> None:
    assert (
        Milestone(D(2026, 6, 30), 50),
        Milestone(D(2026, 9, 30), 80),
        Milestone(D(2026, 12, 31), 100),
    ) == M2026


def test_the_schedule_can_be_changed_by_configuration() -> None:
    assert default_milestones(2027, [(3, 31, 30), (12, 15, 100)]) == (
        Milestone(D(2027, 3, 31), 30),
        Milestone(D(2027, 12, 15), 100),
    )


@pytest.mark.parametrize(
    "schedule",
    [
        [(9, 30, 80), (6, 30, 50)],  # dates out of order
        [(6, 30, 80), (9, 30, 50)],  # percentages going down
        [(2, 29, 50)],  # no 29 February in 2026
        [(6, 30, 0)],  # nothing to do
        [],
    ],
)
def test_a_schedule_that_makes_no_sense_is_refused(schedule: list[tuple[int, int, int]]) -> None:
    with pytest.raises(ValueError):
        default_milestones(2026, schedule)


def test_before_the_first_date_every_milestone_is_not_yet_due() -> None:
    statuses = evaluate(M2026, [ProgressReport(D(2026, 3, 1), 20)], today=D(2026, 5, 20))
    assert [s.met for s in statuses] == [None, None, None]


def test_the_milestone_date_itself_still_counts_as_in_time() -> None:
    statuses = evaluate(M2026, [ProgressReport(D(2026, 6, 30), 50)], today=D(2026, 6, 30))
    assert statuses[0].met is True
    late = evaluate(M2026, [ProgressReport(D(2026, 7, 1), 50)], today=D(2026, 7, 1))
    assert late[0].met is False and late[0].percent_at_due == 0


def test_a_milestone_reached_early_shows_as_met_before_its_date() -> None:
    statuses = evaluate(M2026, [ProgressReport(D(2026, 5, 10), 85)], today=D(2026, 5, 20))
    assert [s.met for s in statuses] == [True, True, None]


def test_a_milestone_missed_on_its_date_stays_missed_after_progress_catches_up() -> None:
    reports = [ProgressReport(D(2026, 6, 1), 40), ProgressReport(D(2026, 7, 15), 60)]
    statuses = evaluate(M2026, reports, today=D(2026, 8, 1))
    assert (statuses[0].met, statuses[0].percent_at_due) == (False, 40)
    assert statuses[1].met is None


def test_the_latest_report_wins_even_when_it_corrects_progress_downwards() -> None:
    reports = [ProgressReport(D(2026, 6, 1), 60), ProgressReport(D(2026, 6, 20), 45)]
    assert progress_on(reports, D(2026, 6, 30)) == 45
    assert evaluate(M2026, reports, today=D(2026, 7, 1))[0].met is False


def test_a_milestone_behind_and_ten_working_days_away_warns_counting_the_dragon_boat_holiday(
    calendar: WorkCalendar,
) -> None:
    # 16–30 June 2026 has 11 weekdays, but 19 June is the Dragon Boat holiday.
    found = warnings(M2026, 30, D(2026, 6, 15), calendar, within_working_days=10)
    assert [(w.milestone.percent, w.working_days_left, w.behind_by) for w in found] == [
        (50, 10, 20)
    ]
    assert warnings(M2026, 30, D(2026, 6, 15), calendar, within_working_days=9) == ()


def test_the_make_up_sunday_before_national_day_counts_as_a_working_day(
    calendar: WorkCalendar,
) -> None:
    # 20 September 2026 (a Sunday) is worked; 25 September (Mid-autumn) is not.
    found = warnings(M2026, 70, D(2026, 9, 16), calendar, within_working_days=10)
    assert [(w.milestone.percent, w.working_days_left) for w in found] == [(80, 10)]


def test_no_warning_when_the_project_is_on_track(calendar: WorkCalendar) -> None:
    assert warnings(M2026, 55, D(2026, 6, 25), calendar) == ()


def test_on_its_date_a_milestone_still_behind_warns_with_no_working_days_left(
    calendar: WorkCalendar,
) -> None:
    found = warnings(M2026, 10, D(2026, 6, 30), calendar)
    assert [(w.milestone.percent, w.working_days_left) for w in found] == [(50, 0)]


def test_a_passed_milestone_no_longer_warns_it_is_supervised_instead(
    calendar: WorkCalendar,
) -> None:
    assert warnings(M2026, 10, D(2026, 7, 1), calendar) == ()
    assert is_supervised(M2026, 10, D(2026, 7, 1))


def test_supervision_starts_the_day_after_a_missed_milestone_date() -> None:
    assert not is_supervised(M2026, 40, D(2026, 6, 30))
    assert is_supervised(M2026, 40, D(2026, 7, 1))
    assert supervision_change(False, M2026, 40, D(2026, 7, 1)) == "set"


def test_supervision_is_cleared_when_progress_catches_up() -> None:
    assert supervision_change(True, M2026, 50, D(2026, 7, 20)) == "cleared"
    assert not is_supervised(M2026, 50, D(2026, 7, 20))


def test_supervision_stays_while_progress_is_below_the_latest_passed_milestone() -> None:
    # Caught up with June's 50 % but not September's 80 %.
    assert overdue_milestones(M2026, 60, D(2026, 10, 8)) == (Milestone(D(2026, 9, 30), 80),)
    assert supervision_change(True, M2026, 60, D(2026, 10, 8)) is None


def test_a_completed_project_is_never_supervised() -> None:
    assert not is_supervised(M2026, 100, D(2027, 1, 5))


def test_a_progress_report_outside_zero_to_a_hundred_is_refused() -> None:
    with pytest.raises(ValueError):
        ProgressReport(D(2026, 5, 1), 120)
