"""One inbound message from any channel -> the dialogue engine -> use cases -> replies.

The conversation state lives in `dialogue_sessions` (one row per channel and chat, with an
optimistic version), so any number of bot processes can serve the same bot.

One message is one transaction: the update id is claimed, the state read, the dialogue run,
and the new state written with its version checked (only when it changed), together with the
replies when the channel sends them through the outbox. A confirmation (or an urgent report)
makes its case in that same transaction too, so the intake's every step is one transaction:
a crash before the commit leaves only an update that the channel delivers again, and of two
concurrent taps on Confirm only the one whose version check passes keeps its case.

Other commands (a rating, a withdrawal, erasure...) run in use cases of their own, and so do
submissions counted against the sender's address (the web chat's limit lives outside this
transaction): the step saves them beside the state, in `pending`; they are then carried out
once, keyed by the conversation and the version of that step, by whoever comes first: this
process right after the commit, the next message of the same chat on any replica, or the
periodic sweep after a crash. A second tap on Confirm finds the step done and gets the
ordinary answer for a button that is no longer current.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Table,
    bindparam,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import dialogue
from bot.dialogue import Button, Reply
from bot.dialogue.project_commands import PROJECT_COMMANDS
from case_store import direct, json_rows, new_case, repository
from case_store.lifecycle import DomainError, Status
from case_store.models import DialogueSession, OutboxMessage, ProcessedUpdate, Resident
from minsheng.services import policy
from minsheng.services.bootstrap import App
from minsheng.services.casework import resident_actions, submission, views
from minsheng.services.errors import CaseNotFound, ConcurrencyConflict, InvalidRequest
from minsheng.services.messaging import delivery
from minsheng.services.projects import chat as project_chat
from minsheng.services.residents import attachments as stored_files
from minsheng.services.residents import crashpoints, flood, guard, intake, resident, step_slots
from minsheng.services.rights import privacy
from routing import sla

__all__ = ["Button", "Inbound", "Reply", "handle_inbound"]

log = logging.getLogger(__name__)


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


ATTEMPTS = 6
# A step still pending after this long was left by a process that died; the sweep takes it.
PENDING_GRACE = dt.timedelta(seconds=20)
SWEEP_BATCH = 200
# How long a message waits for another process that claimed the chat's pending commands.
WAIT_FOR_CLAIMED_S = 5.0

_SESSIONS = cast(Table, DialogueSession.__table__)
_SELECT_SESSION = select(
    _SESSIONS.c.id, _SESSIONS.c.state, _SESSIONS.c.version, _SESSIONS.c.pending
).where(_SESSIONS.c.channel == bindparam("channel"), _SESSIONS.c.chat_id == bindparam("chat_id"))
_UPDATE_SESSION = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("row_id"), _SESSIONS.c.version == bindparam("seen"))
    .values(
        state=bindparam("state"),
        version=bindparam("new_version"),
        pending=bindparam("pending"),
        pending_at=bindparam("pending_at"),
        updated_at=bindparam("now"),
    )
)
_UPDATES = cast(Table, ProcessedUpdate.__table__)
_CLAIMED = (
    postgresql.insert(_UPDATES)
    .values(
        channel=bindparam("u_channel"),
        update_id=bindparam("u_id"),
        processed_at=bindparam("u_now"),
        chat_id=bindparam("u_chat"),
    )
    .on_conflict_do_nothing()
    .returning(_UPDATES.c.update_id)
    .cte("claimed")
)
_ONE = select(literal(1).label("one")).subquery("one")
_CLAIM_AND_READ = select(
    select(func.count()).select_from(_CLAIMED).scalar_subquery().label("claimed"),
    _SESSIONS.c.id,
    _SESSIONS.c.state,
    _SESSIONS.c.version,
    _SESSIONS.c.pending,
).select_from(
    _ONE.outerjoin(
        _SESSIONS,
        (_SESSIONS.c.channel == bindparam("s_channel"))
        & (_SESSIONS.c.chat_id == bindparam("s_chat")),
    )
)
_OUTBOX = cast(Table, OutboxMessage.__table__)
_QUEUE_REPLIES_PG = postgresql.insert(_OUTBOX).on_conflict_do_nothing()
_QUEUE_REPLIES_SQLITE = sqlite.insert(_OUTBOX).on_conflict_do_nothing()
_RESIDENTS = cast(Table, Resident.__table__)
_MARK_REACHABLE = (
    update(_RESIDENTS)
    .where(
        _RESIDENTS.c.channel == bindparam("r_channel"),
        _RESIDENTS.c.external_id == bindparam("r_chat"),
        _RESIDENTS.c.deliverable.is_(False),
        _RESIDENTS.c.forgotten_at.is_(None),
    )
    .values(deliverable=True)
)
# With the claim and the read, when the channel says writing proves the resident reachable
# (a data-modifying CTE runs whether or not the query reads it; it locks no row that is
# already deliverable). No parameter of these statements is named after a column: SQLAlchemy
# would take it as a value to SET.
_CLAIM_READ_AND_REACH = _CLAIM_AND_READ.add_cte(
    _MARK_REACHABLE.values(deliverable=true()).returning(_RESIDENTS.c.id).cte("reached")
)


@dataclass(frozen=True)
class SessionRow:
    id: int | None  # None: this chat has no stored dialogue yet
    state: dict[str, Any]
    version: int
    pending: dict[str, Any] | None


class _Conflict(Exception):
    """Another process saved this chat's dialogue since it was read: read it again."""


