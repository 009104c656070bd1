"""Residents back open projects (群众点单) and rate completed ones (社会评单); evaluators score
them. Backing and rating are once per resident: the unique rows decide, so two replicas
answering the same resident at the same moment still record one."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from case_store import projects as machine
from case_store.models import Project, ProjectBacking, ProjectEvaluation, ProjectRating, Resident
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest
from minsheng.services.projects import announce, records
from minsheng.services.projects.views import backers, project_view

CHAT, OFFLINE_SOURCE = "chat", "offline"


class NotBackable(machine.ProjectRuleError):
    """The project is not open for backing."""


class NotRatable(machine.ProjectRuleError):
    """The project is not completed, or this resident was not asked to rate it."""


def _insert_once(session: Session, model: type[Any], values: dict[str, Any]) -> bool:
    table = cast(Table, model.__table__)
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    return session.execute(stmt).first() is not None


def _retrying(work: Any) -> Any:
    # Two first messages from one new resident can race to create them: the loser retries.
    try:
        return work()
    except IntegrityError:
        return work()


def back(
    app: App,
    reference: str,
    *,
    channel: str | None,
    external_id: str | None,
    source: str = CHAT,
    recorded_by: str | None = None,
) -> dict[str, Any]:
    """Back an open project; `backed` is False when this resident already had."""
    if source == OFFLINE_SOURCE and not recorded_by:
        raise InvalidRequest("an offline backing needs who recorded it")

    def work() -> dict[str, Any]:
        now = app.now()
        with app.uow() as uow:
            s = uow.session
            project = records.get_project(s, reference)
            if project.stage not in machine.BACKABLE_STAGES:
                raise NotBackable(
                    f"{project.reference} is {project.stage}; only an open project can be backed"
                )
            resident = (
                records.resident_for(s, channel, external_id, now)
                if channel and external_id
                else None
            )
            created = _insert_once(
                s,
                ProjectBacking,
                {
                    "project_id": project.id,
                    "resident_id": resident.id if resident else None,
                    "source": source,
                    "recorded_by": recorded_by,
                    "at": now,
                },
            )
            if created and source == OFFLINE_SOURCE:
                records.log_event(s, project, "backing_recorded", actor=recorded_by or "", now=now)
            if resident is not None:
                announce.mark_opened(s, project.id, resident.id, now)
            s.flush()
            view = project_view(app, s, project)
            uow.commit()
        return {**view, "backed": created}

    return cast(dict[str, Any], _retrying(work))


def rate(
    app: App,
    reference: str,
    *,
    channel: str,
    external_id: str,
    score: int,
    source: str = CHAT,
    recorded_by: str | None = None,
) -> dict[str, Any]:
    """A 1–5 score of a completed project; `rated` is False when this resident already had.

    From the chat only the residents asked (backers, residents of linked cases) may rate;
    staff record scores collected offline for anyone.
    """
    if score not in (1, 2, 3, 4, 5):
        raise InvalidRequest(f"a score is 1–5, got {score}")

    def work() -> dict[str, Any]:
        now = app.now()
        with app.uow() as uow:
            s = uow.session
            project = records.get_project(s, reference)
            if project.stage != machine.Stage.COMPLETED.value:
                raise NotRatable(
                    f"{project.reference} is {project.stage}; only a completed project is rated"
                )
            resident = records.resident_for(s, channel, external_id, now)
            if source == CHAT and resident.id not in {r.id for r in announce.raters(s, project)}:
                raise NotRatable(f"you were not asked to rate {project.reference}")
            created = _insert_once(
                s,
                ProjectRating,
                {
                    "project_id": project.id,
                    "resident_id": resident.id,
                    "score": score,
                    "source": source,
                    "at": now,
                },
            )
            if created and source == OFFLINE_SOURCE:
                records.log_event(
                    s,
                    project,
                    "rating_recorded",
                    actor=recorded_by or "operator",
                    now=now,
                    detail={"score": score},
                )
            announce.mark_opened(s, project.id, resident.id, now)
            s.flush()
            view = project_view(app, s, project)
            uow.commit()
        return {**view, "rated": created}

    return cast(dict[str, Any], _retrying(work))


def evaluate(
    app: App, reference: str, *, score: int, note: str | None, evaluator: Any
) -> dict[str, Any]:
    """A third-party evaluation (0–100 and a note) by a staff member with the evaluator role."""
    from minsheng.services.access.staff import AccessDenied, Role

    if evaluator.role is not Role.EVALUATOR:
        raise AccessDenied("only an evaluator records a third-party evaluation")
    if not 0 <= score <= 100:
        raise InvalidRequest(f"an evaluation score is 0–100, got {score}")
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        project = records.get_project(s, reference)
        if project.stage != machine.Stage.COMPLETED.value:
            raise machine.ProjectRuleError(f"{project.reference} is not completed yet")
        s.add(
            ProjectEvaluation(
                project_id=project.id,
                evaluator=evaluator.actor,
                score=score,
                note=(note or "").strip() or None,
                at=now,
            )
        )
        records.log_event(
            s, project, "evaluated", actor=evaluator.actor, now=now, detail={"score": score}
        )
        s.flush()
        view = project_view(app, s, project)
        uow.commit()
    return view


def open_for(app: App, channel: str, external_id: str, limit: int = 8) -> list[dict[str, Any]]:
    """Open projects for a resident: their subscribed areas and domains and their cases' first."""
    from case_store.models import Case, Subscription
    from minsheng.services.projects.demand import area_of

    with app.uow() as uow:
        s = uow.session
        resident = records.find_resident(s, channel, external_id)
        domains: set[str] = set()
        areas: set[str] = set()
        mine: set[int] = set()
        if resident is not None:
            for sub in s.scalars(
                select(Subscription).where(Subscription.resident_id == resident.id)
            ):
                (domains if sub.kind == "domain" else areas).add(sub.value)
            for case in s.scalars(select(Case).where(Case.resident_id == resident.id)).unique():
                domains.add(case.domain)
                if area := area_of(case):
                    areas.add(area)
            mine = set(
                s.scalars(
                    select(ProjectBacking.project_id).where(
                        ProjectBacking.resident_id == resident.id
                    )
                )
            )
        rows = list(
            s.scalars(
                select(Project)
                .where(Project.stage.in_([st.value for st in machine.BACKABLE_STAGES]))
                .order_by(Project.published_at.desc(), Project.id)
            )
        )

        def rank(p: Project) -> tuple[int, int]:
            return (0 if (p.domain in domains or (p.area or "") in areas) else 1, -p.id)

        rows.sort(key=rank)
        return [
            {
                "reference": p.reference,
                "title": p.title,
                "domain": p.domain,
                "backers": backers(s, p.id),
                "backed": p.id in mine,
            }
            for p in rows[:limit]
        ]


