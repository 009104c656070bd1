"""Project figures for the dashboard: projects by stage, the on-time milestone rate,
supervised projects, and satisfaction and awareness per lead department."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select

from case_store.models import Announcement, Project, ProjectRating
from minsheng.services.bootstrap import App
from minsheng.services.projects.views import AUDIENCE, milestone_rows
from routing.rates import Rate, satisfaction


def summary(
    app: App, year: int | None = None, scope: frozenset[str] | None = None
) -> dict[str, Any]:
    min_sample = app.settings.projects.min_sample
    with app.uow() as uow:
        s = uow.session
        stmt = select(Project).order_by(Project.id)
        if year is not None:
            stmt = stmt.where(Project.plan_year == year)
        projects = [p for p in s.scalars(stmt) if scope is None or p.lead_department in scope]
        by_stage = Counter(p.stage for p in projects)
        due = met = 0
        scores: dict[str, list[int]] = defaultdict(list)
        aware: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        ids = {p.id: p for p in projects}
        today = _today(app)
        for p in projects:
            # On time: among milestones whose date has passed, the share met by that date.
            for m in milestone_rows(app, s, p):
                if m["due"] < today:
                    due += 1
                    met += bool(m["met"])
        if ids:
            for pid, score in s.execute(
                select(ProjectRating.project_id, ProjectRating.score).where(
                    ProjectRating.project_id.in_(list(ids))
                )
            ):
                scores[ids[pid].lead_department or ""].append(score)
            for pid, delivered, opened in s.execute(
                select(
                    Announcement.project_id, Announcement.delivered_at, Announcement.opened_at
                ).where(Announcement.project_id.in_(list(ids)), Announcement.event_key == AUDIENCE)
            ):
                row = aware[ids[pid].lead_department or ""]
                row[0] += 1
                row[1] += delivered is not None
                row[2] += opened is not None
        departments = sorted({p.lead_department or "" for p in projects})
        rate = Rate(met, due, min_sample)
        return {
            "projects": len(projects),
            "by_stage": dict(sorted(by_stage.items())),
            "on_time_milestones": {
                "met": met,
                "due": due,
                "value": rate.value,
                "status": rate.status,
            },
            "supervised": [
                {
                    "reference": p.reference,
                    "title": p.title,
                    "department": p.lead_department,
                    "progress": p.progress_percent,
                }
                for p in projects
                if p.supervised
            ],
            "departments": [
                {
                    "department": d,
                    "projects": sum(1 for p in projects if (p.lead_department or "") == d),
                    "ratings": len(scores[d]),
                    "satisfaction_rate": satisfaction(scores[d], min_sample).rate.value,
                    "rating_mean": satisfaction(scores[d], min_sample).mean.value,
                    "audience": aware[d][0],
                    "delivered": aware[d][1],
                    "opened": aware[d][2],
                    "awareness_rate": (aware[d][1] / aware[d][0]) if aware[d][0] else None,
                }
                for d in departments
            ],
        }


def _today(app: App) -> str:
    return app.now().astimezone(app.tz).date().isoformat()