class _InlineFailed(Exception):
    """A submission made inside the step's transaction failed; the step is taken again."""


class _PendingFirst(Exception):
    """The stored step still has commands to carry out before this message can be taken."""

    def __init__(self, row: SessionRow, *, then_stop: bool = False) -> None:
        super().__init__("a pending step comes first")
        self.row = row
        self.then_stop = then_stop  # the message itself was taken before


def handle_inbound(
    app: App, inbound: Inbound, *, via_outbox: bool = False, mark_reachable: bool = False
) -> list[Reply]:
    """Answer one message or button tap; a redelivered update gets no answer at all.

    `via_outbox`: the replies are also queued in the outbox in the transaction that made
    them (the channel sends them from there, so a crash after the commit loses none).
    `mark_reachable`: writing to us proves a resident who had blocked the bot is back.
    """
    inbound = dataclasses.replace(
        inbound,
        text=guard.clean_text(inbound.text),
        callback_data=guard.clean_text(inbound.callback_data),
    )
    if (early := _early_answer(app, inbound)) is not None:
        return early if _claim_alone(app, inbound, early if via_outbox else []) else []
    event = dialogue.Event(
        text=inbound.text,
        callback=inbound.callback_data,
        location=inbound.location,
        has_photo=inbound.has_photo or bool(inbound.attachments),
        language_hint=inbound.language_hint,
    )
    # The built-in NLU is work for the interpreter like the rest of the step, so it takes its
    # turn in the slot; a Rasa server is asked before, as it may keep the thread waiting.
    classify = dialogue.wants_nlu(event)
    in_slot = app.settings.nlu.backend == "builtin"
    if classify and not in_slot:
        event = dataclasses.replace(event, nlu=intake.classify(app, inbound.text or ""))
    with step_slots.of(app).held():
        if classify and in_slot:
            event = dataclasses.replace(event, nlu=intake.classify(app, inbound.text or ""))
        return _steps(app, inbound, event, via_outbox, mark_reachable)


def _steps(
    app: App, inbound: Inbound, event: dialogue.Event, via_outbox: bool, mark_reachable: bool
) -> list[Reply]:
    replies: list[Reply] = []
    attempt = waited = 0
    inline = flood.address_scope() is None
    while attempt < ATTEMPTS:
        try:
            taken = _take_turn(app, inbound, event, via_outbox, mark_reachable, inline)
        except _InlineFailed:
            inline = False  # the submission goes the long way, which reports its failure
            continue
        except _PendingFirst as first:
            if _running_elsewhere(app, first.row) and waited < WAIT_FOR_CLAIMED_S / 0.05:
                # Another process is carrying out that step's commands right now: its
                # outcome comes first, in a moment.
                waited += 1
                time.sleep(0.05)
                continue
            replies += carry_out(app, inbound.channel, inbound.chat_id, first.row, via_outbox)
            if first.then_stop:
                return replies
            attempt += 1
            continue
        except (_Conflict, IntegrityError) as exc:
            log.info("dialogue changed concurrently (%s); again", type(exc).__name__)
            time.sleep(0.002 * attempt)
            attempt += 1
            continue
        if taken is None:
            return replies  # a redelivered update: it was answered the first time
        more, row = taken
        replies += more
        if row is not None and row.pending is not None:
            replies += carry_out(app, inbound.channel, inbound.chat_id, row, via_outbox)
        return replies
    raise ConcurrencyConflict("this chat's dialogue kept changing; send the message again")


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


