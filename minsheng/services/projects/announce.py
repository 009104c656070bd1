"""Telling residents about a project, through the outbox, and measuring who heard (知晓率).

The audience of a project is every reachable chat resident who backed it, filed one of its
linked cases, or subscribed to its area or domain. Each announcement is one `announcements`
row per (project, resident, event) and one outbox message keyed
`project:{project id}:{resident id}:{event}`, so an event is told to each person once however
often a use case or the sweep runs. Besides the event rows every member of the audience has
one row with event `audience`: awareness counts those rows (delivered once any announcement
reached them, opened once they pressed its button or opened the project), and because
/forget only unlinks the resident from them the counts stay right afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot import texts
from case_store.models import (
    Announcement,
    Case,
    Project,
    ProjectBacking,
    ProjectCase,
    Resident,
    Subscription,
)
from minsheng.services.bootstrap import App
from minsheng.services.messaging import outbox
from minsheng.services.projects.records import OFFLINE, milestones_of
from minsheng.services.projects.views import AUDIENCE

ANNOUNCEMENT = "project_announcement"
CHAT_CHANNELS = ("telegram", "web")


def _reachable(resident: Resident | None) -> bool:
    return (
        resident is not None
        and resident.forgotten_at is None
        and resident.channel != OFFLINE
        and resident.channel in CHAT_CHANNELS
    )


def raters(session: Session, project: Project) -> list[Resident]:
    """Who is asked to rate a completed project: its backers and its linked cases' residents."""
    backing = select(ProjectBacking.resident_id).where(
        ProjectBacking.project_id == project.id, ProjectBacking.resident_id.is_not(None)
    )
    linked = (
        select(Case.resident_id)
        .join(ProjectCase, ProjectCase.case_id == Case.id)
        .where(ProjectCase.project_id == project.id, Case.resident_id.is_not(None))
    )
    rows = session.scalars(
        select(Resident)
        .where(or_(Resident.id.in_(backing), Resident.id.in_(linked)))
        .order_by(Resident.id)
    )
    return [r for r in rows if _reachable(r)]


def subscribers(session: Session, project: Project) -> list[Resident]:
    wanted = [Subscription.kind == "domain", Subscription.value == project.domain]
    conditions = [wanted[0] & wanted[1]]
    if project.area:
        conditions.append((Subscription.kind == "area") & (Subscription.value == project.area))
    ids = select(Subscription.resident_id).where(or_(*conditions))
    rows = session.scalars(select(Resident).where(Resident.id.in_(ids)).order_by(Resident.id))
    return [r for r in rows if _reachable(r)]


def audience(session: Session, project: Project) -> list[Resident]:
    seen: dict[int, Resident] = {}
    for r in [*raters(session, project), *subscribers(session, project)]:
        seen.setdefault(r.id, r)
    return [seen[k] for k in sorted(seen)]


def _insert_or_get(
    session: Session, project_id: int, resident_id: int, key: str, now: dt.datetime
) -> tuple[int, bool]:
    """The announcement row's id, and whether this call created it."""
    table = cast(Table, Announcement.__table__)
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        module.insert(table)
        .values(project_id=project_id, resident_id=resident_id, event_key=key, created_at=now)
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )
    inserted = session.execute(stmt).scalar()
    if inserted is not None:
        return int(inserted), True
    existing = session.scalar(
        select(Announcement.id).where(
            Announcement.project_id == project_id,
            Announcement.resident_id == resident_id,
            Announcement.event_key == key,
        )
    )
    assert existing is not None
    return int(existing), False


def _department_name(app: App, lang: str, dept_id: str | None) -> str:
    for d in app.settings.departments:
        if d.id == dept_id:
            return str(d.name_en if lang == "en" else d.name_zh)
    return dept_id or "—"


def render(
    app: App, project: Project, event: str, lang: str, *, rate: bool
) -> tuple[str, list[list[dict[str, str]]]]:
    kind = event.split("-", 1)[0]
    values: dict[str, Any] = {
        "ref": project.reference,
        "title": project.title,
        "progress": project.progress_percent,
        "department": _department_name(app, lang, project.lead_department),
        "milestones": "、".join(
            f"{texts.date(lang, m.due)} {m.percent}%" for m in milestones_of(project)
        )
        if lang != "en"
        else ", ".join(
            f"{m.percent}% by {texts.date(lang, m.due)}" for m in milestones_of(project)
        ),
    }
    if kind == "milestone":
        values["percent"] = event.split("-", 1)[1]
    key = {"rate_reminder": "n_pj_rate_reminder"}.get(event, f"n_pj_{kind}")
    text = texts.t(lang, key, **values)
    buttons: list[list[dict[str, str]]] = []
    if rate:
        buttons.append(
            [{"label": texts.stars(n), "data": f"pjr:{project.reference}:{n}"} for n in range(1, 6)]
        )
    buttons.append(
        [
            {
                "label": texts.t(lang, "pj_btn_open", ref=project.reference),
                "data": f"pjo:{project.reference}",
            }
        ]
    )
    return text, buttons


def announce(
    app: App,
    session: Session,
    project: Project,
    event: str,
    now: dt.datetime,
    *,
    to: Sequence[Resident] | None = None,
    rate: Iterable[int] = (),
) -> int:
    """Queue `event` for the project's audience (or `to`); returns how many were new.

    `rate`: the residents whose message carries the 1–5 rating keyboard.
    """
    session.flush()
    with_keyboard = set(rate)
    count = 0
    for resident in audience(session, project) if to is None else to:
        if not _reachable(resident):
            continue
        audience_id, _ = _insert_or_get(session, project.id, resident.id, AUDIENCE, now)
        event_id, created = _insert_or_get(session, project.id, resident.id, event, now)
        if not created:
            continue
        lang = texts.lang_of(resident.language)
        text, buttons = render(app, project, event, lang, rate=resident.id in with_keyboard)
        outbox.enqueue(
            session,
            key=f"project:{project.id}:{resident.id}:{event}",
            channel=resident.channel,
            recipient=resident.external_id,
            payload={
                "type": ANNOUNCEMENT,
                "reference": project.reference,
                "event": event,
                "text": text,
                "buttons": buttons,
                "announcements": [event_id, audience_id],
            },
            now=now,
        )
        count += 1
    return count


def mark_opened(session: Session, project_id: int, resident_id: int, now: dt.datetime) -> None:
    """The resident pressed a project message's button or opened the project."""
    session.execute(
        update(Announcement)
        .where(
            Announcement.project_id == project_id,
            Announcement.resident_id == resident_id,
            Announcement.opened_at.is_(None),
        )
        .values(opened_at=now)
        .execution_options(synchronize_session=False)
    )
