"""The project cycle's use cases, one unit of work each: propose → reviews → publish →
select (or not) → assign → progress → complete, and withdraw.

Every move goes through case_store.projects.move, so an illegal move raises
IllegalProjectMove (a DomainError) before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from case_store import projects as machine
from case_store import repository
from case_store.models import (
    Case,
    DemandTopic,
    DemandTopicCase,
    Project,
    ProjectCase,
    ProjectProgress,
)
from case_store.references import new_project_reference
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest
from minsheng.services.projects import announce, records
from minsheng.services.projects.demand import area_of, topic_family
from minsheng.services.projects.views import project_view
from routing import milestones as ms

REFERENCE_ATTEMPTS = 8
A = machine.Action


def _department(app: App, dept_id: str) -> str:
    if dept_id not in {d.id for d in app.settings.departments}:
        known = ", ".join(d.id for d in app.settings.departments)
        raise InvalidRequest(f"unknown department '{dept_id}' (known: {known})")
    return dept_id


def propose(
    app: App,
    *,
    title: str,
    department: str,
    year: int,
    topic: str | None = None,
    cases: Sequence[str] = (),
    domain: str | None = None,
    budget: float | None = None,
    description: str | None = None,
    area: str | None = None,
    actor: str = "operator",
) -> dict[str, Any]:
    """A candidate project from a demand topic or from case references; stage `proposed`."""
    title = title.strip()
    if not title:
        raise InvalidRequest("a project needs a title")
    if len(title) > 200:
        raise InvalidRequest("a project's title is at most 200 characters")
    if (topic is None) == (not cases):
        raise InvalidRequest("name either a topic or case references, not both and not neither")
    _department(app, department)
    this_year = app.now().astimezone(app.tz).year
    if not this_year - 1 <= year <= this_year + 5:
        raise InvalidRequest(f"plan year {year} is out of range ({this_year - 1}–{this_year + 5})")
    if domain is not None and domain not in app.settings.taxonomy.keys:
        raise InvalidRequest(f"unknown domain '{domain}'")
    if budget is not None and budget < 0:
        raise InvalidRequest("a budget cannot be negative")
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            return _propose_once(
                app, title, department, year, topic, cases, domain, budget, description, area, actor
            )
        except IntegrityError as exc:
            # Only the random reference can clash for a new project: try another one.
            if "reference" not in str(exc.orig).lower() or attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _propose_once(
    app: App,
    title: str,
    department: str,
    year: int,
    topic: str | None,
    refs: Sequence[str],
    domain: str | None,
    budget: float | None,
    description: str | None,
    area: str | None,
    actor: str,
) -> dict[str, Any]:
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        topic_row: DemandTopic | None = None
        if topic is not None:
            topic_row = s.get(DemandTopic, topic.strip())
            if topic_row is None:
                raise InvalidRequest(f"no demand topic {topic} (see `minsheng demand clusters`)")
            family = topic_family(s, topic_row.id)
            linked = list(
                s.scalars(
                    select(Case)
                    .join(DemandTopicCase, DemandTopicCase.case_id == Case.id)
                    .where(DemandTopicCase.topic_id.in_(family))
                    .order_by(Case.created_at, Case.id)
                ).unique()
            )
            if not linked:
                raise InvalidRequest(f"demand topic {topic} has no cases")
        else:
            linked = []
            for ref in refs:
                case = repository.get_case(s, _case_ref(ref))
                if case not in linked:
                    linked.append(case)
        chosen_domain = domain or (topic_row.domain if topic_row else None)
        if chosen_domain is None:
            chosen_domain = Counter(c.domain for c in linked).most_common(1)[0][0]
        if area is None:
            areas = Counter(a for c in linked if (a := area_of(c)))
            area = areas.most_common(1)[0][0] if areas else None
        project = Project(
            reference=new_project_reference(year),
            title=title,
            domain=chosen_domain,
            description=(description or "").strip() or (topic_row.label if topic_row else title),
            area=area,
            budget_fen=round(budget * 100) if budget is not None else None,
            plan_year=year,
            lead_department=department,
            stage=machine.Stage.PROPOSED.value,
            proposed_by=actor,
            milestones=[],
            progress_percent=0,
            supervised=False,
            created_at=now,
            updated_at=now,
        )
        s.add(project)
        s.flush()
        for case in linked:
            s.add(ProjectCase(project_id=project.id, case_id=case.id, linked_by=actor, at=now))
        if topic_row is not None:
            topic_row.covered_by_project_id = project.id
            topic_row.updated_at = now
        records.log_event(
            s,
            project,
            "proposed",
            actor=actor,
            now=now,
            detail={"topic": topic_row.id if topic_row else None, "cases": len(linked)},
        )
        s.flush()
        view = project_view(app, s, project)
        uow.commit()
    return view


def _case_ref(text: str) -> str:
    from case_store.references import normalise_reference

    return normalise_reference(text.strip()) or text.strip()


def _move(
    app: App,
    reference: str,
    action: machine.Action,
    *,
    actor: str,
    note: str | None = None,
    review: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        project = records.get_project(s, reference)
        records.apply_move(
            s, project, action, actor=actor, now=now, note=note, review=review, **kwargs
        )
        _after_move(app, s, project, action, now)
        s.flush()
        view = project_view(app, s, project)
        uow.commit()
    return view


def _after_move(
    app: App, s: Any, project: Project, action: machine.Action, now: dt.datetime
) -> None:
    if action is A.SELECT:
        announce.announce(app, s, project, "selected", now)
    elif action is A.START:
        announce.announce(app, s, project, "started", now)
    elif action is A.COMPLETE:
        raters = announce.raters(s, project)
        announce.announce(app, s, project, "completed", now, rate=[r.id for r in raters])


def review(
    app: App, reference: str, *, stage: str, decision: str, note: str | None, actor: str
) -> dict[str, Any]:
    """One of the three reviews (street → department → expert); a rejection needs its note."""
    if stage not in {r.value for r in machine.Review}:
        raise InvalidRequest(f"unknown review '{stage}' (street, department or expert)")
    if decision not in ("approve", "reject"):
        raise InvalidRequest(f"unknown decision '{decision}' (approve or reject)")
    action = A.APPROVE if decision == "approve" else A.REJECT
    return _move(app, reference, action, actor=actor, note=note, review=stage)


def publish(app: App, reference: str, *, actor: str, note: str | None = None) -> dict[str, Any]:
    """Open an approved project for residents' backing (群众点单)."""
    return _move(app, reference, A.PUBLISH, actor=actor, note=note)