def _claim_alone(app: App, inbound: Inbound, queued: list[Reply]) -> bool:
    if inbound.update_id is None and not queued:
        return True
    now = app.now()
    with app.uow() as uow:
        claimed = inbound.update_id is None or _claim_update(uow.session, inbound, now)
        if claimed and queued:
            tag = f"u{inbound.update_id}" if inbound.update_id else f"r{uuid.uuid4().hex}"
            _queue_replies(uow.session, inbound.channel, inbound.chat_id, tag, queued, now)
        uow.commit()
    if claimed and queued:
        delivery.wake()
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


def _take_turn(
    app: App,
    inbound: Inbound,
    event: dialogue.Event,
    via_outbox: bool,
    mark_reachable: bool,
    inline: bool,
) -> tuple[list[Reply], SessionRow | None] | None:
    """The step in one transaction; None for a redelivered update.

    Returns the replies and, when the step left commands to carry out, the row as saved. A
    step whose commands are all submissions, ratings, or the place and number given after an
    urgent report, carries them out in this same transaction (`inline`): the confirmation and
    a rating tap are then one transaction each, and a crash before its commit leaves nothing
    behind but an update that Telegram hands out again.
    """
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        claimed, row, reached = _claim_and_read(s, inbound, now, mark_reachable)
        if not claimed:
            # A redelivery (Telegram retries what a dead process never acknowledged): the
            # step it made may still wait for its commands.
            if row is not None and row.pending is not None:
                raise _PendingFirst(row, then_stop=True)
            return None
        crashpoints.reached("update-claimed")
        if row is not None and row.pending is not None:
            raise _PendingFirst(row)
        crashpoints.reached("state-read")
        stored = row.state if row is not None else dialogue.new_state()
        ctx = resident.dialogue_context(
            app, s, inbound.channel, inbound.chat_id, known_chat=row is not None
        )
        state, replies, commands = dialogue.handle(stored, event, ctx)
        _keep_files(state, inbound, app.settings.attachments.max_per_case)
        submitted = bool(commands) and inline and all(isinstance(c, _INLINE) for c in commands)
        if submitted:
            state, more = _run_inline(app, s, inbound, state, commands, ctx)
            replies = [*replies, *more]
            commands = []
        pending = _pending(commands, inbound) if commands else None
        queued: list[dict[str, Any]] = []
        if via_outbox and replies:
            # Keyed by the update: an unchanged state keeps its version, so that cannot be it.
            tag = f"u{inbound.update_id}" if inbound.update_id else f"r{uuid.uuid4().hex}"
            queued = _reply_rows(inbound.channel, inbound.chat_id, tag, replies, now)
        saved = _save(s, inbound.channel, inbound.chat_id, row, state, pending, now, queued)
        crashpoints.reached("step-written")
        if mark_reachable and not reached:
            s.connection().execute(
                _MARK_REACHABLE, {"r_channel": inbound.channel, "r_chat": inbound.chat_id}
            )
        crashpoints.reached("step-before-commit")
        if submitted:
            crashpoints.reached("command-before-commit")
        uow.commit()
    crashpoints.reached("step-saved")
    if submitted:
        crashpoints.reached("command-done")
    if via_outbox and replies:
        delivery.wake()
    return replies, saved if pending is not None else None


# Commands carried out inside the step's own transaction: they touch only the database.
_INLINE = (dialogue.Submit, dialogue.AddContact, dialogue.Rate)


