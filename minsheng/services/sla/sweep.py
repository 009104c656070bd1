"""The SLA sweep: raises each due warning and breach once, escalates breaches, lists overdue
cases and recounts provisional deadlines once the calendar covers their years.

Each case stores `next_due_at`, the time of its earliest alert still to come; the sweep reads
only cases whose `next_due_at` has come (an index range scan), works in batches, and writes
in bulk. Every alert is claimed in `case_alerts` (unique per case and key) before anything is
sent, so any number of sweeps may run at once, in any number of processes: each alert is
raised, logged and queued exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, Table, and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, raiseload

from case_store.lifecycle import OPEN_STATUSES
from case_store.models import Case, CaseAlert, CaseEvent, JobRun, OutboxMessage
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.residents import resident
from routing import sla
from routing.calendar import WorkCalendar

log = logging.getLogger(__name__)

BATCH = 1000
SWEEP_JOB = "sla_sweep"
CALENDAR_JOB = "sla_calendar_check"
# Besides whenever the calendar's covered years change, provisional deadlines are rechecked
# this often, for cases a process still running the old calendar opened after the last check.
CALENDAR_RECHECK = dt.timedelta(days=1)
ACTOR = "system:sla"

_CLOCK_FIELDS = (
    Case.id,
    Case.reference,
    Case.department,
    Case.domain,
    Case.kind,
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


@dataclass
class _Batch:
    """What one batch writes, gathered first so each table gets one bulk statement."""

    events: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    next_due: list[dict[str, Any]]
    escalated_ids: set[int]
    alerts: int = 0
    escalations: int = 0


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
        _record_job(uow.session, SWEEP_JOB, app.now(), dict(totals))
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
        if _dialect(s) == "postgresql":
            # Concurrent sweeps split the due cases instead of queueing on the same rows.
            stmt = stmt.with_for_update(skip_locked=True)
        found = list(s.execute(stmt))
        if not found:
            return 0, 0, 0
        batch = _plan_batch(app, s, found, now)
        _write_batch(s, batch, now)
        uow.commit()
    return len(found), batch.alerts, batch.escalations


def _plan_batch(app: App, s: Session, found: Sequence[Row[Any]], now: dt.datetime) -> _Batch:
    clocks: dict[int, sla.CaseClock | None] = {}
    due: list[tuple[Row[Any], sla.Alert]] = []
    for case in found:
        clock = _clock(app, case)
        clocks[case.id] = clock
        if clock is not None:
            due.extend((case, alert) for alert in sla.due_alerts(clock, now))
    claimed = _claim(s, [(case.id, alert.key) for case, alert in due], now)
    batch = _Batch(events=[], messages=[], next_due=[], escalated_ids=set())
    for case, alert in due:
        if (case.id, alert.key) in claimed:
            _raise(app, batch, case, alert, now)
    for case in found:
        clock = clocks[case.id]
        upcoming = sla.next_due_at(clock, after=now) if clock is not None else None
        batch.next_due.append({"_id": case.id, "_next": upcoming})
    return batch


def _clock(app: App, case: Row[Any]) -> sla.CaseClock | None:
    if case.resolution_started_at is None or case.resolution_due_at is None:
        log.warning("case id %d has no resolution clock; the sweep skips it", case.id)
        return None
    # clock_of reads only the case's clock columns, all of which the row carries by name.
    return policy.clock_of(cast(Case, case), app.settings, app.calendar)


def _raise(app: App, batch: _Batch, case: Row[Any], alert: sla.Alert, now: dt.datetime) -> None:
    department = case.department or app.settings.triage_department.id
    event_type = "sla_breach" if alert.escalate else "sla_warning"
    due_at = alert.due_at.astimezone(app.tz).isoformat()
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
    key: str, case_id: int, recipient: str, now: dt.datetime, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "key": key,
        "case_id": case_id,
        "channel": "staff",
        "recipient": recipient,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "available_at": now,
        "created_at": now,
    }


def _claim(s: Session, pairs: list[tuple[int, str]], now: dt.datetime) -> set[tuple[int, str]]:
    """Insert (case, key) claims; return those this call inserted (others were raised)."""
    if not pairs:
        return set()
    conn = s.connection()
    if _dialect(s) == "postgresql":
        rows = _json_rows([{"case_id": c, "key": k} for c, k in pairs])
        result = conn.execute(_PG_CLAIM, {"rows": rows, "now": now})
    else:
        table = _table(CaseAlert)
        stmt = _insert(s, table).on_conflict_do_nothing().returning(table.c.case_id, table.c.key)
        result = conn.execute(stmt, [{"case_id": c, "key": k, "at": now} for c, k in pairs])
    return {(row.case_id, row.key) for row in result}


def _write_batch(s: Session, batch: _Batch, now: dt.datetime) -> None:
    if _dialect(s) == "postgresql":
        _write_batch_postgresql(s, batch, now)
        return
    conn = s.connection()
    if batch.events:
        conn.execute(insert(_table(CaseEvent)), batch.events)
    if batch.messages:
        conn.execute(_insert(s, _table(OutboxMessage)).on_conflict_do_nothing(), batch.messages)
    cases = _table(Case)
    # The sweep's own bookkeeping does not bump the case version: a clerk acting on the case
    # at the same moment must not be told someone else changed it.
    conn.execute(
        update(cases).where(cases.c.id == bindparam("_id")).values(next_due_at=bindparam("_next")),
        batch.next_due,
    )
    if batch.escalated_ids:
        conn.execute(
            update(cases)
            .where(cases.c.id.in_(sorted(batch.escalated_ids)))
            .values(escalated=True, escalated_at=func.coalesce(cases.c.escalated_at, now))
        )


# On PostgreSQL each table gets one statement over a JSON array of rows instead of one
# statement per row: a sweep of thousands of due cases takes a handful of round trips.
_PG_CLAIM = text("""
    INSERT INTO case_alerts (case_id, key, at)
    SELECT r.case_id, r.key, :now FROM json_to_recordset(CAST(:rows AS json))
        AS r(case_id integer, key varchar)
    ON CONFLICT DO NOTHING
    RETURNING case_id, key""")
_PG_EVENTS = text("""
    INSERT INTO case_events (case_id, at, actor, type, after, note)
    SELECT r.case_id, :now, :actor, r.type, r.after, r.note
    FROM json_to_recordset(CAST(:rows AS json))
        AS r(case_id integer, type varchar, after json, note text)""")
_PG_OUTBOX = text("""
    INSERT INTO outbox (key, case_id, channel, recipient, payload, status, attempts,
                        available_at, created_at)
    SELECT r.key, r.case_id, 'staff', r.recipient, r.payload, 'pending', 0, :now, :now
    FROM json_to_recordset(CAST(:rows AS json))
        AS r(key varchar, case_id integer, recipient varchar, payload json)
    ON CONFLICT DO NOTHING""")
_PG_CASES = text("""
    UPDATE cases SET next_due_at = r.next_due_at,
        escalated = cases.escalated OR r.escalate,
        escalated_at = CASE WHEN r.escalate THEN coalesce(cases.escalated_at, :now)
                            ELSE cases.escalated_at END
    FROM json_to_recordset(CAST(:rows AS json))
        AS r(id integer, next_due_at timestamptz, escalate boolean)
    WHERE cases.id = r.id""")


def _json_rows(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def _write_batch_postgresql(s: Session, batch: _Batch, now: dt.datetime) -> None:
    conn = s.connection()
    if batch.events:
        conn.execute(
            _PG_EVENTS,
            {
                "now": now,
                "actor": ACTOR,
                "rows": _json_rows(
                    [
                        {
                            "case_id": e["case_id"],
                            "type": e["type"],
                            "after": e["after"],
                            "note": e["note"],
                        }
                        for e in batch.events
                    ]
                ),
            },
        )
    if batch.messages:
        conn.execute(
            _PG_OUTBOX,
            {
                "now": now,
                "rows": _json_rows(
                    [
                        {
                            "key": m["key"],
                            "case_id": m["case_id"],
                            "recipient": m["recipient"],
                            "payload": m["payload"],
                        }
                        for m in batch.messages
                    ]
                ),
            },
        )
    # The sweep's own bookkeeping does not bump the case version (see _write_batch).
    conn.execute(
        _PG_CASES,
        {
            "now": now,
            "rows": _json_rows(
                [
                    {
                        "id": r["_id"],
                        "next_due_at": r["_next"],
                        "escalate": r["_id"] in batch.escalated_ids,
                    }
                    for r in batch.next_due
                ]
            ),
        },
    )


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


# -- overdue list ---------------------------------------------------------------------------


def overdue(app: App, department: str | None = None) -> list[dict[str, Any]]:
    """Open cases past their first-response or resolution deadline, most overdue first."""
    now = app.now()
    first_missed = and_(Case.first_responded_at.is_(None), Case.first_response_due_at < now)
    stmt = (
        select(Case)
        .options(raiseload("*"))
        .where(Case.status.in_(OPEN_STATUSES), or_(first_missed, Case.resolution_due_at < now))
    )
    if department is not None:
        stmt = stmt.where(Case.department == department)
    with app.uow() as uow:
        rows = [_overdue_row(app, case, now) for case in uow.session.scalars(stmt)]
    rows.sort(key=lambda row: (row["_since"], row["reference"]))
    for row in rows:
        del row["_since"]
    return rows


def _overdue_row(app: App, case: Case, now: dt.datetime) -> dict[str, Any]:
    missed: list[tuple[str, dt.datetime]] = []
    if (
        case.first_responded_at is None
        and case.first_response_due_at is not None
        and case.first_response_due_at < now
    ):
        missed.append(("first_response", case.first_response_due_at))
    if case.resolution_due_at is not None and case.resolution_due_at < now:
        missed.append(("resolution", case.resolution_due_at))
    since = min(at for _, at in missed)

    def local(value: dt.datetime | None) -> str | None:
        return value.astimezone(app.tz).isoformat() if value is not None else None

    return {
        "reference": case.reference,
        "department": case.department,
        "status": case.status,
        "domain": case.domain,
        "urgency": case.urgency,
        "kind": case.kind,
        "missed": [name for name, _ in missed],
        "overdue_since": local(since),
        "overdue_hours": round((now - since).total_seconds() / 3600, 1),
        "first_response_due_at": local(case.first_response_due_at),
        "resolution_due_at": local(case.resolution_due_at),
        "resolution_due_provisional": case.resolution_provisional,
        "resolution_round": case.resolution_round,
        "escalated": case.escalated,
        "_since": since,
    }


# -- provisional deadlines ------------------------------------------------------------------


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
        _record_job(s, CALENDAR_JOB, now, {"covered_years": covered, "recomputed": count})
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
        .options(raiseload("*"))
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
    return True


# -- helpers --------------------------------------------------------------------------------


def _record_job(s: Session, name: str, at: dt.datetime, detail: dict[str, Any]) -> None:
    table = _table(JobRun)
    stmt = _insert(s, table).values(name=name, finished_at=at, detail=detail)
    # An upsert: two sweeps finishing together must not collide on the job's row.
    s.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.name], set_={"finished_at": at, "detail": detail}
        )
    )


def _local(app: App, value: dt.datetime | None) -> str | None:
    return value.astimezone(app.tz).isoformat() if value is not None else None


def _dialect(s: Session) -> str:
    return s.get_bind().dialect.name


def _insert(s: Session, table: Table) -> Any:
    module = postgresql if _dialect(s) == "postgresql" else sqlite
    return module.insert(table)


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def last_sweep(app: App) -> dict[str, Any] | None:
    """When the last sweep finished, how long ago, and how long it took; None before any."""
    with app.uow() as uow:
        row = uow.session.get(JobRun, SWEEP_JOB)
        if row is None:
            return None
        finished = row.finished_at
        detail = dict(row.detail or {})
    return {
        "finished_at": finished.isoformat(),
        "age_seconds": round(max(0.0, (app.now() - finished).total_seconds()), 1),
        "seconds": float(detail.get("seconds") or 0.0),
    }
