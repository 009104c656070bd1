"""The SLA sweep: raises each due warning and breach once and escalates breaches.

Each case stores `next_due_at`, the time of its earliest alert still to come; the sweep reads
only cases whose `next_due_at` has come (an index range scan), works in batches, and writes
in bulk (`bulk`). Every alert is claimed in `case_alerts` (unique per case and key) before
anything is sent, so any number of sweeps may run at once, in any number of processes: each
alert is raised, logged and queued exactly once. Each round first recounts provisional
deadlines the calendar now covers (`provisional`).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from case_store.lifecycle import OPEN_STATUSES
from case_store.models import Case
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.messaging.notify import notify_resident
from minsheng.services.residents import resident
from minsheng.services.sla.bulk import ACTOR, Batch, claim, dialect, write_batch
from minsheng.services.sla.job_runs import SWEEP_JOB, record_job
from minsheng.services.sla.provisional import recompute_provisional
from routing import sla

log = logging.getLogger(__name__)

BATCH = 1000

_CLOCK_FIELDS = (
    Case.id,
    Case.reference,
    Case.department,
    Case.domain,
    Case.kind,
    Case.urgency,
    Case.escalated,
    Case.created_at,
    Case.first_response_due_at,
    Case.first_responded_at,
    Case.resolution_round,
    Case.resolution_started_at,
    Case.resolution_due_at,
    Case.resolution_provisional,
    Case.resolved_at,
    Case.details,
)


def run(app: App, now: dt.datetime | None = None, *, max_batches: int = 10_000) -> dict[str, Any]:
    """One sweep; returns counts. Safe to run in several processes at once."""
    now = now or app.now()
    started = time.perf_counter()
    totals: dict[str, Any] = {
        "checked": 0,
        "alerts": 0,
        "escalated": 0,
        "recomputed": recompute_provisional(app, now),
    }
    for _ in range(max_batches):
        checked, alerts, escalated = _sweep_batch(app, now)
        totals["checked"] += checked
        totals["alerts"] += alerts
        totals["escalated"] += escalated
        if checked < BATCH:
            break
    surveys = resident.survey_sweep(app, now)
    totals["survey_reminders"] = surveys["reminded"]
    totals["closed_unrated"] = surveys["closed"]
    totals["seconds"] = round(time.perf_counter() - started, 4)
    with app.uow() as uow:
        record_job(uow.session, SWEEP_JOB, app.now(), dict(totals))
        uow.commit()
    return totals


# -- raising alerts -------------------------------------------------------------------------


def _sweep_batch(app: App, now: dt.datetime) -> tuple[int, int, int]:
    with app.uow() as uow:
        s = uow.session
        # Plain rows rather than ORM objects: the sweep only reads them and writes in bulk.
        stmt = (
            select(*_CLOCK_FIELDS)
            .where(Case.next_due_at <= now, Case.status.in_(OPEN_STATUSES))
            .order_by(Case.next_due_at)
            .limit(BATCH)
        )
        if dialect(s) == "postgresql":
            # Concurrent sweeps split the due cases instead of queueing on the same rows.
            stmt = stmt.with_for_update(skip_locked=True)
        found = list(s.execute(stmt))
        if not found:
            return 0, 0, 0
        batch = _plan_batch(app, s, found, now)
        write_batch(s, batch, now)
        _tell_residents_of_escalations(app, s, batch, now)
        uow.commit()
    return len(found), batch.alerts, batch.escalations


def _plan_batch(app: App, s: Session, found: Sequence[Row[Any]], now: dt.datetime) -> Batch:
    clocks: dict[int, sla.CaseClock | None] = {}
    due: list[tuple[Row[Any], sla.Alert]] = []
    for case in found:
        clock = _clock(app, case)
        clocks[case.id] = clock
        if clock is not None:
            due.extend((case, alert) for alert in sla.due_alerts(clock, now))
    claimed = claim(s, [(case.id, alert.key) for case, alert in due], now)
    batch = Batch(events=[], messages=[], next_due=[], escalated_ids=set())
    for case, alert in due:
        if (case.id, alert.key) in claimed:
            _raise(app, batch, case, alert, now)
    for case in found:
        clock = clocks[case.id]
        upcoming = sla.next_due_at(clock, after=now) if clock is not None else None
        batch.next_due.append({"_id": case.id, "_next": upcoming})
    return batch


def _tell_residents_of_escalations(app: App, s: Session, batch: Batch, now: dt.datetime) -> None:
    """The resident hears once per escalation; few cases escalate, so they load one by one."""
    for case_id, alert_key in sorted(batch.escalated_by.items()):
        case = s.get(Case, case_id)
        if case is not None:
            notify_resident(s, case, "case_escalated", now, number=alert_key, settings=app.settings)


def _clock(app: App, case: Row[Any]) -> sla.CaseClock | None:
    if case.resolution_started_at is None or case.resolution_due_at is None:
        log.warning("case id %d has no resolution clock; the sweep skips it", case.id)
        return None
    # clock_of reads only the case's clock columns, all of which the row carries by name.
    return policy.clock_of(cast(Case, case), app.settings, app.calendar)


def _raise(app: App, batch: Batch, case: Row[Any], alert: sla.Alert, now: dt.datetime) -> None:
    department = case.department or app.settings.triage_department.id
    event_type = "sla_breach" if alert.escalate else "sla_warning"
    due_at = alert.due_at.astimezone(app.tz).isoformat()
    # Staff are told about urgent, high and complaint cases at once, others in working hours.
    send_at = sla.staff_notice_time(
        now, case.urgency, case.kind, policy.working_hours(app.settings), app.calendar, app.tz
    )
    batch.alerts += 1
    batch.events.append(
        _event(case.id, event_type, now, after={"alert": alert.key, "due_at": due_at})
    )
    batch.messages.append(
        _message(
            f"{case.reference}:{alert.key}",
            case.id,
            department,
            now,
            send_at,
            {
                "type": event_type,
                "alert": alert.key,
                "reference": case.reference,
                "department": department,
                "due_at": due_at,
            },
        )
    )
    if not alert.escalate:
        return
    # 挂牌督办: every missed deadline is reported to the supervisor department once.
    supervisor = supervisor_of(app, case.department)
    batch.escalations += 1
    batch.escalated_ids.add(case.id)
    batch.escalated_by.setdefault(case.id, alert.key)
    batch.events.append(
        _event(
            case.id,
            "escalated",
            now,
            after={"supervisor": supervisor, "department": department, "alert": alert.key},
            note="挂牌督办: a deadline was missed",
        )
    )
    batch.messages.append(
        _message(
            f"{case.reference}:escalated:{alert.key}",
            case.id,
            supervisor,
            now,
            send_at,
            {
                "type": "escalated",
                "alert": alert.key,
                "reference": case.reference,
                "department": department,
                "due_at": due_at,
            },
        )
    )


def _event(
    case_id: int, type_: str, now: dt.datetime, *, after: dict[str, Any], note: str | None = None
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "at": now,
        "actor": ACTOR,
        "type": type_,
        "before": None,
        "after": after,
        "note": note,
    }


def _message(
    key: str,
    case_id: int,
    recipient: str,
    now: dt.datetime,
    send_at: dt.datetime,
    payload: dict[str, Any],
) -> dict[str, Any]:
    return {
        "key": key,
        "case_id": case_id,
        "channel": "staff",
        "recipient": recipient,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "available_at": send_at,
        "created_at": now,
    }


def supervisor_of(app: App, department: str | None) -> str:
    """The department's supervisor (挂牌督办 goes there); the triage desk's for others."""
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