def _run_inline(
    app: App,
    s: Session,
    inbound: Inbound,
    state: dict[str, Any],
    commands: list[dialogue.Command],
    ctx: dialogue.Context,
) -> tuple[dict[str, Any], list[Reply]]:
    """The step's submissions, ratings and the place or number given after an urgent report,
    in the step's own transaction, their outcomes folded into the state."""
    meta = {"display_name": inbound.display_name}
    crashpoints.reached("command-started")
    outcomes: Outcomes = []
    for command in commands:
        try:
            if isinstance(command, dialogue.Submit):
                result = _submit_in(app, s, inbound.channel, inbound.chat_id, meta, command, state)
            elif isinstance(command, dialogue.Rate):
                result = _rate_in(app, s, inbound, command)
            else:
                assert isinstance(command, dialogue.AddContact)
                result = _add_contact_in(app, s, inbound, command)
        except IntegrityError:
            raise  # a reference collision: the whole step is taken again
        except Exception as exc:
            raise _InlineFailed() from exc
        outcomes.append((command, result))
    crashpoints.reached("case-created")
    replies: list[Reply] = []
    for command, result in outcomes:
        state, more = dialogue.after(state, command, result, ctx)
        replies += more
    _keep_files(state, None, app.settings.attachments.max_per_case)
    return state, replies


def _add_contact_in(
    app: App, s: Session, inbound: Inbound, command: dialogue.AddContact
) -> dialogue.Result:
    """AddContact in the caller's transaction; a refusal comes before any change."""
    try:
        case = resident.owned_case(s, inbound.channel, inbound.chat_id, command.reference)
        if command.address or command.phone:
            resident_actions.add_contact_to(
                s,
                case,
                address=command.address,
                phone=command.phone,
                actor=f"resident:{inbound.channel}",
                now=app.now(),
            )
    except CaseNotFound:
        return dialogue.Result(ok=False, error="not_found")
    except (InvalidRequest, DomainError):
        return dialogue.Result(ok=False, error="not_open")
    if command.location is not None:
        stored_files.add_to_case(s, app.settings, case, [], app.now(), command.location)
    return dialogue.Result(ok=True, data={"reference": command.reference})


def _rate_in(app: App, s: Session, inbound: Inbound, command: dialogue.Rate) -> dialogue.Result:
    """A rating in the caller's transaction; a refusal comes before any change."""
    try:
        resident.rate_own_case_in(
            app, s, inbound.channel, inbound.chat_id, command.reference, command.score
        )
    except CaseNotFound:
        return dialogue.Result(ok=False, error="not_found")
    except InvalidRequest as exc:
        return dialogue.Result(ok=False, error=_rating_refusal(exc))
    except DomainError:
        return dialogue.Result(ok=False, error="not_open")
    return dialogue.Result(ok=True, data={"reference": command.reference})


def _rating_refusal(exc: InvalidRequest) -> str:
    return "already_rated" if "already rated" in str(exc) else "not_ratable"


def _pending(commands: list[dialogue.Command], inbound: Inbound) -> dict[str, Any]:
    return {
        "commands": [encode_command(c) for c in commands],
        "display_name": inbound.display_name,
        "update_id": inbound.update_id,
    }


def _save(
    s: Session,
    channel: str,
    chat_id: str,
    row: SessionRow | None,
    state: dict[str, Any],
    pending: dict[str, Any] | None,
    now: dt.datetime,
    queued: list[dict[str, Any]] | None = None,
) -> SessionRow:
    """Write the state if it changed (version checked), with the outbox rows `queued`; an
    unchanged state costs nothing. On PostgreSQL the state and the rows are one statement."""
    if row is None:
        conn = s.connection()
        pg = conn.dialect.name == "postgresql"
        values = {
            "n_channel": channel,
            "n_chat": chat_id,
            "n_state": state,
            "n_pending": pending,
            "n_pending_at": now if pending is not None else None,
            "n_now": now,
        }
        if pg and queued:
            inserted = direct.scalar(
                conn,
                _INSERT_SESSION_AND_QUEUE,
                {**values, "q_rows": json_rows.as_parameter(queued)},
            )
        else:
            inserted = conn.execute(_INSERT_SESSION[pg], values).scalar()
            if queued:
                _insert_rows(s, queued)
        if inserted is None:
            raise _Conflict("created concurrently")
        return SessionRow(inserted, state, 1, pending)
    if state == row.state and pending is None and row.pending is None:
        if queued:
            _insert_rows(s, queued)
        return row
    return _write(s, row, state, pending, now, queued)


