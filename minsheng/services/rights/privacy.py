"""A resident's rights over their data (PIPL arts. 44–47): see it all, and have it erased.

`my_data` lists what is stored about one chat; `forget` removes the person from it while the
cases themselves stay with the departments (open ones keep routing and closing, marked
"resident withdrew identity"). Every use is written to the audit log under a salted hash of
the chat, never under the chat id itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from case_store.lifecycle import is_open
from case_store.models import (
    Attachment,
    AuditLog,
    Case,
    CaseEvent,
    DialogueSession,
    Message,
    OutboxMessage,
    ProcessedUpdate,
    Rating,
    Resident,
    WebChatLine,
    WebSession,
)
from minsheng.redaction import mask
from minsheng.services.bootstrap import App
from minsheng.services.rights import project_data

TOMBSTONE_PREFIX = "forgotten:"
_SALT_FILE = "audit.salt"
# Entities that name or reach a person rather than describe the problem.
PERSONAL_ENTITIES = frozenset({"phone", "phone_number", "person", "name", "id_number", "email"})
# Flat, room and unit numbers make a place someone's home; the street and estate stay.
_HOME_PARTS = re.compile(
    r"\d+\s*(?:室|户|号房|房间|单元)|(?:room|flat|apt\.?|apartment|unit)\s*#?\s*\d+\w*",
    re.IGNORECASE,
)


# -- audit ---------------------------------------------------------------------------------


def _salt(app: App) -> bytes:
    """The audit salt: $MINSHENG_AUDIT_SALT (shared by replicas), else a file under var/."""
    if env := os.environ.get("MINSHENG_AUDIT_SALT"):
        return env.encode()
    cached = app._cache.get("audit_salt")
    if cached is not None:
        return bytes(cached)
    path = app.settings.var_dir / _SALT_FILE
    salt = _read_or_create_salt(path)
    app._cache["audit_salt"] = salt
    return salt


def _read_or_create_salt(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        salt = secrets.token_hex(32).encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first: use theirs
            return path.read_bytes()
        with os.fdopen(fd, "wb") as fh:
            fh.write(salt)
        return salt


def subject_hash(app: App, channel: str, chat_id: str) -> str:
    """The audit log's name for a chat: links its entries without revealing who it is."""
    digest = hmac.new(_salt(app), f"{channel}\x00{chat_id}".encode(), hashlib.sha256)
    return f"chat:{digest.hexdigest()[:32]}"


def audit(
    session: Session,
    app: App,
    *,
    actor: str,
    action: str,
    subject: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(AuditLog(at=app.now(), actor=actor, action=action, subject=subject, detail=detail))


# -- /mydata -------------------------------------------------------------------------------


def my_data(app: App, channel: str, chat_id: str) -> dict[str, Any]:
    """Everything stored about this chat: identity, cases, ratings, attachments."""
    with app.uow() as uow:
        s = uow.session
        resident = _resident(s, channel, chat_id)
        result: dict[str, Any] = {
            "identity": None,
            "cases": [],
            "ratings": [],
            "conversation_kept": _has_session(s, channel, chat_id),
        }
        if resident is not None:
            result["identity"] = {
                "channel": resident.channel,
                "display_name": resident.display_name,
                "language": resident.language,
                "phone": resident.phone,
                "since": resident.created_at.astimezone(app.tz).date().isoformat(),
            }
            result["cases"], result["ratings"] = _cases_and_ratings(app, s, resident)
            result.update(project_data.my_data(s, resident.id, app.tz))
        audit(
            s,
            app,
            actor=f"resident:{channel}",
            action="data_access",
            subject=subject_hash(app, channel, chat_id),
            detail={"cases": len(result["cases"]), "ratings": len(result["ratings"])},
        )
        uow.commit()
    return result


def _resident(s: Session, channel: str, chat_id: str) -> Resident | None:
    return s.scalars(
        select(Resident).where(Resident.channel == channel, Resident.external_id == chat_id)
    ).one_or_none()


def _has_session(s: Session, channel: str, chat_id: str) -> bool:
    return (
        s.scalar(
            select(DialogueSession.id).where(
                DialogueSession.channel == channel, DialogueSession.chat_id == chat_id
            )
        )
        is not None
    )


def _cases_and_ratings(
    app: App, s: Session, resident: Resident
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = list(
        s.scalars(
            select(Case).where(Case.resident_id == resident.id).order_by(Case.created_at, Case.id)
        ).unique()
    )
    ids = [c.id for c in rows]
    files: dict[int, int] = {}
    ratings: list[dict[str, Any]] = []
    if ids:
        for a in s.scalars(select(Attachment).where(Attachment.case_id.in_(ids))):
            files[a.case_id] = files.get(a.case_id, 0) + 1
        refs = {c.id: c.reference for c in rows}
        for r in s.scalars(select(Rating).where(Rating.case_id.in_(ids)).order_by(Rating.at)):
            ratings.append(
                {
                    "reference": refs[r.case_id],
                    "score": r.score,
                    "comment": r.comment,
                    "at": r.at.astimezone(app.tz).date().isoformat(),
                }
            )
    cases = [
        {
            "reference": c.reference,
            "status": c.status,
            "domain": c.domain,
            "description": c.description,
            "address": c.address,
            "phone": c.phone,
            "created": c.created_at.astimezone(app.tz).date().isoformat(),
            "attachments": files.get(c.id, 0),
        }
        for c in rows
    ]
    return cases, ratings


# -- /forget -------------------------------------------------------------------------------


def forget(
    app: App, channel: str, chat_id: str, *, current_update_id: str | None = None
) -> dict[str, Any]:
    """Erase this chat's person from every table; their cases stay, without them.

    The update that asked for it keeps its de-duplication row, unlinked from the chat, so a
    redelivery of the same tap cannot start a second erasure.
    """
    now = app.now()
    tombstone = TOMBSTONE_PREFIX + secrets.token_hex(16)
    with app.uow() as uow:
        s = uow.session
        counts = {"cases": 0, "open_cases": 0, "messages": 0, "outbox_cancelled": 0}
        resident = _resident(s, channel, chat_id)
        if resident is not None:
            counts.update(_unlink_cases(s, resident))
            counts.update(project_data.forget(s, resident.id))
            counts["outbox_cancelled"] = _cancel_outbox(s, channel, chat_id, tombstone, now)
            resident.external_id = tombstone
            resident.display_name = None
            resident.phone = None
            resident.deliverable = False
            resident.forgotten_at = now
        s.execute(
            delete(DialogueSession).where(
                DialogueSession.channel == channel, DialogueSession.chat_id == chat_id
            )
        )
        _drop_processed_updates(s, channel, chat_id, current_update_id)
        s.execute(
            delete(WebSession).where(WebSession.kind == "resident", WebSession.subject == chat_id)
        )
        if channel == "web":
            s.execute(delete(WebChatLine).where(WebChatLine.chat_id == chat_id))
        audit(
            s,
            app,
            actor=f"resident:{channel}",
            action="erasure",
            subject=subject_hash(app, channel, chat_id),
            detail=dict(counts),
        )
        uow.commit()
    return counts


def _unlink_cases(s: Session, resident: Resident) -> dict[str, int]:
    rows = list(s.scalars(select(Case).where(Case.resident_id == resident.id)).unique())
    open_count = messages = 0
    for case in rows:
        still_open = is_open(case.status)
        open_count += still_open
        strip_contact_details(case, keep_place=still_open)
        case.resident = None
        case.identity_withdrawn = True
        messages += _clean_transcript(s, case.id)
        # Events are append-only, but a phone number a resident typed into one is theirs
        # to take back; only the number is masked, the record of what happened stays.
        for event in s.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.note.is_not(None))
        ):
            if event.note and (clean := scrub(event.note)) != event.note:
                event.note = clean
        for rating in s.scalars(
            select(Rating).where(Rating.case_id == case.id, Rating.comment.is_not(None))
        ):
            rating.comment = scrub(rating.comment or "")
    return {"cases": len(rows), "open_cases": open_count, "messages": messages}