def backed_by(app: App, channel: str, external_id: str) -> list[dict[str, Any]]:
    with app.uow() as uow:
        s = uow.session
        resident = records.find_resident(s, channel, external_id)
        if resident is None:
            return []
        rows = s.scalars(
            select(Project)
            .join(ProjectBacking, ProjectBacking.project_id == Project.id)
            .where(ProjectBacking.resident_id == resident.id)
            .order_by(ProjectBacking.at, Project.id)
        )
        return [
            {
                "reference": p.reference,
                "title": p.title,
                "stage": p.stage,
                "progress": p.progress_percent,
                "supervised": p.supervised,
            }
            for p in rows
        ]


def subscribe(app: App, channel: str, external_id: str, kind: str, value: str) -> bool:
    """True when the subscription is new."""
    value = value.strip()
    if kind not in ("area", "domain") or not value:
        raise InvalidRequest("subscribe to an area or a domain")
    now = app.now()
    with app.uow() as uow:
        from case_store.models import Subscription

        resident = records.resident_for(uow.session, channel, external_id, now)
        created = _insert_once(
            uow.session,
            Subscription,
            {"resident_id": resident.id, "kind": kind, "value": value[:200], "created_at": now},
        )
        uow.commit()
    return created


def unsubscribe(app: App, channel: str, external_id: str) -> int:
    from sqlalchemy import delete

    from case_store.models import Subscription

    with app.uow() as uow:
        resident = records.find_resident(uow.session, channel, external_id)
        if resident is None:
            return 0
        ids = list(
            uow.session.scalars(
                select(Subscription.id).where(Subscription.resident_id == resident.id)
            )
        )
        uow.session.execute(delete(Subscription).where(Subscription.id.in_(ids)))
        uow.commit()
    return len(ids)


def opened(app: App, reference: str, channel: str, external_id: str) -> dict[str, Any]:
    """A resident opened a project (its button or its page): counted for awareness."""
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        project = records.get_project(s, reference)
        resident: Resident | None = records.find_resident(s, channel, external_id)
        if resident is not None:
            announce.mark_opened(s, project.id, resident.id, now)
        view = project_view(app, s, project)
        uow.commit()
    return view