def _write(
    s: Session,
    row: SessionRow,
    state: dict[str, Any],
    pending: dict[str, Any] | None,
    now: dt.datetime,
    queued: list[dict[str, Any]] | None = None,
) -> SessionRow:
    assert row.id is not None
    conn = s.connection()
    values = {
        "row_id": row.id,
        "seen": row.version,
        "new_version": row.version + 1,
        "state": state,
        "pending": pending,
        "pending_at": now if pending is not None else None,
        "now": now,
    }
    if queued and conn.dialect.name == "postgresql":
        written = direct.scalar(
            conn, _UPDATE_SESSION_AND_QUEUE, {**values, "q_rows": json_rows.as_parameter(queued)}
        )
    else:
        written = cast(CursorResult[Any], conn.execute(_UPDATE_SESSION, values)).rowcount
        if queued:
            _insert_rows(s, queued)
    if written != 1:
        raise _Conflict("saved concurrently")
    return SessionRow(row.id, state, row.version + 1, pending)


def _queue_replies(
    s: Session, channel: str, chat_id: str, tag: str, replies: list[Reply], now: dt.datetime
) -> None:
    """The replies as outbox rows, in one statement; the key makes a replay queue nothing."""
    _insert_rows(s, _reply_rows(channel, chat_id, tag, replies, now))


def _reply_rows(
    channel: str, chat_id: str, tag: str, replies: list[Reply], now: dt.datetime
) -> list[dict[str, Any]]:
    return [
        {
            "key": f"reply:{channel}:{chat_id}:{tag}:{n}",
            "case_id": None,
            "channel": channel,
            "recipient": chat_id,
            "payload": {
                "type": "reply",
                "reference": None,
                "text": reply.text,
                "buttons": [
                    [{"label": b.label, "data": b.data} for b in line] for line in reply.buttons
                ],
            },
            "status": "pending",
            "attempts": 0,
            "available_at": now,
            "created_at": now,
        }
        for n, reply in enumerate(replies)
    ]


def _insert_rows(s: Session, rows: list[dict[str, Any]]) -> None:
    conn = s.connection()
    insert = _QUEUE_REPLIES_PG if conn.dialect.name == "postgresql" else _QUEUE_REPLIES_SQLITE
    # Several parameter sets: one batched statement (a pipeline under psycopg).
    conn.execute(insert, rows)


_OUTBOX_COLUMNS = ("case_id", *new_case.OUTBOX_COLUMNS)


_QUEUED_ROWS = json_rows.rows_from(_OUTBOX, _OUTBOX_COLUMNS, "q_rows")
# A data-modifying CTE runs whether or not the query reads it; a conflicting key (a replay)
# inserts nothing.
_QUEUE_CTE = (
    postgresql.insert(_OUTBOX)
    .from_select(
        _OUTBOX_COLUMNS,
        select(*(_QUEUED_ROWS.c[k] for k in _OUTBOX_COLUMNS)).order_by(_QUEUED_ROWS.c.n),
    )
    .on_conflict_do_nothing()
    .cte("queued")
)
# The version-checked update and how many rows it changed (0: someone else saved first, and
# the whole transaction is rolled back).
_SAVED = _UPDATE_SESSION.returning(_SESSIONS.c.id).cte("saved")
_UPDATE_SESSION_AND_QUEUE = select(
    select(func.count()).select_from(_SAVED).scalar_subquery()
).add_cte(_QUEUE_CTE)


def _insert_session(module: Any) -> Any:
    return (
        module.insert(_SESSIONS)
        .values(
            channel=bindparam("n_channel"),
            chat_id=bindparam("n_chat"),
            state=bindparam("n_state"),
            version=1,
            pending=bindparam("n_pending"),
            pending_at=bindparam("n_pending_at"),
            updated_at=bindparam("n_now"),
        )
        .on_conflict_do_nothing()
        .returning(_SESSIONS.c.id)
    )


_INSERT_SESSION = {True: _insert_session(postgresql), False: _insert_session(sqlite)}
_CREATED = _INSERT_SESSION[True].cte("created")
_INSERT_SESSION_AND_QUEUE = select(select(_CREATED.c.id).scalar_subquery()).add_cte(_QUEUE_CTE)


