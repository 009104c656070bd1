"""Loading projects and residents, and recording a stage move, for the use cases."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from case_store import projects as machine
from case_store.models import Project, ProjectEvent, Resident
from case_store.references import normalise_project_reference
from minsheng.services.errors import DomainError, InvalidRequest
from routing.milestones import Milestone

OFFLINE = "offline"
_RESIDENT = re.compile(r"^([a-z][a-z0-9_-]{0,19}):(\S{1,128})$")


class ProjectNotFound(DomainError):
    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"no project {reference}")


def reference_of(text: str) -> str:
    return normalise_project_reference(text) or text.strip().upper()


def get_project(session: Session, reference: str, *, for_update: bool = False) -> Project:
    stmt = select(Project).where(Project.reference == reference_of(reference))
    if for_update:
        stmt = stmt.with_for_update()
    project = session.scalars(stmt).one_or_none()
    if project is None:
        raise ProjectNotFound(reference_of(reference))
    return project


def milestones_of(project: Project) -> tuple[Milestone, ...]:
    return tuple(
        Milestone(dt.date.fromisoformat(str(m["due"])), int(m["percent"]))
        for m in project.milestones or []
    )


def state_of(project: Project) -> machine.ProjectState:
    approvals = tuple(
        machine.Review(e.review)
        for e in project.events
        if e.review and e.kind.endswith("_approved")
    )
    return machine.ProjectState(
        stage=machine.Stage(project.stage),
        approvals=approvals,
        rejection_note=project.rejection_note,
        lead_department=project.lead_department,
        milestones=milestones_of(project),
    )


def apply_move(
    session: Session,
    project: Project,
    action: machine.Action,
    *,
    actor: str,
    now: dt.datetime,
    note: str | None = None,
    review: str | None = None,
    lead_department: str | None = None,
    milestones: tuple[Milestone, ...] = (),
    detail: dict[str, Any] | None = None,
) -> machine.ProjectEvent:
    """One move of the stage machine, written to the row and its event log."""
    state, event = machine.move(
        state_of(project),
        action,
        actor=actor,
        note=note,
        review=review,
        lead_department=lead_department,
        milestones=milestones,
    )
    project.stage = state.stage.value
    project.rejection_note = state.rejection_note
    project.updated_at = now
    if action is machine.Action.START:
        project.lead_department = state.lead_department
        project.milestones = [
            {"due": m.due.isoformat(), "percent": m.percent} for m in state.milestones
        ]
        project.started_at = now
    elif action is machine.Action.PUBLISH:
        project.published_at = now
    elif action is machine.Action.COMPLETE:
        project.completed_at = now
    session.add(
        ProjectEvent(
            project=project,
            at=now,
            actor=actor,
            kind=event.kind,
            before=event.before.value,
            after=event.after.value,
            review=event.review.value if event.review else None,
            note=event.note,
            detail=detail,
        )
    )
    return event


def log_event(
    session: Session,
    project: Project,
    kind: str,
    *,
    actor: str,
    now: dt.datetime,
    note: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """An event that is not a stage move (progress, supervision, backing recorded offline)."""
    session.add(
        ProjectEvent(
            project=project,
            at=now,
            actor=actor,
            kind=kind,
            before=project.stage,
            after=project.stage,
            note=note,
            detail=detail,
        )
    )


def parse_resident(text: str) -> tuple[str, str]:
    """`CHANNEL:ID` (e.g. telegram:1001, offline:13800000000) as (channel, id)."""
    m = _RESIDENT.match((text or "").strip())
    if not m:
        raise InvalidRequest(f"a resident is CHANNEL:ID (e.g. offline:13800000000), got {text!r}")
    return m.group(1), m.group(2)


def find_resident(session: Session, channel: str, external_id: str) -> Resident | None:
    return session.scalars(
        select(Resident).where(Resident.channel == channel, Resident.external_id == external_id)
    ).one_or_none()


def resident_for(
    session: Session, channel: str, external_id: str, now: dt.datetime, language: str = "zh"
) -> Resident:
    """The resident, created when named for the first time."""
    resident = find_resident(session, channel, external_id)
    if resident is None:
        resident = Resident(
            channel=channel,
            external_id=external_id,
            language=language,
            # Nobody can message an offline resident; they count but are never sent anything.
            deliverable=channel != OFFLINE,
            created_at=now,
        )
        session.add(resident)
        session.flush()
    return resident
