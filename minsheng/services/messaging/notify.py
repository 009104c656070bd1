"""Messages to residents about their cases, rendered in their language and queued in the outbox.

Each message has the key f"{reference}:{type}:{n}", so a use case retried or run twice queues
it once. Cases submitted without a resident (the CLI, staff entry) get no messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from case_store.models import Case, OutboxMessage
from minsheng.services.messaging import outbox

TYPES = (
    "routed",
    "accepted",
    "replied",
    "asked",
    "transferred",
    "resolved",
    "survey_reminder",
    "closed_unrated",
    "started",
    "reopened",
    # not "escalated": the supervisor's staff notice already has that key
    "case_escalated",
    "deadline_corrected",
)
# The case event each notification follows; its count numbers the notification.
_EVENT_OF = {
    "routed": "transferred",
    "accepted": "accepted",
    "replied": "replied",
    "asked": "asked_resident",
    "transferred": "transferred",
    "started": "started",
    "reopened": "reopened",
}


def notify_resident(
    session: Session,
    case: Case,
    type_: str,
    now: dt.datetime,
    *,
    number: int | str | None = None,
    **data: Any,
) -> bool:
    """Queue one notification; False when there is nobody to tell or it was queued before.

    `number` replaces the counted one in the key (the sweep passes the alert that escalated).
    `data`: text (replied), question (asked), settings (names the department and the referral),
    tz (local dates), calendar_name (a provisional deadline's wording).
    """
    if type_ not in TYPES:
        raise ValueError(f"unknown notification type {type_!r}")
    resident = case.resident
    if resident is None or not resident.deliverable or resident.forgotten_at is not None:
        return False
    lang = texts.lang_of(resident.language or case.language)
    text, buttons = _render(case, type_, lang, data)
    payload = {"type": type_, "reference": case.reference, "text": text, "buttons": buttons}
    key = f"{case.reference}:{type_}:{_number(case, type_) if number is None else number}"
    # Looked up first because the driver's row count after ON CONFLICT DO NOTHING is not
    # reliable on PostgreSQL; the unique key still keeps a racing duplicate out.
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return False
    outbox.enqueue(
        session,
        key=key,
        channel=resident.channel,
        recipient=resident.external_id,
        payload=payload,
        now=now,
        case_id=case.id,
    )
    return True


def _number(case: Case, type_: str) -> int:
    event = _EVENT_OF.get(type_)
    if event is None:
        return case.resolution_round
    return sum(1 for e in case.events if e.type == event)


def _department(case: Case, lang: str, data: Mapping[str, Any]) -> str:
    settings = data.get("settings")
    if settings is None or case.department is None:
        return case.department or "—"
    for dept in settings.departments:
        if dept.id == case.department:
            return str(dept.name_en if lang == "en" else dept.name_zh)
    return case.department


def _render(
    case: Case, type_: str, lang: str, data: Mapping[str, Any]
) -> tuple[str, list[list[dict[str, str]]]]:
    values = {"ref": case.reference, "department": _department(case, lang, data)}
    if type_ == "replied":
        values["text"] = str(data.get("text", ""))
    elif type_ == "asked":
        values["question"] = str(data.get("question", ""))
    elif type_ in ("reopened", "deadline_corrected"):
        values["due"] = deadline_text(lang, case, data.get("tz"))
    elif type_ in ("resolved", "survey_reminder"):
        outcome = case.outcome or "resolved"
        values["note"] = case.resolution_note or ""
        values["referral"] = _referral(lang, data) if outcome == "not_responsible" else ""
        text = texts.t(lang, texts.outcome_notice_key(type_, outcome), **values)
        if type_ == "survey_reminder":
            return text, []
        buttons = [
            [{"label": texts.stars(n), "data": f"rate:{case.reference}:{n}"} for n in range(1, 6)]
        ]
        return text, buttons
    return texts.t(lang, f"n_{type_}", **values), []


def _referral(lang: str, data: Mapping[str, Any]) -> str:
    settings = data.get("settings")
    referral = getattr(settings, "referral", None) if settings is not None else None
    if referral is None:
        return ""
    return texts.t(lang, "n_referral", text=referral.en if lang == "en" else referral.zh)


def deadline_text(lang: str, case: Case, tz: dt.tzinfo | None = None) -> str:
    """The case's resolution deadline as a resident reads it: "about" it while provisional."""
    due = case.resolution_due_at
    if due is None:
        return "—"
    local = due.astimezone(tz).date() if tz is not None else due.date()
    return texts.due_text(lang, local, provisional=bool(case.resolution_provisional))