def _claim_and_read(
    session: Session, inbound: Inbound, now: dt.datetime, mark_reachable: bool = False
) -> tuple[bool, SessionRow | None, bool]:
    """Whether this is the update's first delivery, the chat's stored dialogue, and whether
    the resident was marked reachable on the way.

    On PostgreSQL all three come from one statement (the claim and the mark as data-modifying
    CTEs), so a message costs one round trip before the dialogue runs.
    """
    if inbound.update_id is not None and session.get_bind().dialect.name == "postgresql":
        claimed, row_id, state, version, pending = direct.first(
            session.connection(),
            _CLAIM_READ_AND_REACH if mark_reachable else _CLAIM_AND_READ,
            {
                "u_channel": inbound.channel,
                "u_id": str(inbound.update_id),
                "u_now": now,
                "u_chat": inbound.chat_id,
                "s_channel": inbound.channel,
                "s_chat": inbound.chat_id,
                "r_channel": inbound.channel,
                "r_chat": inbound.chat_id,
            },
        )
        row = None
        if row_id is not None:
            row = SessionRow(row_id, dict(state or {}), version, pending)
        return bool(claimed), row, mark_reachable
    claimed = inbound.update_id is None or _claim_update(session, inbound, now)
    return claimed, load_session_row(session, inbound.channel, inbound.chat_id), False


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
    return session.connection().execute(stmt).first() is not None


def load_session_row(session: Session, channel: str, chat_id: str) -> SessionRow | None:
    found = (
        session.connection()
        .execute(_SELECT_SESSION, {"channel": channel, "chat_id": chat_id})
        .first()
    )
    if found is None:
        return None
    return SessionRow(found.id, dict(found.state or {}), found.version, found.pending)


# -- carrying out a step's commands, once -----------------------------------------------------


Outcomes = list[tuple[dialogue.Command, dialogue.Result]]


def carry_out(
    app: App, channel: str, chat_id: str, row: SessionRow, via_outbox: bool
) -> list[Reply]:
    """Run the saved step's commands and fold their outcomes into its state, once.

    The key is (conversation, version of the step): whoever writes the next version first
    has done it; anyone else finds the version moved on and answers nothing for it.
    """
    assert row.pending is not None
    commands = [decode_command(c) for c in row.pending.get("commands") or []]
    if commands and all(isinstance(c, dialogue.Submit) for c in commands):
        return _carry_out_in_one(app, channel, chat_id, row, commands, via_outbox)
    return _carry_out_claimed(app, channel, chat_id, row, commands, via_outbox)


def _carry_out_in_one(
    app: App,
    channel: str,
    chat_id: str,
    row: SessionRow,
    commands: list[dialogue.Command],
    via_outbox: bool,
) -> list[Reply]:
    """A submission: the case, its events and notices, the folded state, the replies — all
    in one transaction, so there is exactly one case whatever runs it concurrently."""
    assert row.pending is not None
    meta = row.pending
    # A web chat costs nothing to open afresh, so its address has a case limit of its own; the
    # counter lives outside this transaction (another store, or its own unit of work).
    per_address = flood.address_new_case(app)
    if per_address is not None and not per_address.allowed:
        limits = app.settings.limits
        limit = {
            "limit": limits.new_cases_per_address,
            "minutes": f"{limits.address_window_minutes:g}",
        }
        limited: Outcomes = [
            (c, dialogue.Result(ok=False, error="rate_limited", data=limit)) for c in commands
        ]
        return _fold_alone(app, channel, chat_id, row, limited, via_outbox)
    for attempt in range(submission.REFERENCE_ATTEMPTS):
        now = app.now()
        failed = False
        try:
            with app.uow() as uow:
                s = uow.session
                outcomes: Outcomes = []
                crashpoints.reached("command-started")
                for command in commands:
                    assert isinstance(command, dialogue.Submit)
                    outcomes.append(
                        (command, _submit_in(app, s, channel, chat_id, meta, command, row.state))
                    )
                crashpoints.reached("case-created")
                replies = _fold(app, s, channel, chat_id, row, outcomes, via_outbox, now)
                crashpoints.reached("command-before-commit")
                uow.commit()
        except _Conflict:
            return []  # carried out by someone else meanwhile
        except IntegrityError as exc:
            if "reference" in str(exc.orig).lower() and attempt < submission.REFERENCE_ATTEMPTS - 1:
                continue
            log.exception("a submission failed for a %s resident", channel)
            failed = True
        except Exception:
            log.exception("a submission failed for a %s resident", channel)
            failed = True
        if failed:
            refused: Outcomes = [(c, dialogue.Result(ok=False, error="failed")) for c in commands]
            return _fold_alone(app, channel, chat_id, row, refused, via_outbox)
        crashpoints.reached("command-done")
        if via_outbox and replies:
            delivery.wake()
        return replies
    raise AssertionError("unreachable")


