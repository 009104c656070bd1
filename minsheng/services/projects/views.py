"""What the CLI, the console, the API and the public page show of a project.

`stage` is the stage machine's own (case_store.projects.Stage); while a review is due,
`pending_review` names it (street, department or expert), so `proposed`, `street_approved`
and `department_approved` all read as "proposed, waiting for that review".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from case_store import projects as machine
from case_store.models import (
    Announcement,
    Case,
    Project,
    ProjectBacking,
    ProjectCase,
    ProjectEvaluation,
    ProjectProgress,
    ProjectRating,
)
from minsheng.services.bootstrap import App
from minsheng.services.projects import records
from routing import milestones as ms
from routing.rates import satisfaction

AUDIENCE = "audience"  # the announcement row that stands for one member of the audience


def today(app: App) -> dt.date:
    return app.now().astimezone(app.tz).date()


def progress_reports(app: App, session: Session, project: Project) -> list[ms.ProgressReport]:
    rows = session.scalars(
        select(ProjectProgress)
        .where(ProjectProgress.project_id == project.id)
        .order_by(ProjectProgress.at, ProjectProgress.id)
    )
    return [ms.ProgressReport(r.at.astimezone(app.tz).date(), r.percent) for r in rows]


def awareness(session: Session, project_id: int) -> dict[str, int]:
    """Audience, how many of them got an announcement, how many opened one."""
    row = session.execute(
        select(
            func.count(Announcement.id),
            func.count(Announcement.delivered_at),
            func.count(Announcement.opened_at),
        ).where(Announcement.project_id == project_id, Announcement.event_key == AUDIENCE)
    ).one()
    return {"audience": int(row[0]), "delivered": int(row[1]), "opened": int(row[2])}


def ratings_of(app: App, session: Session, project_id: int) -> dict[str, Any]:
    scores = list(
        session.scalars(select(ProjectRating.score).where(ProjectRating.project_id == project_id))
    )
    sat = satisfaction(scores, app.settings.projects.min_sample)
    return {
        "ratings": sat.sample_size,
        "rating_mean": round(v, 2) if (v := sat.mean.value) is not None else None,
        "satisfaction_rate": round(v, 4) if (v := sat.rate.value) is not None else None,
        "rating_status": sat.rate.status,
    }


def backers(session: Session, project_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(ProjectBacking.id)).where(ProjectBacking.project_id == project_id)
        )
        or 0
    )


def linked_cases(session: Session, project_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Case.reference)
            .join(ProjectCase, ProjectCase.case_id == Case.id)
            .where(ProjectCase.project_id == project_id)
            .order_by(Case.created_at, Case.id)
        )
    )


def milestone_rows(
    app: App, session: Session, project: Project, on: dt.date | None = None
) -> list[dict[str, Any]]:
    statuses = ms.evaluate(
        records.milestones_of(project),
        progress_reports(app, session, project),
        on or today(app),
    )
    return [
        {"due": s.milestone.due.isoformat(), "percent": s.milestone.percent, "met": s.met}
        for s in statuses
    ]


def project_view(app: App, session: Session, project: Project) -> dict[str, Any]:
    """The project as `minsheng project show --json` prints it (no personal data)."""
    review = machine.pending_review(project.stage)
    evaluation = session.scalars(
        select(ProjectEvaluation)
        .where(ProjectEvaluation.project_id == project.id)
        .order_by(ProjectEvaluation.at.desc(), ProjectEvaluation.id.desc())
        .limit(1)
    ).first()
    return {
        "reference": project.reference,
        "title": project.title,
        "stage": project.stage,
        "pending_review": review.value if review else None,
        "domain": project.domain,
        "description": project.description,
        "area": project.area,
        "budget": project.budget_fen / 100 if project.budget_fen is not None else None,
        "department": project.lead_department,
        "year": project.plan_year,
        "cases": linked_cases(session, project.id),
        "backers": backers(session, project.id),
        "progress": project.progress_percent,
        "milestones": milestone_rows(app, session, project),
        "supervised": project.supervised,
        **ratings_of(app, session, project.id),
        "evaluation": (
            {"score": evaluation.score, "note": evaluation.note} if evaluation is not None else None
        ),
        "awareness": awareness(session, project.id),
        "rejection_note": project.rejection_note,
        "allowed_actions": [
            {"action": a.action.value, "review": a.review.value if a.review else None}
            for a in machine.allowed_actions(project.stage)
        ],
        "created": project.created_at.astimezone(app.tz).date().isoformat(),
        "published": _date(app, project.published_at),
        "started": _date(app, project.started_at),
        "completed": _date(app, project.completed_at),
    }


def _date(app: App, moment: dt.datetime | None) -> str | None:
    return moment.astimezone(app.tz).date().isoformat() if moment is not None else None


def show(app: App, reference: str) -> dict[str, Any]:
    with app.uow() as uow:
        return project_view(app, uow.session, records.get_project(uow.session, reference))


def history(app: App, reference: str) -> dict[str, Any]:
    """The event log and the progress reports, for the console's project page."""
    with app.uow() as uow:
        s = uow.session
        project = records.get_project(s, reference)
        events = [
            {
                "at": e.at.astimezone(app.tz).isoformat(timespec="minutes"),
                "actor": e.actor,
                "kind": e.kind,
                "before": e.before,
                "after": e.after,
                "review": e.review,
                "note": e.note,
            }
            for e in project.events
        ]
        progress = [
            {
                "at": p.at.astimezone(app.tz).isoformat(timespec="minutes"),
                "percent": p.percent,
                "note": p.note,
                "actor": p.actor,
                "photo": p.attachment_path,
            }
            for p in s.scalars(
                select(ProjectProgress)
                .where(ProjectProgress.project_id == project.id)
                .order_by(ProjectProgress.at, ProjectProgress.id)
            )
        ]
        scores = dict.fromkeys(range(1, 6), 0)
        for score in s.scalars(
            select(ProjectRating.score).where(ProjectRating.project_id == project.id)
        ):
            scores[score] += 1
        return {"events": events, "progress": progress, "score_counts": scores}


