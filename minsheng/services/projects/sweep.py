"""The daily project check: early warnings to lead departments, supervision (挂牌督办) set and
cleared, and one reminder to rate a completed project.

It runs with the city's local date (`today`); every notice has a unique outbox key, so running
it many times a day (the embedded scheduler runs it every minute) sends each notice once.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select

from case_store import projects as machine
from case_store.models import Project, ProjectRating
from minsheng.services.bootstrap import App
from minsheng.services.messaging import outbox
from minsheng.services.projects import announce, records
from minsheng.services.projects.cycle import update_supervision
from routing import milestones as ms

log = logging.getLogger(__name__)
ACTOR = "system:project-sweep"


def run(app: App, today: dt.date | None = None) -> dict[str, Any]:
    now = app.now()
    today = today or now.astimezone(app.tz).date()
    cfg = app.settings.projects
    totals: dict[str, Any] = {
        "today": today.isoformat(),
        "projects": 0,
        "warnings": 0,
        "supervised": 0,
        "cleared": 0,
        "rating_reminders": 0,
        "supervised_now": [],
    }
    with app.uow() as uow:
        s = uow.session
        for project in s.scalars(
            select(Project)
            .where(Project.stage == machine.Stage.IN_PROGRESS.value)
            .order_by(Project.id)
        ):
            totals["projects"] += 1
            milestones = records.milestones_of(project)
            for warning in ms.warnings(
                milestones, project.progress_percent, today, app.calendar, cfg.warning_working_days
            ):
                if _warn(app, s, project, warning, now):
                    totals["warnings"] += 1
            change = update_supervision(s, project, today, now, actor=ACTOR)
            if change == "set":
                totals["supervised"] += 1
                _supervision_notice(s, project, today, now)
            elif change == "cleared":
                totals["cleared"] += 1
            if project.supervised:
                totals["supervised_now"].append(project.reference)
        totals["rating_reminders"] = _rating_reminders(app, s, now)
        uow.commit()
    if totals["warnings"] or totals["supervised"] or totals["cleared"]:
        log.info(
            "project sweep %s: %d warning(s), %d supervised, %d cleared",
            today,
            totals["warnings"],
            totals["supervised"],
            totals["cleared"],
        )
    return totals


def _warn(
    app: App, s: Any, project: Project, warning: ms.MilestoneWarning, now: dt.datetime
) -> bool:
    due = warning.milestone.due
    text = (
        f"民生实事 {project.reference}「{project.title}」距 {due.isoformat()} 节点"
        f"（{warning.milestone.percent}%）还有 {warning.working_days_left} 个工作日，"
        f"当前进度 {project.progress_percent}%，落后 {warning.behind_by} 个百分点。"
    )
    return outbox.enqueue(
        s,
        key=f"project:{project.id}:warn:{due.isoformat()}",
        channel="staff",
        recipient=project.lead_department or app.settings.triage_department.id,
        payload={
            "type": "project_milestone_warning",
            "reference": project.reference,
            "department": project.lead_department,
            "due": due.isoformat(),
            "percent": warning.milestone.percent,
            "progress": project.progress_percent,
            "working_days_left": warning.working_days_left,
            "text": text,
        },
        now=now,
    )


def _supervision_notice(s: Any, project: Project, today: dt.date, now: dt.datetime) -> None:
    outbox.enqueue(
        s,
        key=f"project:{project.id}:supervised:{today.isoformat()}",
        channel="staff",
        recipient=project.lead_department or "",
        payload={
            "type": "project_supervised",
            "reference": project.reference,
            "department": project.lead_department,
            "progress": project.progress_percent,
            "text": f"民生实事 {project.reference}「{project.title}」节点逾期，已挂牌督办。",
        },
        now=now,
    )


def _rating_reminders(app: App, s: Any, now: dt.datetime) -> int:
    """Once, after the case survey's reminder delay, to raters who have not rated yet."""
    survey = app.settings.sla.survey
    remind_before = now - dt.timedelta(days=survey.reminder_after_days)
    stop_before = now - dt.timedelta(days=survey.close_unrated_after_days)
    count = 0
    for project in s.scalars(
        select(Project).where(
            Project.stage == machine.Stage.COMPLETED.value,
            Project.completed_at <= remind_before,
            Project.completed_at > stop_before,
        )
    ):
        rated = set(
            s.scalars(
                select(ProjectRating.resident_id).where(ProjectRating.project_id == project.id)
            )
        )
        waiting = [r for r in announce.raters(s, project) if r.id not in rated]
        count += announce.announce(
            app, s, project, "rate_reminder", now, to=waiting, rate=[r.id for r in waiting]
        )
    return count
