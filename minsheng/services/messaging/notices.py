"""Notices to staff about new cases, queued in the outbox within the use case's transaction.

Urgent, high and complaint cases are announced at once; other cases wait for the next moment
inside working hours on a working day, so nobody is woken for a broken bench.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from case_store.models import Case
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.messaging import outbox
from routing import sla

NEW_CASE = "new_case"


def new_case_notice(app: App, session: Session, case: Case, now: dt.datetime) -> None:
    """Queue the department's notice of a newly routed case; a second call is a no-op."""
    if case.id is None:
        session.flush()
    department = case.department or app.settings.triage_department.id
    send_at = sla.staff_notice_time(
        now, case.urgency, case.kind, policy.working_hours(app.settings), app.calendar, app.tz
    )
    # The payload names the case, never the resident: staff open the case to read it, and
    # the case page applies the identity rules (a complaint about staff hides the resident).
    outbox.enqueue(
        session,
        key=f"{case.reference}:{NEW_CASE}",
        channel="staff",
        recipient=department,
        payload={
            "type": NEW_CASE,
            "reference": case.reference,
            "department": department,
            "domain": case.domain,
            "urgency": case.urgency,
            "kind": case.kind,
        },
        now=now,
        case_id=case.id,
        available_at=send_at,
    )