def _carry_out_claimed(
    app: App,
    channel: str,
    chat_id: str,
    row: SessionRow,
    commands: list[dialogue.Command],
    via_outbox: bool,
) -> list[Reply]:
    """Other commands run in their own use cases: the step is claimed first (the version
    moves on, the commands stay pending), so concurrent callers never run them twice."""
    assert row.pending is not None
    now = app.now()
    try:
        with app.uow() as uow:
            mark = {**row.pending, "claimed_at": now.isoformat()}
            claimed = _write(uow.session, row, row.state, mark, now)
            uow.commit()
    except _Conflict:
        return []
    inbound = Inbound(
        channel=channel,
        chat_id=chat_id,
        update_id=row.pending.get("update_id"),
        display_name=row.pending.get("display_name"),
    )
    outcomes = [(c, _execute(app, inbound, c, row.state)) for c in commands]
    crashpoints.reached("command-before-commit")
    replies = _fold_alone(app, channel, chat_id, claimed, outcomes, via_outbox)
    crashpoints.reached("command-done")
    return replies


def _running_elsewhere(app: App, row: SessionRow) -> bool:
    """The pending commands were claimed by a process that is (as far as we know) alive."""
    claimed_at = (row.pending or {}).get("claimed_at")
    if not claimed_at:
        return False
    return app.now() - dt.datetime.fromisoformat(claimed_at) < PENDING_GRACE


def _fold_alone(
    app: App, channel: str, chat_id: str, row: SessionRow, outcomes: Outcomes, via_outbox: bool
) -> list[Reply]:
    now = app.now()
    try:
        with app.uow() as uow:
            replies = _fold(app, uow.session, channel, chat_id, row, outcomes, via_outbox, now)
            uow.commit()
    except _Conflict:
        return []
    if via_outbox and replies:
        delivery.wake()
    return replies


def _fold(
    app: App,
    s: Session,
    channel: str,
    chat_id: str,
    row: SessionRow,
    outcomes: Outcomes,
    via_outbox: bool,
    now: dt.datetime,
) -> list[Reply]:
    """The commands' outcomes into the step's state, `pending` cleared; their replies."""
    ctx = resident.dialogue_context(app, s, channel, chat_id)
    replies: list[Reply] = []
    tag = f"v{row.version}c"
    if any(isinstance(c, dialogue.Forget) and r.ok for c, r in outcomes):
        # The conversation was erased with everything else: nothing is stored again.
        for command, result in outcomes:
            replies += dialogue.after(dialogue.new_state(), command, result, ctx)[1]
        if via_outbox and replies:
            _queue_replies(s, channel, chat_id, tag, replies, now)
        return replies
    state = row.state
    for command, result in outcomes:
        state, more = dialogue.after(state, command, result, ctx)
        replies += more
    _keep_files(state, None, app.settings.attachments.max_per_case)
    _write(s, row, state, None, now)
    if via_outbox and replies:
        _queue_replies(s, channel, chat_id, tag, replies, now)
    return replies


def carry_out_pending(app: App, *, older_than: dt.timedelta = PENDING_GRACE) -> int:
    """The sweep's part: steps left pending by a process that died; their replies are queued.

    Returns how many steps were carried out here.
    """
    before = app.now() - older_than
    with app.uow() as uow:
        found = uow.session.execute(
            select(
                _SESSIONS.c.id,
                _SESSIONS.c.channel,
                _SESSIONS.c.chat_id,
                _SESSIONS.c.state,
                _SESSIONS.c.version,
                _SESSIONS.c.pending,
            )
            .where(_SESSIONS.c.pending_at <= before)
            .order_by(_SESSIONS.c.pending_at)
            .limit(SWEEP_BATCH)
        ).all()
    done = 0
    for r in found:
        row = SessionRow(r.id, dict(r.state or {}), r.version, r.pending)
        if row.pending is None:
            continue
        try:
            carry_out(app, r.channel, r.chat_id, row, via_outbox=True)
            done += 1
        except Exception:
            log.exception("a pending %s dialogue step could not be carried out", r.channel)
    if done:
        log.info("carried out %d dialogue step(s) left pending", done)
    return done