def strip_contact_details(case: Case, *, keep_place: bool) -> None:
    """No phone, no home address, no personal entities; the problem's place may stay."""
    case.phone = None
    if case.address:
        case.address = impersonal_address(case.address) if keep_place else None
    case.description = scrub(case.description)
    details = dict(case.details or {})
    entities = details.get("entities")
    if isinstance(entities, list):
        details["entities"] = [
            _impersonal_entity(e)
            for e in entities
            if not (isinstance(e, dict) and str(e.get("entity")) in PERSONAL_ENTITIES)
        ]
    details["contact_consent"] = False
    case.details = details


def scrub(text: str) -> str:
    """Free text without personal data (minsheng.redaction, names included) and without
    flat or room numbers."""
    return _HOME_PARTS.sub("[…]", mask(text, names=True))


def _impersonal_entity(entity: Any) -> Any:
    if isinstance(entity, dict) and entity.get("entity") == "location":
        return {**entity, "value": impersonal_address(str(entity.get("value") or "")) or ""}
    return entity


def impersonal_address(address: str) -> str | None:
    """The place without the flat, room or unit number that makes it someone's home."""
    cleaned = _HOME_PARTS.sub("", address).strip(" ,，")
    return cleaned or None


def _clean_transcript(s: Session, case_id: int) -> int:
    count = 0
    for msg in s.scalars(
        select(Message).where(Message.case_id == case_id, Message.author == "resident")
    ):
        msg.author_name = None
        msg.text = scrub(msg.text)
        count += 1
    return count


def _cancel_outbox(s: Session, channel: str, chat_id: str, tombstone: str, now: dt.datetime) -> int:
    mine = (OutboxMessage.channel == channel) & (OutboxMessage.recipient == chat_id)
    cancelled = s.execute(
        update(OutboxMessage)
        .where(mine, OutboxMessage.status.in_(("pending", "failed", "sending")))
        .values(status="cancelled", last_error="the resident erased their data")
        .returning(OutboxMessage.id)
    ).all()
    s.execute(
        update(OutboxMessage)
        .where(mine)
        .values(recipient=tombstone)
        .execution_options(synchronize_session=False)
    )
    return len(cancelled)


def _drop_processed_updates(s: Session, channel: str, chat_id: str, keep: str | None) -> None:
    mine = (ProcessedUpdate.channel == channel) & (ProcessedUpdate.chat_id == chat_id)
    if keep is not None and chat_id not in str(keep):
        s.execute(
            update(ProcessedUpdate)
            .where(mine, ProcessedUpdate.update_id == str(keep))
            .values(chat_id=None)
            .execution_options(synchronize_session=False)
        )
    s.execute(delete(ProcessedUpdate).where(mine).execution_options(synchronize_session=False))
