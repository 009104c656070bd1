"""Project milestones, their evaluation, early warnings and supervision (挂牌督办), as pure data.

A milestone is a percentage of the work to be done by the end of a calendar date of the plan
year (by default 50 % by 30 June, 80 % by 30 September, 100 % by 31 December). A milestone
is *met* when the progress reported on or before its date reached its percentage, *missed*
when its date has passed without that, and *not yet due* (None) before then unless already
reached. A project is *supervised* while some milestone's date has passed and the current
progress is still below that milestone's percentage; it is cleared as soon as progress
catches up. Every function takes `today` (a local date); none reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from routing.calendar import WorkCalendar, working_days_between

# (month, day, percent): the schedule config may replace.
DEFAULT_SCHEDULE: tuple[tuple[int, int, int], ...] = ((6, 30, 50), (9, 30, 80), (12, 31, 100))
DEFAULT_WARNING_WORKING_DAYS = 10


@dataclass(frozen=True, order=True)
class Milestone:
    due: dt.date
    percent: int

    def __post_init__(self) -> None:
        if not 0 < self.percent <= 100:
            raise ValueError(f"a milestone's percentage is 1–100, got {self.percent}")


@dataclass(frozen=True)
class ProgressReport:
    """Progress as reported on a (local) day."""

    on: dt.date
    percent: int

    def __post_init__(self) -> None:
        if not 0 <= self.percent <= 100:
            raise ValueError(f"progress is 0–100 %, got {self.percent}")


@dataclass(frozen=True)
class MilestoneStatus:
    milestone: Milestone
    met: bool | None  # None: not yet due and not yet reached
    percent_at_due: int | None  # progress at the milestone date, once it has passed


@dataclass(frozen=True)
class MilestoneWarning:
    milestone: Milestone
    working_days_left: int
    behind_by: int  # percentage points still missing


def default_milestones(
    plan_year: int, schedule: Iterable[tuple[int, int, int]] = DEFAULT_SCHEDULE
) -> tuple[Milestone, ...]:
    """The milestones of a plan year from a (month, day, percent) schedule, checked."""
    milestones = tuple(
        Milestone(dt.date(plan_year, month, day), percent) for month, day, percent in schedule
    )
    check_milestones(milestones)
    return milestones


def check_milestones(milestones: Sequence[Milestone]) -> None:
    """Dates strictly increasing, percentages strictly increasing; raise ValueError if not."""
    if not milestones:
        raise ValueError("a project needs at least one milestone")
    for earlier, later in zip(milestones, milestones[1:]):
        if later.due <= earlier.due:
            raise ValueError(f"milestone dates must increase: {later.due} after {earlier.due}")
        if later.percent <= earlier.percent:
            raise ValueError(
                f"milestone percentages must increase: {later.percent} % after {earlier.percent} %"
            )


def progress_on(reports: Iterable[ProgressReport], day: dt.date) -> int:
    """The progress in force at the end of `day`: the latest report on or before it (0 if none).

    The latest report wins, not the highest, because a report may correct an earlier one.
    """
    latest: ProgressReport | None = None
    for report in reports:
        if report.on <= day and (latest is None or report.on >= latest.on):
            latest = report
    return latest.percent if latest else 0


def evaluate(
    milestones: Sequence[Milestone], reports: Sequence[ProgressReport], today: dt.date
) -> tuple[MilestoneStatus, ...]:
    out = []
    current = progress_on(reports, today)
    for milestone in sorted(milestones):
        if today > milestone.due:
            at_due = progress_on(reports, milestone.due)
            out.append(MilestoneStatus(milestone, at_due >= milestone.percent, at_due))
        else:
            out.append(
                MilestoneStatus(milestone, True if current >= milestone.percent else None, None)
            )
    return tuple(out)


def warnings(
    milestones: Sequence[Milestone],
    current_percent: int,
    today: dt.date,
    calendar: WorkCalendar,
    within_working_days: int = DEFAULT_WARNING_WORKING_DAYS,
) -> tuple[MilestoneWarning, ...]:
    """Milestones not yet reached whose date is today or within N working days from today."""
    out = []
    for milestone in sorted(milestones):
        if milestone.due < today or current_percent >= milestone.percent:
            continue
        left = working_days_between(today, milestone.due, calendar)
        if left <= within_working_days:
            out.append(MilestoneWarning(milestone, left, milestone.percent - current_percent))
    return tuple(out)


def overdue_milestones(
    milestones: Sequence[Milestone], current_percent: int, today: dt.date
) -> tuple[Milestone, ...]:
    """Milestones whose date has passed while the current progress is still below them."""
    return tuple(m for m in sorted(milestones) if m.due < today and current_percent < m.percent)


def is_supervised(milestones: Sequence[Milestone], current_percent: int, today: dt.date) -> bool:
    return bool(overdue_milestones(milestones, current_percent, today))


def supervision_change(
    supervised_now: bool, milestones: Sequence[Milestone], current_percent: int, today: dt.date
) -> str | None:
    """ "set", "cleared" or None: what the stored supervised flag must do, so it is logged once."""
    should = is_supervised(milestones, current_percent, today)
    if should and not supervised_now:
        return "set"
    if supervised_now and not should:
        return "cleared"
    return None
