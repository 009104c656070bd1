"""The daily digest: one staff message per department with its new, due-soon and overdue cases.

It is a row in the outbox like any staff notice, keyed `digest:<department>:<local date>`, so
however often `run` is called — every sweep in the embedded mode, every 15 minutes on Celery —
each department gets at most one digest a working day, written the first time `run` finds it
due (from DIGEST_HOUR local time) and sent from the start of working hours. Days off get
none; Monday's covers the weekend. Departments with nothing to report get none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select

from case_store.lifecycle import OPEN_STATUSES
from case_store.models import Case, OutboxMessage
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.messaging import outbox

DIGEST_HOUR = 8
DUE_SOON = dt.timedelta(hours=48)
LISTED = 20  # references shown per section; the counts are always complete


@dataclass
class Digest:
    department: str
    day: dt.date
    new: list[str] = field(default_factory=list)
    due_soon: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.new or self.due_soon or self.overdue)

    def payload(self) -> dict[str, Any]:
        sections = {
            name: {"count": len(refs), "references": sorted(refs)[:LISTED]}
            for name, refs in (
                ("new", self.new),
                ("due_soon", self.due_soon),
                ("overdue", self.overdue),
            )
        }
        text = (
            f"{self.day.isoformat()} 每日摘要 / daily digest — {self.department}: "
            f"新增 new {len(self.new)}, 即将到期 due soon {len(self.due_soon)}, "
            f"已超期 overdue {len(self.overdue)}"
        )
        return {
            "type": "digest",
            "department": self.department,
            "date": self.day.isoformat(),
            "text": text,
            **sections,
        }


def key(department: str, day: dt.date) -> str:
    return f"digest:{department}:{day.isoformat()}"


def due_moment(app: App, now: dt.datetime) -> dt.datetime | None:
    """Today's digest moment (DIGEST_HOUR local) if it has come on a working day, else None:
    weekends, holidays and their make-up working days follow the official calendar."""
    local = now.astimezone(app.tz)
    if not app.calendar.is_working_day(local.date()):
        return None
    moment = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return moment if local >= moment else None


def build(app: App, moment: dt.datetime) -> dict[str, Digest]:
    """Every department's digest as of `moment`: new since the previous working day's moment
    (so Monday's covers the weekend), open cases due within DUE_SOON of it, and open cases
    past a deadline at it."""
    day = moment.astimezone(app.tz).date()
    digests = {d.id: Digest(d.id, day) for d in app.settings.departments}
    since, horizon = _previous_moment(app, moment), moment + DUE_SOON
    first_open = and_(Case.first_responded_at.is_(None), Case.first_response_due_at.is_not(None))
    with app.uow() as uow:
        s = uow.session
        for reference, department in s.execute(
            select(Case.reference, Case.department).where(
                Case.created_at >= since, Case.created_at < moment
            )
        ):
            if department in digests:
                digests[department].new.append(reference)
        for case in s.execute(
            select(
                Case.reference,
                Case.department,
                Case.first_responded_at,
                Case.first_response_due_at,
                Case.resolution_due_at,
            ).where(
                Case.status.in_(OPEN_STATUSES),
                or_(
                    and_(first_open, Case.first_response_due_at < horizon),
                    Case.resolution_due_at < horizon,
                ),
            )
        ):
            digest = digests.get(case.department or "")
            if digest is None:
                continue
            deadlines = [case.resolution_due_at]
            if case.first_responded_at is None:
                deadlines.append(case.first_response_due_at)
            earliest = min(d for d in deadlines if d is not None)
            (digest.overdue if earliest < moment else digest.due_soon).append(case.reference)
    return digests


def _working_start(app: App, moment: dt.datetime) -> dt.datetime:
    start = policy.working_hours(app.settings).start
    local = moment.astimezone(app.tz)
    return dt.datetime.combine(local.date(), start, tzinfo=app.tz)


def _previous_moment(app: App, moment: dt.datetime) -> dt.datetime:
    previous = moment - dt.timedelta(days=1)
    for _ in range(60):  # the longest run of days off (Spring Festival) is far shorter
        if app.calendar.is_working_day(previous.astimezone(app.tz).date()):
            break
        previous -= dt.timedelta(days=1)
    return previous


def run(app: App, now: dt.datetime | None = None) -> int:
    """Queue today's digests once they are due; returns how many this call queued."""
    now = now or app.now()
    moment = due_moment(app, now)
    if moment is None:
        return 0
    day = moment.date()
    keys = {key(d.id, day) for d in app.settings.departments}
    with app.uow() as uow:
        done = set(
            uow.session.scalars(
                select(OutboxMessage.key).where(OutboxMessage.key.in_(sorted(keys)))
            )
        )
    if done == keys:
        return 0
    queued = 0
    digests = build(app, moment)
    with app.uow() as uow:
        for digest in digests.values():
            if digest.empty or key(digest.department, day) in done:
                continue
            # A racing run in another process inserts the same key; only one row survives.
            if outbox.enqueue(
                uow.session,
                key=key(digest.department, day),
                channel="staff",
                recipient=digest.department,
                payload=digest.payload(),
                now=now,
                # Written at DIGEST_HOUR, sent when the working day starts.
                available_at=max(now, _working_start(app, moment)),
            ):
                queued += 1
        uow.commit()
    return queued
