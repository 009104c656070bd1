"""What a resident may see and do about their own cases, and the satisfaction survey's clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast, overload

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bot.dialogue import CaseBrief, Context, FaqEntry
from case_store import repository
from case_store.lifecycle import DomainError, Status
from case_store.models import Case, CaseEvent, Message, Rating, Resident
from minsheng.services.bootstrap import App
from minsheng.services.casework import resident_actions, staff_actions
from minsheng.services.casework.views import case_view
from minsheng.services.errors import CaseNotFound, InvalidRequest
from minsheng.services.messaging.notify import notify_resident
from minsheng.services.residents.intake import preview_department
from routing.calendar import working_days_between

log = logging.getLogger(__name__)
RECENT_CASES = 20


def find_resident(session: Session, channel: str, chat_id: str) -> Resident | None:
    return repository.find_resident(session, channel, chat_id)


def owned_case(session: Session, channel: str, chat_id: str, reference: str) -> Case:
    """The resident's own case; someone else's case is reported as not found."""
    case = repository.get_case(session, reference)
    resident = case.resident
    if resident is None or resident.channel != channel or resident.external_id != chat_id:
        raise CaseNotFound(reference)
    return case


def my_cases(app: App, session: Session, channel: str, chat_id: str) -> tuple[CaseBrief, ...]:
    """The resident's latest cases, newest first, with working days left on open ones.

    One statement: the cases through the resident's unique key, with the rating of each
    case's current round and the time of the resident's latest message beside it.
    """
    rows = (
        session.connection()
        .execute(_MY_CASES, {"channel": channel, "chat_id": chat_id, "limit": RECENT_CASES})
        .all()
    )
    today = app.now().astimezone(app.tz).date()
    return tuple(_brief(app, row, today) for row in rows)


_LAST_RESIDENT_MESSAGE = (
    select(func.max(Message.at))
    .where(Message.case_id == Case.id, Message.author == "resident")
    .correlate(Case)
    .scalar_subquery()
)
_MY_CASES = (
    select(
        Case.reference,
        Case.status,
        Case.domain,
        Case.department,
        Case.created_at,
        Case.resolution_due_at,
        Case.resolution_provisional,
        Case.outcome,
        Case.description,
        Case.address,
        Rating.score,
        _LAST_RESIDENT_MESSAGE.label("last_message_at"),
    )
    .join(Resident, Case.resident_id == Resident.id)
    .outerjoin(Rating, (Rating.case_id == Case.id) & (Rating.round == Case.resolution_round))
    .where(Resident.channel == bindparam("channel"), Resident.external_id == bindparam("chat_id"))
    .order_by(Case.created_at.desc(), Case.id.desc())
    .limit(bindparam("limit"))
)


class _LazyCases(Sequence[CaseBrief]):
    """The resident's cases, read the first time the dialogue looks at them.

    Most taps in an intake (consent, confirm, a place) never do, and then cost no query.
    """

    def __init__(self, load: Callable[[], tuple[CaseBrief, ...]]) -> None:
        self._load = load
        self._items: tuple[CaseBrief, ...] | None = None

    def _all(self) -> tuple[CaseBrief, ...]:
        if self._items is None:
            self._items = self._load()
        return self._items

    @overload
    def __getitem__(self, index: int) -> CaseBrief: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[CaseBrief, ...]: ...
    def __getitem__(self, index: int | slice) -> CaseBrief | tuple[CaseBrief, ...]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[CaseBrief]:
        return iter(self._all())


def _brief(app: App, case: Any, today: dt.date) -> CaseBrief:
    due = case.resolution_due_at.astimezone(app.tz).date() if case.resolution_due_at else None
    left = working_days_between(today, due, app.calendar) if due is not None else None
    return CaseBrief(
        reference=case.reference,
        status=case.status,
        domain=case.domain,
        department=case.department,
        created=case.created_at.astimezone(app.tz).date(),
        resolution_due=due,
        working_days_left=left,
        rating=case.score,
        resolution_due_provisional=bool(case.resolution_provisional),
        outcome=case.outcome,
        title=(case.description or "")[:60],
        address=case.address,
        last_message_at=_aware(case.last_message_at),
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # An aggregate over a timestamp column may come back without the column's UTC marker.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def dialogue_context(
    app: App, session: Session, channel: str, chat_id: str, *, known_chat: bool = True
) -> Context:
    """Settings the dialogue reads, with this resident's cases.

    `known_chat=False`: the chat has no stored dialogue yet. Its cases can only have come
    through the dialogue (which stores one from the first message on, and /forget erases it
    together with the link to the cases), so it has none and nobody asks the database.
    """
    static = app._cache.get("dialogue_context")
    if static is None:
        settings = app.settings
        static = Context(
            today=dt.date.min,
            city={"zh": settings.city.name_zh, "en": settings.city.name_en},
            advice={key: {"zh": a.zh, "en": a.en} for key, a in settings.emergency.advice.items()},
            routing=dict(settings.routing),
            department_names={d.id: (d.name_zh, d.name_en) for d in settings.departments},
            low_confidence_threshold=settings.routing_rules.low_confidence_threshold,
            domains=settings.taxonomy.names(),
            route=lambda command: preview_department(app, command),
            first_response_hours=dict(settings.sla.first_response_hours),
            faq=tuple(
                FaqEntry(
                    id=entry.id,
                    patterns={"zh": tuple(entry.patterns.zh), "en": tuple(entry.patterns.en)},
                    answer={"zh": entry.answer.zh, "en": entry.answer.en},
                    domain=entry.domain,
                )
                for entry in settings.faq
            ),
        )
        app._cache["dialogue_context"] = static
    now = app.now()
    return dataclasses.replace(
        static,
        today=now.astimezone(app.tz).date(),
        now=now,
        cases=cast(
            tuple[CaseBrief, ...],
            _LazyCases(lambda: my_cases(app, session, channel, chat_id) if known_chat else ()),
        ),
    )


def set_language(app: App, channel: str, chat_id: str, language: str) -> bool:
    """Future notifications in this language; False when the resident has no record yet."""
    with app.uow() as uow:
        resident = find_resident(uow.session, channel, chat_id)
        if resident is None:
            return False
        resident.language = language
        uow.commit()
    return True


def add_rating_comment(
    app: App, channel: str, chat_id: str, reference: str, comment: str
) -> dict[str, Any]:
    """Attach the resident's comment to their latest rating of the case."""
    comment = comment.strip()
    if not comment:
        raise InvalidRequest("the comment is empty")
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        case = owned_case(s, channel, chat_id, reference)
        rating = repository.latest_rating(s, case.id)
        if rating is None:
            raise InvalidRequest(f"{reference} has no rating to comment on")
        rating.comment = f"{rating.comment}\n{comment}" if rating.comment else comment
        s.add(
            CaseEvent(
                case=case,
                at=now,
                actor=f"resident:{channel}",
                type="rating_comment",
                after={"score": rating.score},
                note=comment,
            )
        )
        uow.commit()
        return {"reference": reference, "score": rating.score}