def select_project(
    app: App, reference: str, *, actor: str, note: str | None = None
) -> dict[str, Any]:
    return _move(app, reference, A.SELECT, actor=actor, note=note)


def not_select(app: App, reference: str, *, actor: str, note: str | None = None) -> dict[str, Any]:
    return _move(app, reference, A.DECLINE, actor=actor, note=note)


def default_milestones(app: App, year: int) -> tuple[ms.Milestone, ...]:
    schedule = [(m.month, m.day, m.percent) for m in app.settings.projects.schedule]
    return ms.default_milestones(year, schedule)


def assign(
    app: App, reference: str, *, department: str, actor: str, note: str | None = None
) -> dict[str, Any]:
    """The lead department takes the project on (部门领办) with the configured milestones."""
    _department(app, department)
    with app.uow() as uow:
        year = records.get_project(uow.session, reference).plan_year
    return _move(
        app,
        reference,
        A.START,
        actor=actor,
        note=note,
        lead_department=department,
        milestones=default_milestones(app, year),
    )


def complete(app: App, reference: str, *, actor: str, note: str | None = None) -> dict[str, Any]:
    """Completion; asks every backer and linked-case resident for a 1–5 score."""
    with app.uow() as uow:
        project = records.get_project(uow.session, reference)
        if project.stage == machine.Stage.IN_PROGRESS.value and project.progress_percent < 100:
            raise machine.ProjectRuleError(
                f"{project.reference} is {project.progress_percent} % done: "
                "record 100 % progress before completing it"
            )
    return _move(app, reference, A.COMPLETE, actor=actor, note=note)


def withdraw(app: App, reference: str, *, note: str, actor: str) -> dict[str, Any]:
    return _move(app, reference, A.WITHDRAW, actor=actor, note=note)


def progress(
    app: App,
    reference: str,
    *,
    percent: int,
    note: str,
    actor: str,
    photo: str | None = None,
) -> dict[str, Any]:
    """The lead department's progress report (percent + note, optionally a photo)."""
    if not 0 <= percent <= 100:
        raise InvalidRequest(f"progress is 0–100 %, got {percent}")
    if not (note or "").strip():
        raise InvalidRequest("a progress report needs a note saying what was done")
    now = app.now()
    today = now.astimezone(app.tz).date()
    with app.uow() as uow:
        s = uow.session
        project = records.get_project(s, reference)
        if project.stage != machine.Stage.IN_PROGRESS.value:
            raise machine.ProjectRuleError(
                f"progress is recorded only on a project in progress; {project.reference} is "
                f"{project.stage}"
            )
        before = project.progress_percent
        s.add(
            ProjectProgress(
                project_id=project.id,
                percent=percent,
                note=note.strip(),
                attachment_path=photo,
                actor=actor,
                at=now,
            )
        )
        project.progress_percent = percent
        project.updated_at = now
        records.log_event(
            s,
            project,
            "progress",
            actor=actor,
            now=now,
            note=note.strip(),
            detail={"before": before, "after": percent, "photo": bool(photo)},
        )
        update_supervision(s, project, today, now, actor=actor)
        for milestone in records.milestones_of(project):
            if before < milestone.percent <= percent:
                announce.announce(app, s, project, f"milestone-{milestone.percent}", now)
        s.flush()
        view = project_view(app, s, project)
        uow.commit()
    return view


def update_supervision(
    s: Any, project: Project, today: dt.date, now: dt.datetime, *, actor: str
) -> str | None:
    """Set or clear 挂牌督办 to match the milestones; the change is logged once."""
    change = ms.supervision_change(
        project.supervised, records.milestones_of(project), project.progress_percent, today
    )
    if change == "set":
        project.supervised, project.supervised_at = True, now
        overdue = ms.overdue_milestones(
            records.milestones_of(project), project.progress_percent, today
        )
        records.log_event(
            s,
            project,
            "supervised",
            actor=actor,
            now=now,
            detail={"milestones": [m.due.isoformat() for m in overdue]},
        )
    elif change == "cleared":
        project.supervised, project.supervised_at = False, None
        records.log_event(s, project, "supervision_cleared", actor=actor, now=now)
    return change