def encode_command(command: dialogue.Command) -> dict[str, Any]:
    return {"type": type(command).__name__, **dataclasses.asdict(command)}


_COMMANDS: dict[str, type[Any]] = {
    c.__name__: c
    for c in (
        dialogue.Submit,
        dialogue.AddDetails,
        dialogue.Rate,
        dialogue.Comment,
        dialogue.Reopen,
        dialogue.Withdraw,
        dialogue.SetLanguage,
        dialogue.MyData,
        dialogue.Forget,
        dialogue.AddContact,
        *PROJECT_COMMANDS,
    )
}


def decode_command(data: dict[str, Any]) -> dialogue.Command:
    fields = dict(data)
    cls = _COMMANDS[fields.pop("type")]
    if cls in (dialogue.Submit, dialogue.AddContact) and fields.get("location") is not None:
        fields["location"] = tuple(fields["location"])
    command: dialogue.Command = cls(**fields)
    return command


# -- commands -> use cases ------------------------------------------------------------------


class CaseLimitReached(Exception):
    """The chat has submitted as many new cases as the window allows."""


def _execute(
    app: App, inbound: Inbound, command: dialogue.Command, state: dict[str, Any] | None = None
) -> dialogue.Result:
    try:
        if isinstance(command, dialogue.AddContact):
            with app.uow() as uow:
                result = _add_contact_in(app, uow.session, inbound, command)
                uow.commit()
            return result
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
        error = _rating_refusal(exc)
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
        with app.uow() as uow:
            meta = {"display_name": inbound.display_name}
            result = _submit_in(app, uow.session, channel, chat_id, meta, command, state)
            uow.commit()
        if not result.ok:
            raise CaseLimitReached()
        return dict(result.data)
    if isinstance(command, dialogue.MyData):
        return privacy.my_data(app, channel, chat_id)
    if isinstance(command, dialogue.Forget):
        return privacy.forget(app, channel, chat_id, current_update_id=inbound.update_id)
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


def _submit_in(
    app: App,
    s: Session,
    channel: str,
    chat_id: str,
    meta: dict[str, Any],
    command: dialogue.Submit,
    state: dict[str, Any],
) -> dialogue.Result:
    """The confirmed draft as a case in the caller's transaction, or the limit's refusal."""
    now = app.now()
    result = {**command.nlu, "text": command.text}
    draft = intake.to_intake(
        result,
        channel=channel,
        text=command.text,
        external_id=chat_id,
        display_name=meta.get("display_name"),
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
    draft = dataclasses.replace(draft, details=details)
    submission.validate(app, draft)
    limits = app.settings.limits
    since = now - dt.timedelta(minutes=limits.window_minutes)
    person, recent = new_case.resident_with_recent_cases(
        s.connection(), submission.resident_row(draft, now), since
    )
    if recent >= limits.new_cases_per_window:
        return dialogue.Result(
            ok=False,
            error="rate_limited",
            data={"limit": limits.new_cases_per_window, "minutes": f"{limits.window_minutes:g}"},
        )
    case = submission.submit_in(app, s, draft, now, resident_id=person)
    files = state.get("pending_files") or []
    if files or command.location is not None:
        stored = repository.get_case(s, case.reference)
        stored_files.add_to_case(s, app.settings, stored, files, now, command.location)
    written = case.columns
    working_days = sla.resolution_working_days(
        policy.sla_policy(app.settings), written["domain"], written["kind"]
    )
    first = written["first_response_due_at"]
    due = written["resolution_due_at"]
    return dialogue.Result(
        ok=True,
        data={
            "reference": case.reference,
            "department": written["department"],
            "working_days": working_days,
            "resolution_due": due.astimezone(app.tz).date() if due else None,
            "resolution_due_provisional": bool(written["resolution_provisional"]),
            "first_response_due": first.astimezone(app.tz) if first else None,
            "urgency": written["urgency"],
        },
    )


def _local_date(iso: str | None) -> dt.date | None:
    # Views carry local ISO times already, so the date part is the resident's date.
    return dt.datetime.fromisoformat(iso).date() if iso else None
