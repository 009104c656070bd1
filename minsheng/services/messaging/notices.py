"""Notices to staff about new cases, queued in the outbox within the use case's transaction.

Urgent, high and complaint cases are announced at once; other cases wait for the next moment
inside working hours on a working day, so nobody is woken for a broken bench.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from minsheng.services import policy
from minsheng.services.bootstrap import App
from routing import sla

NEW_CASE = "new_case"


def new_case_notice(
    app: App,
    *,
    reference: str,
    department: str | None,
    domain: str,
    urgency: str,
    kind: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """The outbox row of the department's notice of a newly routed case (its key is unique
    per case, so it is queued once)."""
    recipient = department or app.settings.triage_department.id
    send_at = sla.staff_notice_time(
        now, urgency, kind, policy.working_hours(app.settings), app.calendar, app.tz
    )
    # The payload names the case, never the resident: staff open the case to read it, and
    # the case page applies the identity rules (a complaint about staff hides the resident).
    return {
        "key": f"{reference}:{NEW_CASE}",
        "channel": "staff",
        "recipient": recipient,
        "payload": {
            "type": NEW_CASE,
            "reference": reference,
            "department": recipient,
            "domain": domain,
            "urgency": urgency,
            "kind": kind,
        },
        "status": "pending",
        "attempts": 0,
        "available_at": send_at,
        "created_at": now,
    }
