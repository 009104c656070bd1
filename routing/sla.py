"""SLA clocks for a case: first response (wall-clock hours) and resolution (working days).

All functions are pure: they take the time (`now`, `at`) and the calendar as arguments.

Rules (defaults; every number comes from `SlaPolicy`):
- First response: urgent 2 h, high 24 h, any complaint 24 h, none for other normal cases.
  When several apply, the shortest wins.
- Resolution: 30 working days, counted from the day after the case was opened, due at the
  end (23:59:59 local) of the last working day; rules may set other lengths per domain
  and/or kind (domain+kind beats domain beats kind beats the default).
- A transfer keeps the clocks. A reopen after dissatisfaction starts resolution round r2, r3...
  with its own window (default 15 working days) counted from the reopen.
- Alerts: warnings at fractions of the resolution window (wall-clock share of the time from
  the round's start to its deadline; default 50 % and 80 %), one hour before a first-response
  deadline, and a breach at each deadline. A breach escalates the case to the supervisor
  department (挂牌督办). An alert is live until the clock it watches stops: a first response
  stops the first-response alerts, a resolution stops that round's alerts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from routing.calendar import (
    WorkCalendar,
    next_working_day_on_or_after,
    working_day_deadline,
)

URGENT = "urgent"
HIGH = "high"
NORMAL = "normal"
COMPLAINT = "complaint"

FIRST_RESPONSE_WARN = "first_response_warn"
FIRST_RESPONSE_BREACH = "first_response_breach"
RESOLUTION_WARN = "resolution_warn"
RESOLUTION_BREACH = "resolution_breach"


def _default_first_response_hours() -> Mapping[str, float | None]:
    return MappingProxyType({URGENT: 2.0, HIGH: 24.0, NORMAL: None})


@dataclass(frozen=True)
class ResolutionRule:
    """A resolution window for a domain and/or kind (None matches any)."""

    working_days: int
    domain: str | None = None
    kind: str | None = None

    def specificity(self, domain: str, kind: str) -> int:
        """0 when the rule does not apply; higher means more specific."""
        if self.domain is not None and self.domain != domain:
            return 0
        if self.kind is not None and self.kind != kind:
            return 0
        return (2 if self.domain is not None else 0) + (1 if self.kind is not None else 0)


@dataclass(frozen=True)
class SlaPolicy:
    first_response_hours: Mapping[str, float | None] = field(
        default_factory=_default_first_response_hours
    )
    complaint_first_response_hours: float | None = 24.0
    resolution_working_days: int = 30
    resolution_rules: tuple[ResolutionRule, ...] = ()
    reopen_working_days: int = 15
    resolution_warn_fractions: tuple[float, ...] = (0.5, 0.8)
    first_response_warn_before: dt.timedelta = dt.timedelta(hours=1)

    def __post_init__(self) -> None:
        for fraction in self.resolution_warn_fractions:
            if not 0 < fraction < 1:
                raise ValueError(f"warning fractions must lie between 0 and 1, got {fraction}")
        days = [self.resolution_working_days, self.reopen_working_days]
        days += [rule.working_days for rule in self.resolution_rules]
        if min(days) < 1:
            raise ValueError("resolution windows must be at least 1 working day")
        hours = [*self.first_response_hours.values(), self.complaint_first_response_hours]
        if any(h is not None and h <= 0 for h in hours):
            raise ValueError("first-response windows must be positive")
        if self.first_response_warn_before < dt.timedelta(0):
            raise ValueError("first_response_warn_before must not be negative")


@dataclass(frozen=True)
class WorkingHours:
    """Office hours in local time on working days (start inclusive, end exclusive)."""

    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(18, 0)

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("working hours must start before they end")


@dataclass(frozen=True)
class CaseClock:
    """Both clocks of one case, as timestamps. Persist every field."""

    opened_at: dt.datetime
    first_response_due: dt.datetime | None
    first_responded_at: dt.datetime | None
    resolution_round: int
    resolution_started_at: dt.datetime
    resolution_working_days: int
    resolution_due: dt.datetime
    resolution_provisional: bool
    resolution_years: tuple[int, ...]
    resolved_at: dt.datetime | None = None
    warn_fractions: tuple[float, ...] = (0.5, 0.8)
    first_response_warn_before: dt.timedelta = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str
    due_at: dt.datetime
    resolution_round: int | None = None
    escalate: bool = False


def first_response_window(policy: SlaPolicy, urgency: str, kind: str) -> dt.timedelta | None:
    candidates = [policy.first_response_hours.get(urgency)]
    if kind == COMPLAINT:
        candidates.append(policy.complaint_first_response_hours)
    hours = [h for h in candidates if h is not None]
    return dt.timedelta(hours=min(hours)) if hours else None


def resolution_working_days(policy: SlaPolicy, domain: str, kind: str) -> int:
    best: tuple[int, int] = (0, policy.resolution_working_days)
    for rule in policy.resolution_rules:
        score = rule.specificity(domain, kind)
        if score > best[0]:
            best = (score, rule.working_days)
    return best[1]


def start_clock(
    opened_at: dt.datetime,
    urgency: str,
    kind: str,
    domain: str,
    policy: SlaPolicy,
    calendar: WorkCalendar,
    tz: dt.tzinfo,
) -> CaseClock:
    """The clocks of a newly opened case."""
    _require_aware(opened_at, "opened_at")
    window = first_response_window(policy, urgency, kind)
    days = resolution_working_days(policy, domain, kind)
    deadline = working_day_deadline(opened_at, days, calendar, tz)
    return CaseClock(
        opened_at=opened_at,
        first_response_due=opened_at + window if window is not None else None,
        first_responded_at=None,
        resolution_round=1,
        resolution_started_at=opened_at,
        resolution_working_days=days,
        resolution_due=deadline.at,
        resolution_provisional=deadline.provisional,
        resolution_years=deadline.years,
        warn_fractions=policy.resolution_warn_fractions,
        first_response_warn_before=policy.first_response_warn_before,
    )


def record_first_response(clock: CaseClock, at: dt.datetime) -> CaseClock:
    """Stop the first-response clock; later responses do not move it."""
    _require_aware(at, "at")
    if clock.first_responded_at is not None:
        return clock
    return replace(clock, first_responded_at=at)


def record_resolution(clock: CaseClock, at: dt.datetime) -> CaseClock:
    _require_aware(at, "at")
    if clock.resolved_at is not None:
        raise ValueError("this resolution round is already resolved")
    return replace(clock, resolved_at=at)


def reopen(
    clock: CaseClock,
    at: dt.datetime,
    policy: SlaPolicy,
    calendar: WorkCalendar,
    tz: dt.tzinfo,
) -> CaseClock:
    """Start a new resolution round after the resident was dissatisfied with the answer."""
    _require_aware(at, "at")
    if clock.resolved_at is None:
        raise ValueError("only a resolved case can be reopened")
    deadline = working_day_deadline(at, policy.reopen_working_days, calendar, tz)
    return replace(
        clock,
        resolution_round=clock.resolution_round + 1,
        resolution_started_at=at,
        resolution_working_days=policy.reopen_working_days,
        resolution_due=deadline.at,
        resolution_provisional=deadline.provisional,
        resolution_years=deadline.years,
        resolved_at=None,
        warn_fractions=policy.resolution_warn_fractions,
    )


def recompute_resolution_due(clock: CaseClock, calendar: WorkCalendar, tz: dt.tzinfo) -> CaseClock:
    """Recount the current round's deadline, e.g. once a provisional year gets its data."""
    deadline = working_day_deadline(
        clock.resolution_started_at, clock.resolution_working_days, calendar, tz
    )
    return replace(
        clock,
        resolution_due=deadline.at,
        resolution_provisional=deadline.provisional,
        resolution_years=deadline.years,
    )