def rate_own_case(
    app: App, channel: str, chat_id: str, reference: str, score: int
) -> dict[str, Any]:
    """The resident's score for their resolved case; a second score is refused."""
    with app.uow() as uow:
        case, rating = rate_own_case_in(app, uow.session, channel, chat_id, reference, score)
        uow.session.flush()
        view = case_view(case, rating, app)
        uow.commit()
    return view


def rate_own_case_in(
    app: App, session: Session, channel: str, chat_id: str, reference: str, score: int
) -> tuple[Case, Rating]:
    """`rate_own_case` in the caller's transaction; refusals come before any change."""
    case = owned_case(session, channel, chat_id, reference)
    rating = resident_actions.rate_in(app, session, case, score=score, actor=f"resident:{channel}")
    return case, rating


def reopen_after_low_rating(
    app: App, channel: str, chat_id: str, reference: str, reason: str
) -> dict[str, Any]:
    """A resident reopens their case; only after rating its resolution 1 or 2."""
    with app.uow() as uow:
        case = owned_case(uow.session, channel, chat_id, reference)
        rating = repository.latest_rating(uow.session, case.id)
        if (
            rating is None
            or rating.round != case.resolution_round
            or rating.score > 2
            or case.status != Status.CLOSED
        ):
            raise InvalidRequest(f"{reference} can be reopened only after a rating of 1 or 2")
    view = staff_actions.reopen(app, reference, reason=reason, actor=f"resident:{channel}")
    view["working_days"] = app.settings.sla.reopen_working_days
    return view


def survey_sweep(app: App, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind once about an unrated resolution after 3 days; close it unrated after 7."""
    now = now or app.now()
    survey = app.settings.sla.survey
    remind_before = now - dt.timedelta(days=survey.reminder_after_days)
    close_before = now - dt.timedelta(days=survey.close_unrated_after_days)
    counts = {"reminded": 0, "closed": 0}
    to_close: list[str] = []
    with app.uow() as uow:
        s = uow.session
        due = s.scalars(
            select(Case).where(
                Case.status == Status.RESOLVED.value, Case.resolved_at <= remind_before
            )
        ).unique()
        for case in due:
            assert case.resolved_at is not None
            if case.resolved_at <= close_before:
                to_close.append(case.reference)
            elif notify_resident(s, case, "survey_reminder", now, settings=app.settings):
                counts["reminded"] += 1
        uow.commit()
    for reference in to_close:
        try:
            resident_actions.close(app, reference, actor="system:survey", note="closed unrated")
        except DomainError:
            continue  # rated, reopened or closed by someone else meanwhile
        with app.uow() as uow:
            case = repository.get_case(uow.session, reference)
            notify_resident(uow.session, case, "closed_unrated", now, settings=app.settings)
            uow.commit()
        counts["closed"] += 1
    if counts["reminded"] or counts["closed"]:
        log.info(
            "survey sweep: %d reminder(s), %d closed unrated", counts["reminded"], counts["closed"]
        )
    return counts