def list_projects(
    app: App,
    *,
    stage: Sequence[str] | None = None,
    domain: str | None = None,
    department: str | None = None,
    year: int | None = None,
    review: str | None = None,
) -> list[dict[str, Any]]:
    stmt = select(Project).order_by(Project.plan_year.desc(), Project.created_at, Project.id)
    if stage:
        stmt = stmt.where(Project.stage.in_(list(stage)))
    if review:
        stages = [s.value for s in machine.Stage if machine.pending_review(s) == review]
        stmt = stmt.where(Project.stage.in_(stages))
    if domain:
        stmt = stmt.where(Project.domain == domain)
    if department:
        stmt = stmt.where(Project.lead_department == department)
    if year:
        stmt = stmt.where(Project.plan_year == year)
    with app.uow() as uow:
        return [project_view(app, uow.session, p) for p in uow.session.scalars(stmt)]


PAST_REVIEW = frozenset(
    {
        machine.Stage.APPROVED,
        machine.Stage.OPEN,
        machine.Stage.SELECTED,
        machine.Stage.NOT_SELECTED,
        machine.Stage.IN_PROGRESS,
        machine.Stage.COMPLETED,
    }
)
_PUBLIC_FIELDS = (
    "reference",
    "title",
    "stage",
    "domain",
    "description",
    "area",
    "budget",
    "department",
    "year",
    "backers",
    "progress",
    "milestones",
    "supervised",
    "ratings",
    "rating_mean",
    "satisfaction_rate",
    "rating_status",
    "evaluation",
    "published",
    "started",
    "completed",
)


def public_projects(app: App, year: int | None = None) -> list[dict[str, Any]]:
    """Every project past review, without linked cases or anything about a person."""
    rows = list_projects(app, stage=sorted(PAST_REVIEW), year=year)
    return [{k: row[k] for k in _PUBLIC_FIELDS} for row in rows]
