"""One inbound message from any channel -> the dialogue engine -> use cases -> replies.

The conversation state lives in `dialogue_sessions` (one row per channel and chat, with an
optimistic version), so any number of bot processes can serve the same bot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot import dialogue
from bot.dialogue import Button, Reply
from bot.dialogue.project_commands import PROJECT_COMMANDS
from case_store import repository
from case_store.lifecycle import DomainError, Status
from case_store.models import DialogueSession, ProcessedUpdate
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.casework import resident_actions, submission, views
from minsheng.services.errors import CaseNotFound, ConcurrencyConflict, InvalidRequest
from minsheng.services.projects import chat as project_chat
from minsheng.services.residents import attachments as stored_files
from minsheng.services.residents import guard, intake, resident
from minsheng.services.rights import privacy
from routing import sla

__all__ = ["Button", "Inbound", "Reply", "handle_inbound"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Inbound:
    channel: str
    chat_id: str
    update_id: str | None = None
    text: str | None = None
    callback_data: str | None = None
    display_name: str | None = None
    language_hint: str | None = None
    location: tuple[float, float] | None = None
    has_photo: bool = False
    # Files the adapter already stored (minsheng.services.residents.attachments.StoredFile).
    attachments: tuple[stored_files.StoredFile, ...] = ()
    # What the adapter could not take: "unsupported", "photo_too_large", "document_too_large".
    notice: str | None = None


def handle_inbound(app: App, inbound: Inbound) -> list[Reply]:
    """Answer one message or button tap; a redelivered update gets no answer at all."""
    inbound = dataclasses.replace(
        inbound,
        text=guard.clean_text(inbound.text),
        callback_data=guard.clean_text(inbound.callback_data),
    )
    if (early := _early_answer(app, inbound)) is not None:
        return early if _claim_alone(app, inbound) else []
    event = dialogue.Event(
        text=inbound.text,
        callback=inbound.callback_data,
        location=inbound.location,
        has_photo=inbound.has_photo or bool(inbound.attachments),
        language_hint=inbound.language_hint,
    )
    if dialogue.wants_nlu(event):
        event = dataclasses.replace(event, nlu=intake.classify(app, inbound.text or ""))
    turn = _with_retry(lambda: _take_turn(app, inbound, event))
    if turn is None:
        return []
    state, replies, commands, ctx = turn
    if not commands:
        return replies
    outcomes = [(command, _execute(app, inbound, command, state)) for command in commands]
    return replies + _with_retry(lambda: _record_outcomes(app, inbound, outcomes, ctx))


def _early_answer(app: App, inbound: Inbound) -> list[Reply] | None:
    """A reply for input that never reaches the dialogue: too long, or not readable."""
    lang = "en" if (inbound.language_hint or "").lower().startswith("en") else "zh"
    limit = app.settings.limits.max_text_chars
    if inbound.text is not None and len(inbound.text) > limit:
        return [Reply(dialogue.t(lang, "too_long", limit=limit))]
    if inbound.notice in ("photo_too_large", "document_too_large"):
        kind = "photo" if inbound.notice == "photo_too_large" else "document"
        megabytes = stored_files.limit_for(app.settings, kind) // 1_000_000
        return [Reply(dialogue.t(lang, "attachment_too_large", limit=megabytes))]
    if inbound.notice is not None and inbound.text is None and inbound.callback_data is None:
        return [Reply(dialogue.t(lang, "unsupported_message"))]
    return None


def _claim_alone(app: App, inbound: Inbound) -> bool:
    if inbound.update_id is None:
        return True
    with app.uow() as uow:
        claimed = _claim_update(uow.session, inbound, app.now())
        uow.commit()
    return claimed


def _keep_files(state: dict[str, Any], inbound: Inbound | None, limit: int) -> None:
    """Files wait in the state beside the draft they belong to, and go with it."""
    if state.get("draft") is None:
        state.pop("pending_files", None)
        return
    if inbound is not None and inbound.attachments:
        files = list(state.get("pending_files") or [])
        files += [f.as_dict() for f in inbound.attachments]
        state["pending_files"] = files[:limit]


def _with_retry(work: Callable[[], T]) -> T:
    """Run `work` again once when another process changed the same dialogue meanwhile."""
    try:
        return work()
    except (ConcurrencyConflict, StaleDataError, IntegrityError) as exc:
        log.info("dialogue changed concurrently (%s); retrying once", type(exc).__name__)
        return work()


Turned = tuple[dict[str, Any], list[Reply], list[dialogue.Command], dialogue.Context]


def _take_turn(app: App, inbound: Inbound, event: dialogue.Event) -> Turned | None:
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        if inbound.update_id is not None and not _claim_update(s, inbound, now):
            return None
        row = load_session_row(s, inbound.channel, inbound.chat_id, now)
        ctx = resident.dialogue_context(app, s, inbound.channel, inbound.chat_id)
        state, replies, commands = dialogue.handle(row.state, event, ctx)
        _keep_files(state, inbound, app.settings.attachments.max_per_case)
        row.state = state
        row.updated_at = now
        uow.commit()
    return state, replies, commands, ctx


def _record_outcomes(
    app: App,
    inbound: Inbound,
    outcomes: list[tuple[dialogue.Command, dialogue.Result]],
    ctx: dialogue.Context,
) -> list[Reply]:
    """Fold the commands' results into the newest stored state; their replies come back."""
    now = app.now()
    replies: list[Reply] = []
    if any(isinstance(c, dialogue.Forget) and r.ok for c, r in outcomes):
        # The conversation was erased with everything else: nothing is stored again.
        for command, result in outcomes:
            replies += dialogue.after(dialogue.new_state(), command, result, ctx)[1]
        return replies
    with app.uow() as uow:
        row = load_session_row(uow.session, inbound.channel, inbound.chat_id, now)
        state = row.state
        for command, result in outcomes:
            state, more = dialogue.after(state, command, result, ctx)
            replies += more
        _keep_files(state, None, app.settings.attachments.max_per_case)
        row.state = state
        row.updated_at = now
        uow.commit()
    return replies


