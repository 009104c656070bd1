"""The SLA sweep: finds cases whose next deadline has come and raises each alert once."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from case_store.lifecycle import OPEN_STATES
from case_store.models import Case, JobRun
from routing import sla
from services import outbox, policy
from services.bootstrap import App
from services.cases import record_event

log = logging.getLogger(__name__)
BATCH = 500
OPEN = [s.value for s in OPEN_STATES]


def run(app: App, *, now: dt.datetime | None = None, max_batches: int = 1000) -> dict[str, Any]:
    """One sweep. Safe to run in several processes at once: each alert is raised once."""
    now = now or app.now()
    started = time.perf_counter()
    totals = {"checked": 0, "alerts": 0, "escalated": 0, "recomputed": 0}
    for _ in range(max_batches):
        done, batch = _sweep_batch(app, now)
        for key in totals:
            totals[key] += batch.get(key, 0)
        if done:
            break
    totals["recomputed"] += _recompute_provisional(app, now)
    with app.uow() as uow:
        run_row = uow.session.get(JobRun, "sla_sweep")
        detail = {**totals, "seconds": round(time.perf_counter() - started, 4)}
        if run_row is None:
            uow.session.add(JobRun(name="sla_sweep", finished_at=app.now(), detail=detail))
        else:
            run_row.finished_at = app.now()
            run_row.detail = detail
        uow.commit()
    totals["seconds"] = round(time.perf_counter() - started, 4)
    return totals


def _sweep_batch(app: App, now: dt.datetime) -> tuple[bool, dict[str, int]]:
    counts = {"checked": 0, "alerts": 0, "escalated": 0}
    with app.uow() as uow:
        s = uow.session
        stmt = (select(Case).where(Case.next_due_at <= now, Case.status.in_(OPEN))
                .order_by(Case.next_due_at).limit(BATCH))
        if s.get_bind().dialect.name == "postgresql":
            # Two sweeps at once split the work instead of queueing on the same rows.
            stmt = stmt.with_for_update(skip_locked=True)
        cases = list(s.scalars(stmt).unique())
        for case in cases:
            counts["checked"] += 1
            alerts, escalated = _raise_alerts(app, s, case, now)
            counts["alerts"] += alerts
            counts["escalated"] += escalated
        uow.commit()
    return len(cases) < BATCH, counts


def _raise_alerts(app: App, s: Session, case: Case, now: dt.datetime) -> tuple[int, int]:
    clock = policy.clock_of(case, app.settings, app.calendar)
    raised = escalated = 0
    for alert in sla.due_alerts(clock, now):
        if not outbox.claim_alert(s, case.id, alert.key, now):
            continue
        raised += 1
        event_type = "sla_breach" if alert.escalate else "sla_warning"
        record_event(s, case, event_type, "system:sla", now,
                     after={"alert": alert.key, "due_at": alert.due_at.isoformat()})
        outbox.enqueue(
            s, key=f"{case.reference}:{alert.key}", channel="staff",
            recipient=case.department or app.settings.triage_department.id,
            payload={"type": event_type, "alert": alert.key, "reference": case.reference,
                     "due_at": alert.due_at.isoformat()},
            now=now, case_id=case.id)
        if alert.escalate and not case.escalated:
            supervisor = _supervisor(app, case.department)
            case.escalated = True
            case.escalated_at = now
            escalated += 1
            record_event(s, case, "escalated", "system:sla", now,
                         after={"supervisor": supervisor, "alert": alert.key},
                         note="挂牌督办: deadline missed")
            outbox.enqueue(
                s, key=f"{case.reference}:escalated:{alert.key}", channel="staff",
                recipient=supervisor,
                payload={"type": "escalated", "reference": case.reference,
                         "department": case.department, "alert": alert.key},
                now=now, case_id=case.id)
    case.next_due_at = sla.next_due_at(clock, after=now)
    return raised, escalated


def _supervisor(app: App, department: str | None) -> str:
    settings = app.settings
    if department:
        try:
            parent = settings.department(department).parent
        except KeyError:
            parent = None
        if parent:
            return parent
    triage = settings.triage_department
    return triage.parent or triage.id


def _recompute_provisional(app: App, now: dt.datetime) -> int:
    """Recount deadlines that were provisional once the calendar covers their years."""
    changed = 0
    with app.uow() as uow:
        s = uow.session
        cases = s.scalars(select(Case).where(Case.resolution_provisional.is_(True),
                                             Case.status.in_(OPEN))).unique()
        for case in cases:
            clock = policy.clock_of(case, app.settings, app.calendar)
            if app.calendar.uncovered_years(clock.resolution_years):
                continue
            new_clock = sla.recompute_resolution_due(clock, app.calendar, app.tz)
            before = case.resolution_due_at
            policy.store_clock(case, new_clock, now)
            record_event(s, case, "deadline_recomputed", "system:sla", now,
                         before={"resolution_due_at": before.isoformat() if before else None},
                         after={"resolution_due_at": new_clock.resolution_due.isoformat()})
            changed += 1
        uow.commit()
    if changed:
        log.info("recomputed %d provisional deadline(s) with the new calendar data", changed)
    return changed
