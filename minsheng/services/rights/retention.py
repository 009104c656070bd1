"""Data retention: contact details leave cases closed more than `privacy.retention_months` ago.

The case itself (what happened, where, which department, how it was rated) stays for the
statistics; the phone number, the home part of the address, personal entities and the link
to the resident go. A dry run counts what would change and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from case_store.lifecycle import FINAL_STATUSES
from case_store.models import Case, JobRun, Message, Resident
from minsheng.services.bootstrap import App
from minsheng.services.rights import privacy

log = logging.getLogger(__name__)

JOB = "retention"
FINISHED = FINAL_STATUSES


def cutoff(now: dt.datetime, months: int, tz: dt.tzinfo) -> dt.datetime:
    """The same local day and time `months` calendar months earlier (clamped to month end)."""
    local = now.astimezone(tz)
    total = local.year * 12 + (local.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    day = min(local.day, _days_in_month(year, month))
    return local.replace(year=year, month=month, day=day)


def _days_in_month(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def run(app: App, *, dry_run: bool = False, months: int | None = None) -> dict[str, Any]:
    """Anonymise contact details on cases finished before the cutoff; counts of what changed."""
    months = months or app.settings.privacy.retention_months
    now = app.now()
    before = cutoff(now, months, app.tz)
    with app.uow() as uow:
        s = uow.session
        due = list(s.scalars(_due(before)).unique())
        residents = {c.resident_id for c in due if c.resident_id is not None}
        for case in due:
            _anonymise(s, case, now)
        s.flush()
        emptied = _clear_residents_without_cases(s, residents)
        summary = {
            "dry_run": dry_run,
            "months": months,
            "cutoff": before.isoformat(),
            "cases": len(due),
            "residents_cleared": emptied,
        }
        if dry_run:
            uow.rollback()
        else:
            privacy.audit(
                s, app, actor="system:retention", action="retention", subject=None, detail=summary
            )
            _record_run(s, now, summary)
            uow.commit()
    log.info(
        "retention%s: %d case(s) finished before %s %s",
        " (dry run)" if dry_run else "",
        len(due),
        before.date().isoformat(),
        "would be anonymised" if dry_run else "anonymised",
    )
    return summary


def _due(before: dt.datetime) -> Any:
    finished_at = func.coalesce(Case.closed_at, Case.updated_at)
    not_done = or_(
        Case.resident_id.is_not(None), Case.phone.is_not(None), Case.address.is_not(None)
    )
    return (
        select(Case)
        .where(Case.status.in_(FINISHED), finished_at < before, not_done)
        .order_by(Case.id)
    )


def _anonymise(s: Session, case: Case, now: dt.datetime) -> None:
    privacy.strip_contact_details(case, keep_place=False)
    case.resident = None
    details = dict(case.details or {})
    details["anonymised_at"] = now.isoformat()
    case.details = details
    for msg in s.scalars(
        select(Message).where(Message.case_id == case.id, Message.author == "resident")
    ):
        msg.author_name = None
        msg.text = privacy.scrub(msg.text)


def _clear_residents_without_cases(s: Session, resident_ids: set[int]) -> int:
    """A resident whose every case is now anonymised keeps no name or phone either."""
    if not resident_ids:
        return 0
    still_linked = select(Case.resident_id).where(Case.resident_id.in_(resident_ids))
    rows = s.scalars(
        select(Resident).where(
            Resident.id.in_(resident_ids),
            Resident.id.not_in(still_linked),
            and_(or_(Resident.display_name.is_not(None), Resident.phone.is_not(None))),
        )
    ).all()
    for resident in rows:
        resident.display_name = None
        resident.phone = None
    return len(rows)


def _record_run(s: Session, now: dt.datetime, detail: dict[str, Any]) -> None:
    row = s.get(JobRun, JOB)
    if row is None:
        s.add(JobRun(name=JOB, finished_at=now, detail=detail))
    else:
        row.finished_at = now
        row.detail = detail
