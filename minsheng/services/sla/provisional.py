"""Provisional deadlines: recounted once the official calendar covers the years they fall in."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, raiseload, selectinload

from case_store.lifecycle import OPEN_STATUSES
from case_store.models import Case, CaseEvent, JobRun
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.messaging.notify import notify_resident
from minsheng.services.sla.bulk import ACTOR
from minsheng.services.sla.job_runs import CALENDAR_JOB, record_job
from routing import sla
from routing.calendar import WorkCalendar

log = logging.getLogger(__name__)

# Besides whenever the calendar's covered years change, provisional deadlines are rechecked
# this often, for cases a process still running the old calendar opened after the last check.
CALENDAR_RECHECK = dt.timedelta(days=1)


def recompute_provisional(app: App, now: dt.datetime) -> int:
    """Recount provisional deadlines whose years the calendar now covers; logs each one.

    Runs when the calendar's covered years differ from those of the last check, or the last
    check is a day old; otherwise it costs one row read.
    """
    calendar = app.calendar
    covered = sorted(calendar.covered_years)
    with app.uow() as uow:
        s = uow.session
        last = s.get(JobRun, CALENDAR_JOB)
        if (
            last is not None
            and (last.detail or {}).get("covered_years") == covered
            and now - last.finished_at < CALENDAR_RECHECK
        ):
            return 0
        changed = [_recount(app, s, case, now) for case in _settled_candidates(s, calendar, app.tz)]
        count = sum(changed)
        record_job(s, CALENDAR_JOB, now, {"covered_years": covered, "recomputed": count})
        uow.commit()
    if count:
        log.info("recomputed %d provisional deadline(s) with the new calendar data", count)
    return count


def _settled_candidates(s: Session, calendar: WorkCalendar, tz: dt.tzinfo) -> Iterable[Case]:
    """Open provisional cases whose deadline falls before the first year without data."""
    if not calendar.covered_years:
        return []
    first = min(calendar.covered_years)
    horizon_year = next(
        y for y in range(first, max(calendar.covered_years) + 2) if not calendar.covers(y)
    )
    horizon = dt.datetime(horizon_year, 1, 1, tzinfo=tz)
    stmt = (
        select(Case)
        .options(selectinload(Case.resident), raiseload("*"))
        .where(
            Case.resolution_provisional.is_(True),
            Case.status.in_(OPEN_STATUSES),
            Case.resolution_due_at < horizon,
        )
        .order_by(Case.id)
    )
    return list(s.scalars(stmt))


def _recount(app: App, s: Session, case: Case, now: dt.datetime) -> bool:
    clock = policy.clock_of(case, app.settings, app.calendar)
    if app.calendar.uncovered_years(clock.resolution_years):
        return False
    new_clock = sla.recompute_resolution_due(clock, app.calendar, app.tz)
    before = case.resolution_due_at
    # No `now`: next_due_at becomes the earliest live alert, even one already past, so the
    # batches that follow raise anything the new deadline has made due (claims dedupe).
    policy.store_clock(case, new_clock)
    s.add(
        CaseEvent(
            case_id=case.id,
            at=now,
            actor=ACTOR,
            type="deadline_recomputed",
            before={"resolution_due_at": _local(app, before), "provisional": True},
            after={
                "resolution_due_at": _local(app, new_clock.resolution_due),
                "provisional": new_clock.resolution_provisional,
            },
            note="the official calendar now covers this deadline's years",
        )
    )
    if not new_clock.resolution_provisional:
        # The resident was told "about" a date; now they hear the settled one, once a round.
        notify_resident(
            s,
            case,
            "deadline_corrected",
            now,
            number=case.resolution_round,
            settings=app.settings,
            tz=app.tz,
        )
    return True


def _local(app: App, value: dt.datetime | None) -> str | None:
    return value.astimezone(app.tz).isoformat() if value is not None else None
