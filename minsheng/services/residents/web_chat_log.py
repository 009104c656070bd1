"""What a web-chat browser said and was told, and the phone number a consenting resident gives.

Lines are kept per chat id (the session's subject) so that a reloaded page shows the whole
conversation, including the department's replies that arrived by polling. They are personal
data: `/forget` deletes them with the session, and they are never shown to staff (the case's
own transcript is what staff read).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, desc, select, update

from case_store.lifecycle import OPEN_STATUSES
from case_store.models import Case, CaseEvent, Resident, WebChatLine
from minsheng.services.bootstrap import App
from minsheng.services.errors import CaseNotFound, InvalidRequest
from minsheng.services.residents import resident

CHANNEL = "web"
KEEP = dt.timedelta(days=30)  # as long as the browser session itself lives
HISTORY_LINES = 200
# A consent given more than this long ago is not asked about again on a reload.
CONTACT_WINDOW = dt.timedelta(days=1)
# The page's own greeting request, not something the resident wrote.
GREETING = "/start"

_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")


def record(app: App, chat_id: str, author: str, lines: Iterable[Mapping[str, Any]]) -> None:
    """Append lines (`text`, optional `buttons`) said by `author` ("resident" or "bot")."""
    rows = [
        (str(line.get("text") or ""), list(line.get("buttons") or []))
        for line in lines
        if line.get("text") or line.get("buttons")
    ]
    if not rows:
        return
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        s.execute(
            delete(WebChatLine).where(WebChatLine.chat_id == chat_id, WebChatLine.at < now - KEEP)
        )
        for text, buttons in rows:
            s.add(WebChatLine(chat_id=chat_id, at=now, author=author, text=text, buttons=buttons))
        uow.commit()


def record_sent(
    app: App, chat_id: str, text: str | None, data: str | None, replies: Sequence[Any]
) -> None:
    """One exchange of /chat/api/send: the resident's words (or the tapped button's label)
    and the replies. Text over the limit never reached the dialogue and is not kept."""
    said: list[dict[str, Any]] = []
    if text is not None and text.strip() != GREETING:
        if len(text) <= app.settings.limits.max_text_chars:
            said.append({"text": text})
    elif data is not None:
        label = button_label(app, chat_id, data)
        if label:
            said.append({"text": label})
    record(app, chat_id, "resident", said)
    record(app, chat_id, "bot", [as_line(r) for r in replies])


def as_line(reply: Any) -> dict[str, Any]:
    """A dialogue Reply (or an already plain dict) as a stored line."""
    if isinstance(reply, Mapping):
        return {"text": reply.get("text", ""), "buttons": reply.get("buttons") or []}
    return {
        "text": reply.text,
        "buttons": [[{"label": b.label, "data": b.data} for b in row] for row in reply.buttons],
    }


def button_label(app: App, chat_id: str, data: str) -> str | None:
    """The label of the newest button carrying `data` that this chat was shown."""
    with app.uow() as uow:
        rows = uow.session.scalars(
            select(WebChatLine.buttons)
            .where(WebChatLine.chat_id == chat_id, WebChatLine.author == "bot")
            .order_by(desc(WebChatLine.id))
            .limit(10)
        )
        for buttons in rows:
            for row in buttons or []:
                for b in row or []:
                    if isinstance(b, Mapping) and b.get("data") == data:
                        return str(b.get("label") or "")
    return None


def history(app: App, chat_id: str) -> list[dict[str, Any]]:
    """The chat's last lines, oldest first."""
    with app.uow() as uow:
        rows = list(
            uow.session.scalars(
                select(WebChatLine)
                .where(WebChatLine.chat_id == chat_id)
                .order_by(desc(WebChatLine.id))
                .limit(HISTORY_LINES)
            )
        )
        return [
            {
                "who": "me" if r.author == "resident" else "bot",
                "text": r.text,
                "buttons": r.buttons or [],
                "at": r.at.astimezone(app.tz).isoformat(),
            }
            for r in reversed(rows)
        ]


def forget(app: App, chat_id: str) -> None:
    with app.uow() as uow:
        uow.session.execute(delete(WebChatLine).where(WebChatLine.chat_id == chat_id))
        uow.commit()


# -- contact --------------------------------------------------------------------------------


def normalise_phone(raw: str | None) -> str | None:
    """A mainland mobile (11 digits) or landline with area code, or None when it is neither."""
    if not raw:
        return None
    digits = _SEPARATORS.sub("", raw.strip())
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    return None


def contact_wanted(app: App, chat_id: str) -> str | None:
    """The reference of this chat's newest open case that the resident agreed to be contacted
    about and that has no phone number yet."""
    since = app.now() - CONTACT_WINDOW
    with app.uow() as uow:
        s = uow.session
        found = s.execute(
            select(Case.reference, Case.details, Case.phone, Resident.phone)
            .join(Resident, Case.resident_id == Resident.id)
            .where(
                Resident.channel == CHANNEL,
                Resident.external_id == chat_id,
                Case.status.in_(OPEN_STATUSES),
                Case.created_at >= since,
            )
            .order_by(desc(Case.id))
            .limit(1)
        ).first()
    if found is None:
        return None
    reference, details, case_phone, resident_phone = found
    consent = (details or {}).get("contact_consent")
    if consent not in (True, "yes") or case_phone or resident_phone:
        return None
    return str(reference)


def give_contact(app: App, chat_id: str, reference: str, raw_phone: str | None) -> str:
    """Store the phone number on the resident's own case; InvalidRequest when it is not one.

    The case's version is not bumped: a clerk who has the case open can still act on it.
    """
    phone = normalise_phone(raw_phone)
    if phone is None:
        raise InvalidRequest("not a phone number")
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = resident.owned_case(s, CHANNEL, chat_id, reference)
        if not (case.details or {}).get("contact_consent"):
            raise CaseNotFound(reference)
        s.execute(update(Case).where(Case.id == case.id).values(phone=phone))
        # The event says that a number was given, never the number itself.
        s.add(CaseEvent(case_id=case.id, at=now, actor=f"resident:{CHANNEL}", type="contact_given"))
        uow.commit()
    return phone
