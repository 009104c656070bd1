"""The job-run records: when each SLA job last finished and what it reported."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from case_store.models import JobRun
from minsheng.services.bootstrap import App
from minsheng.services.sla.bulk import insert_for, table_of

SWEEP_JOB = "sla_sweep"
CALENDAR_JOB = "sla_calendar_check"


def record_job(s: Session, name: str, at: dt.datetime, detail: dict[str, Any]) -> None:
    table = table_of(JobRun)
    stmt = insert_for(s, table).values(name=name, finished_at=at, detail=detail)
    # An upsert: two sweeps finishing together must not collide on the job's row.
    s.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.name], set_={"finished_at": at, "detail": detail}
        )
    )


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
