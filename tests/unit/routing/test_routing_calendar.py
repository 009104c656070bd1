from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minsheng.services.calendar_files import load_work_calendar, shipped_calendar_text
from routing.calendar import (
    CalendarDataError,
    WorkCalendar,
    YearData,
    calendar_from_years,
    nth_working_day_after,
    parse_calendar_document,
    provisional_now_settled,
    working_day_deadline,
    working_days_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text: str) -> dt.datetime:
    """A Shanghai wall-clock time from 'YYYY-MM-DD HH:MM[:SS]'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


D = dt.date


def test_case_submitted_on_mid_autumn_day_2026_is_due_at_the_end_of_12_november(calendar):
    start = dt.datetime.fromisoformat("2026-09-25T10:00:00+08:00")
    deadline = working_day_deadline(start, 30, calendar, SHANGHAI)
    assert deadline.at.isoformat() == "2026-11-12T23:59:59+08:00"
    assert deadline.provisional is False


def test_counting_starts_on_the_day_after_submission(calendar):
    deadline = working_day_deadline(local("2026-03-02 08:00"), 1, calendar, SHANGHAI)
    assert deadline.at == local("2026-03-03 23:59:59")


def test_a_utc_evening_submission_counts_from_the_next_local_date(calendar):
    start = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)  # 04:00 on 3 March in Shanghai
    deadline = working_day_deadline(start, 1, calendar, SHANGHAI)
    assert deadline.at.isoformat() == "2026-03-04T23:59:59+08:00"


def test_the_deadline_is_returned_in_the_city_time_zone_even_for_a_utc_start(calendar):
    start = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    deadline = working_day_deadline(start, 1, calendar, SHANGHAI)
    assert deadline.at.utcoffset() == dt.timedelta(hours=8)


def test_a_naive_start_is_refused_by_the_core(calendar):
    with pytest.raises(ValueError, match="timezone-aware"):
        working_day_deadline(dt.datetime(2026, 3, 2, 10), 1, calendar, SHANGHAI)


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 1, 1),
        D(2026, 1, 2),
        D(2026, 2, 16),
        D(2026, 2, 20),
        D(2026, 2, 23),
        D(2026, 4, 6),
        D(2026, 5, 4),
        D(2026, 5, 5),
        D(2026, 6, 19),
        D(2026, 9, 25),
        D(2026, 10, 1),
        D(2026, 10, 7),
    ],
)
def test_2026_public_holidays_on_weekdays_are_days_off(calendar, day):
    assert day.weekday() < 5
    assert not calendar.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)],
)
def test_2026_make_up_weekends_are_working_days(calendar, day):
    assert day.weekday() >= 5
    assert calendar.is_working_day(day)


def test_spring_festival_2026_pauses_the_count_for_the_whole_week(calendar):
    # Friday 13 Feb → Sat 14 Feb is a make-up working day, then nothing until Tue 24 Feb.
    assert nth_working_day_after(D(2026, 2, 13), 1, calendar).day == D(2026, 2, 14)
    assert nth_working_day_after(D(2026, 2, 13), 2, calendar).day == D(2026, 2, 24)


def test_national_day_week_is_skipped_and_the_make_up_saturday_counts(calendar):
    assert nth_working_day_after(D(2026, 9, 30), 1, calendar).day == D(2026, 10, 8)
    assert nth_working_day_after(D(2026, 10, 9), 1, calendar).day == D(2026, 10, 10)


def test_a_deadline_inside_2026_is_final(calendar):
    deadline = working_day_deadline(local("2026-11-02 10:00"), 30, calendar, SHANGHAI)
    assert deadline.at == local("2026-12-14 23:59:59")
    assert not deadline.provisional


def test_a_deadline_crossing_into_2027_is_provisional_and_names_2027(calendar):
    deadline = working_day_deadline(local("2026-12-20 10:00"), 30, calendar, SHANGHAI)
    assert deadline.at == local("2027-01-29 23:59:59")
    assert deadline.provisional
    assert deadline.uncovered_years == (2027,)
    assert deadline.years == (2026, 2027)


def test_a_case_opened_on_new_years_eve_2026_depends_only_on_2027(calendar):
    result = nth_working_day_after(D(2026, 12, 31), 1, calendar)
    assert result.day == D(2027, 1, 1)  # Friday; no 2027 data yet, so a plain weekday
    assert result.years == (2027,)
    assert result.provisional


def test_a_year_without_data_counts_monday_to_friday(calendar):
    # Wed 1 Jan 2031 → 5 working days: Thu 2, Fri 3, Mon 6, Tue 7, Wed 8.
    result = nth_working_day_after(D(2031, 1, 1), 5, calendar)
    assert result.day == D(2031, 1, 8)
    assert result.provisional and result.uncovered_years == (2031,)


@pytest.mark.parametrize("year", [1999, 2027, 2031, 2100])
def test_years_far_outside_the_data_still_give_a_provisional_deadline(calendar, year):
    deadline = working_day_deadline(local(f"{year}-06-15 12:00"), 30, calendar, SHANGHAI)
    assert deadline.provisional
    assert deadline.at.date().weekday() < 5


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=D(1990, 1, 1), max_value=D(2110, 12, 31)),
    n=st.integers(min_value=1, max_value=60),
)
def test_the_nth_working_day_is_a_working_day_with_exactly_n_working_days_counted(start, n):
    calendar = load_work_calendar()
    result = nth_working_day_after(start, n, calendar)
    assert calendar.is_working_day(result.day)
    assert working_days_between(start, result.day, calendar) == n
    assert result.provisional == any(not calendar.covers(y) for y in result.years)


def test_working_days_between_counts_zero_on_the_same_day_and_skips_holidays(calendar):
    assert working_days_between(D(2026, 9, 25), D(2026, 9, 25), calendar) == 0
    assert working_days_between(D(2026, 9, 25), D(2026, 11, 12), calendar) == 30


def _year_2027_with_new_year_holiday() -> YearData:
    return YearData(2027, {D(2027, 1, 1): "New Year's Day"}, {})


def _shipped_years() -> list[YearData]:
    return parse_calendar_document(json.loads(shipped_calendar_text()), "shipped")


def test_a_provisional_deadline_is_settled_and_moves_once_2027_is_published(calendar):
    before = working_day_deadline(local("2026-12-20 10:00"), 30, calendar, SHANGHAI)
    assert not provisional_now_settled(before.years, calendar)
    updated = calendar_from_years([*_shipped_years(), _year_2027_with_new_year_holiday()])
    assert provisional_now_settled(before.years, updated)
    after = working_day_deadline(local("2026-12-20 10:00"), 30, updated, SHANGHAI)
    assert after.at == local("2027-02-01 23:59:59")
    assert not after.provisional


def test_an_operator_year_replaces_the_shipped_year_of_the_same_number():
    replacement = YearData(2026, {}, {})
    updated = calendar_from_years([*_shipped_years(), replacement])
    assert updated.is_working_day(D(2026, 10, 1))
    assert not updated.is_working_day(D(2026, 10, 10))


def test_single_day_overrides_change_those_days_without_publishing_their_year():
    updated = calendar_from_years(
        _shipped_years(),
        extra_holidays=[D(2026, 3, 2), D(2027, 3, 1)],
        extra_workdays=[D(2026, 3, 7)],
    )
    assert not updated.is_working_day(D(2026, 3, 2))
    assert updated.is_working_day(D(2026, 3, 7))
    assert not updated.is_working_day(D(2027, 3, 1))
    assert not updated.covers(2027)


def test_a_day_overridden_as_both_holiday_and_workday_is_rejected_by_date():
    with pytest.raises(CalendarDataError, match="2026-03-07"):
        calendar_from_years([], extra_holidays=[D(2026, 3, 7)], extra_workdays=[D(2026, 3, 7)])


def test_shipped_data_covers_2004_to_2026():
    calendar = load_work_calendar()
    assert calendar.covered_years == frozenset(range(2004, 2027))


def test_an_empty_calendar_treats_every_weekday_as_working():
    empty = WorkCalendar()
    assert empty.is_working_day(D(2026, 10, 1))
    assert not empty.is_working_day(D(2026, 10, 10))


@pytest.mark.parametrize(
    ("years", "message"),
    [
        ({"2027": {"holidays": {"2027-02-30": "Spring Festival"}}}, "2027-02-30: not a valid date"),
        (
            {"2027": {"holidays": {"2028-01-01": "New Year's Day"}}},
            "2028-01-01: listed under year 2027",
        ),
        ({"2027": {"workdays": {"2027-01-04": "New Year's Day"}}}, "2027-01-04: a make-up workday"),
        (
            {"2027": {"holidays": {"2027-01-02": "x"}, "workdays": {"2027-01-02": "x"}}},
            "2027-01-02: listed as both",
        ),
        ({"27": {}}, "four-digit year"),
        ({"2027": {"holidays": ["2027-01-01"]}}, "year 2027: holidays must map"),
    ],
)
def test_bad_calendar_data_is_rejected_naming_the_file_and_the_date(years, message):
    with pytest.raises(CalendarDataError) as error:
        parse_calendar_document({"format": 1, "years": years}, "/etc/minsheng/calendar.json")
    assert str(error.value).startswith("/etc/minsheng/calendar.json: ")
    assert message in str(error.value)


def test_a_document_of_an_unknown_format_is_rejected():
    with pytest.raises(CalendarDataError, match="format"):
        parse_calendar_document({"years": {}}, "ops.json")
