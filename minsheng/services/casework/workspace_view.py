"""How the workspace presents a case to a staff member: the summary with both SLA clocks,
events and attachments, with a complainant's identity masked where it must be."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from case_store.lifecycle import OPEN_STATUSES
from case_store.models import Attachment, Case, Rating
from minsheng.redaction import mask as mask_personal
from minsheng.services import policy
from minsheng.services.access.staff import StaffMember, identity_hidden
from minsheng.services.bootstrap import App
from minsheng.services.casework.views import case_view
from routing.calendar import working_days_between


def next_deadline_of(c: Case) -> dt.datetime | None:
    if c.status not in OPEN_STATUSES:
        return None
    if c.first_responded_at is None and c.first_response_due_at is not None:
        return c.first_response_due_at
    return c.resolution_due_at


def summary(
    app: App, member: StaffMember, c: Case, now: dt.datetime, rating: Rating | None = None
) -> dict[str, Any]:
    hidden = hidden_from(app, member, c)
    view = case_view(c, rating, app)
    view["description"] = mask(view["description"], hidden)
    view["identity_hidden"] = hidden
    view["next_deadline"] = local(app, next_deadline_of(c))
    view["clocks"] = clocks(app, c, now)
    return view


def clocks(app: App, c: Case, now: dt.datetime) -> dict[str, Any]:
    """Both SLA clocks with their state and the time left (negative once breached)."""
    final = c.status not in OPEN_STATUSES
    first = _clock(
        app,
        c.first_response_due_at,
        c.first_responded_at,
        now,
        stopped=final and c.first_responded_at is None,
        working_days=False,
    )
    resolution = _clock(
        app,
        c.resolution_due_at,
        c.resolved_at,
        now,
        stopped=final and c.resolved_at is None,
        working_days=True,
    )
    resolution["provisional"] = c.resolution_provisional
    resolution["round"] = c.resolution_round
    return {"first_response": first, "resolution": resolution}


def _clock(
    app: App,
    due: dt.datetime | None,
    done: dt.datetime | None,
    now: dt.datetime,
    *,
    stopped: bool,
    working_days: bool,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "due_at": local(app, due),
        "done_at": local(app, done),
        "state": "none",
        "seconds_left": None,
    }
    if working_days:
        out["working_days_left"] = None
    if due is None:
        return out
    if done is not None:
        out["state"] = "met" if done <= due else "late"
        return out
    if stopped:
        out["state"] = "stopped"
        return out
    out["state"] = "breached" if now > due else "running"
    out["seconds_left"] = int((due - now).total_seconds())
    if working_days:
        today, due_day = now.astimezone(app.tz).date(), due.astimezone(app.tz).date()
        out["working_days_left"] = (
            working_days_between(today, due_day, app.calendar)
            if due_day >= today
            else -working_days_between(due_day, today, app.calendar)
        )
    return out


def event_list(app: App, c: Case, hidden: bool) -> list[dict[str, Any]]:
    return [
        {
            "at": local(app, e.at),
            "actor": e.actor,
            "type": e.type,
            "before": e.before,
            "after": e.after,
            "note": mask(e.note, hidden) if e.note else e.note,
        }
        for e in c.events
    ]


def attachment_rows(s: Session, c: Case) -> list[Attachment]:
    return list(
        s.scalars(
            select(Attachment)
            .where(Attachment.case_id == c.id)
            .order_by(Attachment.at, Attachment.id)
        )
    )


def attachment_list(s: Session, c: Case) -> list[dict[str, Any]]:
    # Attachments are numbered within their case: internal ids never leave the process.
    return [
        {
            "number": n,
            "kind": a.kind,
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "sha256": a.sha256,
            "latitude": a.latitude,
            "longitude": a.longitude,
            "downloadable": bool(a.storage_path),
        }
        for n, a in enumerate(attachment_rows(s, c), start=1)
    ]


def hidden_from(app: App, member: StaffMember, c: Case) -> bool:
    # Checked against the complaint's words as well as the stored rule, so a case routed
    # before a department's aliases were configured is still covered.
    return identity_hidden(app.settings, member, policy.hide_identity_from(app.settings, c))


def has_contact(c: Case) -> bool:
    return c.resident is not None or bool(c.phone)


def mask(text: str, hidden: bool) -> str:
    """Personal data (phone, ID and plate numbers, e-mail, a name the resident gave) is taken
    out of a resident's words for a department that must not learn who complained."""
    return mask_personal(text, names=True) if hidden else text


def local(app: App, value: dt.datetime | None) -> str | None:
    return value.astimezone(app.tz).isoformat() if value is not None else None