def scheduled_alerts(clock: CaseClock) -> list[Alert]:
    """Every alert of the clock's current state, whether due yet or not, in time order."""
    alerts: list[Alert] = []
    if clock.first_response_due is not None:
        stop = clock.first_responded_at
        warn_at = max(clock.first_response_due - clock.first_response_warn_before, clock.opened_at)
        if _live(warn_at, stop):
            alerts.append(Alert(FIRST_RESPONSE_WARN, FIRST_RESPONSE_WARN, warn_at))
        if _live(clock.first_response_due, stop):
            alerts.append(
                Alert(
                    FIRST_RESPONSE_BREACH,
                    FIRST_RESPONSE_BREACH,
                    clock.first_response_due,
                    escalate=True,
                )
            )
    r = clock.resolution_round
    window = clock.resolution_due - clock.resolution_started_at
    for fraction in clock.warn_fractions:
        warn_at = clock.resolution_started_at + window * fraction
        if _live(warn_at, clock.resolved_at):
            key = f"{RESOLUTION_WARN}_{_percent(fraction)}@r{r}"
            alerts.append(Alert(key, RESOLUTION_WARN, warn_at, resolution_round=r))
    if _live(clock.resolution_due, clock.resolved_at):
        alerts.append(
            Alert(
                f"{RESOLUTION_BREACH}@r{r}",
                RESOLUTION_BREACH,
                clock.resolution_due,
                resolution_round=r,
                escalate=True,
            )
        )
    alerts.sort(key=lambda a: a.due_at)
    return alerts


def due_alerts(clock: CaseClock, now: dt.datetime) -> list[Alert]:
    """Alerts whose time has come by `now`. Keys are stable: send each key once."""
    _require_aware(now, "now")
    return [a for a in scheduled_alerts(clock) if a.due_at <= now]


def next_due_at(clock: CaseClock, after: dt.datetime | None = None) -> dt.datetime | None:
    """The earliest alert time still ahead (strictly after `after`, when given).

    The sweep sends due_alerts(clock, now) and then stores next_due_at(clock, after=now).
    """
    times = [a.due_at for a in scheduled_alerts(clock) if after is None or a.due_at > after]
    return min(times) if times else None


def is_breached(clock: CaseClock, now: dt.datetime) -> bool:
    return any(a.escalate for a in due_alerts(clock, now))


def staff_notice_time(
    now: dt.datetime,
    urgency: str,
    kind: str,
    hours: WorkingHours,
    calendar: WorkCalendar,
    tz: dt.tzinfo,
) -> dt.datetime:
    """When a notice to staff about a case may go out: urgent, high and complaint cases at
    once, other cases at the next moment inside working hours on a working day."""
    _require_aware(now, "now")
    if urgency in (URGENT, HIGH) or kind == COMPLAINT:
        return now
    local = now.astimezone(tz)
    day = local.date()
    if calendar.is_working_day(day) and hours.start <= local.time() < hours.end:
        return local
    if calendar.is_working_day(day) and local.time() < hours.start:
        return dt.datetime.combine(day, hours.start, tzinfo=tz)
    next_day = next_working_day_on_or_after(day + dt.timedelta(days=1), calendar)
    return dt.datetime.combine(next_day, hours.start, tzinfo=tz)


def _live(at: dt.datetime, stopped_at: dt.datetime | None) -> bool:
    return stopped_at is None or at < stopped_at


def _percent(fraction: float) -> str:
    text = f"{fraction * 100:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", "_")


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
