"""Hostile and odd input: cleaning text before the NLU sees it, and the per-chat case limit."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from case_store.models import Case, Resident
from minsheng.services.bootstrap import App

# Zero-width and direction marks (they hide words from keyword rules), BOM, soft hyphen.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean_text(text: str | None) -> str | None:
    """Text without control, zero-width or unpaired surrogate characters; None when empty.

    Line breaks and tabs survive as themselves; every other control character is dropped.
    """
    if text is None:
        return None
    text = _INVISIBLE.sub("", text)
    kept = []
    for ch in text:
        if ch in "\n\t":
            kept.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Co", "Cn") or ch in "\u2028\u2029":
            continue
        kept.append(ch)
    cleaned = "".join(kept).replace("\t", " ").strip()
    return cleaned or None


def recent_cases(session: Session, channel: str, chat_id: str, since: dt.datetime) -> int:
    return int(
        session.scalar(
            select(func.count(Case.id))
            .join(Resident, Case.resident_id == Resident.id)
            .where(
                Resident.channel == channel,
                Resident.external_id == chat_id,
                Case.created_at >= since,
            )
        )
        or 0
    )


def case_limit_reached(app: App, channel: str, chat_id: str) -> bool:
    """Whether this chat has submitted the most new cases allowed in the current window."""
    limits = app.settings.limits
    since = app.now() - dt.timedelta(minutes=limits.window_minutes)
    with app.uow() as uow:
        if recent_cases(uow.session, channel, chat_id, since) >= limits.new_cases_per_window:
            return True
    # A web chat costs nothing to open afresh, so its address is limited too.
    from minsheng.services.residents import flood

    per_address = flood.address_new_case(app)
    return per_address is not None and not per_address.allowed