def _claim_update(session: Session, inbound: Inbound, now: dt.datetime) -> bool:
    """True for the first delivery of this update; ON CONFLICT keeps the transaction usable."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        module.insert(ProcessedUpdate.__table__)
        .values(
            channel=inbound.channel,
            update_id=str(inbound.update_id),
            processed_at=now,
            chat_id=inbound.chat_id,
        )
        .on_conflict_do_nothing()
        .returning(ProcessedUpdate.update_id)
    )
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT that did nothing.
    return session.execute(stmt).first() is not None


def load_session_row(
    session: Session, channel: str, chat_id: str, now: dt.datetime
) -> DialogueSession:
    row = session.scalars(
        select(DialogueSession).where(
            DialogueSession.channel == channel, DialogueSession.chat_id == chat_id
        )
    ).one_or_none()
    if row is None:
        row = DialogueSession(
            channel=channel, chat_id=chat_id, state=dialogue.new_state(), updated_at=now
        )
        session.add(row)
        session.flush()  # a second process creating the same row fails here, then retries
    return row


# -- commands -> use cases ------------------------------------------------------------------


class CaseLimitReached(Exception):
    """The chat has submitted as many new cases as the window allows."""


def _execute(
    app: App, inbound: Inbound, command: dialogue.Command, state: dict[str, Any] | None = None
) -> dialogue.Result:
    try:
        return dialogue.Result(ok=True, data=_run(app, inbound, command, state or {}))
    except CaseLimitReached:
        limits = app.settings.limits
        return dialogue.Result(
            ok=False,
            error="rate_limited",
            data={"limit": limits.new_cases_per_window, "minutes": f"{limits.window_minutes:g}"},
        )
    except CaseNotFound:
        return dialogue.Result(ok=False, error="not_found")
    except project_chat.ChatRefusal as exc:
        return dialogue.Result(ok=False, error=exc.error)
    except InvalidRequest as exc:
        error = "already_rated" if "already rated" in str(exc) else "not_ratable"
        if isinstance(command, dialogue.Withdraw | dialogue.AddDetails | dialogue.AddContact):
            error = "not_open"
        return dialogue.Result(ok=False, error=error)
    except DomainError:
        return dialogue.Result(ok=False, error="not_open")
    except Exception:
        log.exception(
            "command %s failed for a %s resident", type(command).__name__, inbound.channel
        )
        return dialogue.Result(ok=False, error="failed")


def _run(
    app: App, inbound: Inbound, command: dialogue.Command, state: dict[str, Any]
) -> dict[str, Any]:
    channel, chat_id = inbound.channel, inbound.chat_id
    actor = f"resident:{channel}"
    if isinstance(command, dialogue.Submit):
        if guard.case_limit_reached(app, channel, chat_id):
            raise CaseLimitReached()
        return _submit(app, inbound, command, state.get("pending_files") or [])
    if isinstance(command, dialogue.MyData):
        return privacy.my_data(app, channel, chat_id)
    if isinstance(command, dialogue.Forget):
        return privacy.forget(app, channel, chat_id, current_update_id=inbound.update_id)
    if isinstance(command, dialogue.AddContact):
        _check_owner(app, inbound, command.reference)
        view = {"reference": command.reference}
        if command.address or command.phone:
            view = resident_actions.add_contact(
                app, command.reference, address=command.address, phone=command.phone, actor=actor
            )
        if command.location is not None:
            _attach(app, command.reference, [], command.location)
        return {"reference": view["reference"]}
    if isinstance(command, dialogue.AddDetails):
        _check_owner(app, inbound, command.reference)
        before = views.show(app, command.reference)["status"]
        resident_actions.resident_message(app, command.reference, text=command.text, actor=actor)
        return {"answered": before == Status.AWAITING_RESIDENT.value}
    if isinstance(command, dialogue.Rate):
        return resident.rate_own_case(app, channel, chat_id, command.reference, command.score)
    if isinstance(command, dialogue.Comment):
        return resident.add_rating_comment(app, channel, chat_id, command.reference, command.text)
    if isinstance(command, dialogue.Reopen):
        view = resident.reopen_after_low_rating(
            app, channel, chat_id, command.reference, command.reason
        )
        return {
            **view,
            "resolution_due": _local_date(view.get("resolution_due_at")),
            "resolution_due_provisional": bool(view.get("resolution_due_provisional")),
        }
    if isinstance(command, dialogue.Withdraw):
        _check_owner(app, inbound, command.reference)
        return resident_actions.withdraw(
            app, command.reference, actor=actor, reason="withdrawn by the resident"
        )
    if isinstance(command, PROJECT_COMMANDS):
        return project_chat.run(app, channel, chat_id, command)
    if isinstance(command, dialogue.SetLanguage):
        resident.set_language(app, channel, chat_id, command.language)
        return {}
    raise TypeError(f"unknown command {command!r}")


def _check_owner(app: App, inbound: Inbound, reference: str) -> None:
    with app.uow() as uow:
        resident.owned_case(uow.session, inbound.channel, inbound.chat_id, reference)


def _submit(
    app: App, inbound: Inbound, command: dialogue.Submit, files: list[dict[str, Any]]
) -> dict[str, Any]:
    result = {**command.nlu, "text": command.text}
    draft = intake.to_intake(
        result,
        channel=inbound.channel,
        text=command.text,
        external_id=inbound.chat_id,
        display_name=inbound.display_name,
        language=command.language,
        address=command.address,
        domain=command.domain if command.domain_chosen else None,
        urgency=command.urgency,
    )
    details: dict[str, Any] = {"contact_consent": command.consent, "photo": command.has_photo}
    if command.safety_answer is not None:
        details["safety_answer"] = command.safety_answer
    if command.location is not None:
        details["location"] = {"latitude": command.location[0], "longitude": command.location[1]}
    view = submission.submit(app, dataclasses.replace(draft, details=details))
    if files or command.location is not None:
        _attach(app, view["reference"], files, command.location)
    working_days = sla.resolution_working_days(
        policy.sla_policy(app.settings), view["domain"], view["kind"]
    )
    first = view.get("first_response_due_at")
    return {
        "reference": view["reference"],
        "department": view["department"],
        "working_days": working_days,
        "resolution_due": _local_date(view.get("resolution_due_at")),
        "resolution_due_provisional": bool(view.get("resolution_due_provisional")),
        "first_response_due": dt.datetime.fromisoformat(first) if first else None,
        "urgency": view["urgency"],
    }


def _local_date(iso: str | None) -> dt.date | None:
    # Views carry local ISO times already, so the date part is the resident's date.
    return dt.datetime.fromisoformat(iso).date() if iso else None


def _attach(
    app: App, reference: str, files: list[dict[str, Any]], location: tuple[float, float] | None
) -> None:
    with app.uow() as uow:
        case = repository.get_case(uow.session, reference)
        stored_files.add_to_case(uow.session, app.settings, case, files, app.now(), location)
        uow.commit()
