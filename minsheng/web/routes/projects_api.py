"""Livelihood projects in the workspace API under /api/v1/projects and /api/v1/demand.

The same service functions as the CLI and the console; who may do what is decided by
minsheng.services.projects.workspace. A project that does not exist is a 404, a move its
stage does not allow a 409, a refused rule (missing note, bad percent) a 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from case_store.projects import IllegalProjectMove
from minsheng.services.access.staff import scope_of
from minsheng.services.projects import cycle, demand, reporting, views, workspace
from minsheng.services.projects.records import ProjectNotFound
from minsheng.web.deps import AppDep, CurrentStaff

router = APIRouter(prefix="/api/v1", tags=["projects"])
T = TypeVar("T")
ProjectRef = Annotated[str, Path(max_length=40, description="a project reference, PJ-YYYY-XXXX")]
ProjectAction = Literal[
    "review",
    "publish",
    "select",
    "not_select",
    "assign",
    "progress",
    "complete",
    "withdraw",
    "back",
    "rate",
    "evaluate",
]


def _call(work: Callable[[], T]) -> T:
    try:
        return work()
    except ProjectNotFound as exc:
        raise HTTPException(404, f"no project {exc.reference}") from exc
    except IllegalProjectMove as exc:
        raise HTTPException(409, str(exc)) from exc


class Proposal(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    department: str = Field(max_length=64)
    year: int = Field(ge=2000, le=2100)
    topic: str | None = Field(default=None, max_length=32)
    cases: list[str] = Field(default_factory=list, max_length=500)
    domain: str | None = Field(default=None, max_length=32)
    budget: float | None = Field(default=None, ge=0)
    description: str | None = Field(default=None, max_length=5000)
    area: str | None = Field(default=None, max_length=200)


class ProjectActionBody(BaseModel):
    """Fields of one action: review (stage, decision, note), assign (department), progress
    (percent, note, photo), back and rate (resident CHANNEL:ID, score), evaluate (score, note),
    withdraw (note)."""

    stage: Literal["street", "department", "expert"] | None = None
    decision: Literal["approve", "reject"] | None = None
    note: str | None = Field(default=None, max_length=5000)
    department: str | None = Field(default=None, max_length=64)
    percent: int | None = Field(default=None, ge=0, le=100)
    photo: str | None = Field(default=None, max_length=500)
    resident: str | None = Field(default=None, max_length=160)
    score: int | None = Field(default=None, ge=0, le=100)


@router.get("/projects", summary="the project pool, filtered")
def list_projects(
    app: AppDep,
    member: CurrentStaff,
    stage: Annotated[str | None, Query(max_length=24)] = None,
    domain: Annotated[str | None, Query(max_length=32)] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    review: Annotated[Literal["street", "department", "expert"] | None, Query()] = None,
) -> dict[str, Any]:
    rows = views.list_projects(
        app,
        stage=[stage] if stage else None,
        domain=domain,
        department=department,
        year=year,
        review=review,
    )
    return {"projects": rows, "count": len(rows)}


@router.post("/projects", summary="propose a project from a demand topic or cases", status_code=201)
def propose(app: AppDep, member: CurrentStaff, body: Proposal) -> dict[str, Any]:
    workspace.require_decider(member)
    return _call(
        lambda: cycle.propose(
            app,
            title=body.title,
            department=body.department,
            year=body.year,
            topic=body.topic,
            cases=body.cases,
            domain=body.domain,
            budget=body.budget,
            description=body.description,
            area=body.area,
            actor=member.actor,
        )
    )


@router.get(
    "/projects/figures", summary="projects by stage, on-time milestones, satisfaction, awareness"
)
def figures(
    app: AppDep, member: CurrentStaff, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> dict[str, Any]:
    return reporting.summary(app, year=year, scope=scope_of(app.settings, member).departments)


@router.get("/projects/{reference}", summary="one project, as `minsheng project show --json`")
def show(app: AppDep, member: CurrentStaff, reference: ProjectRef) -> dict[str, Any]:
    return _call(lambda: views.show(app, reference))


@router.get("/projects/{reference}/history", summary="the project's events and progress reports")
def history(app: AppDep, member: CurrentStaff, reference: ProjectRef) -> dict[str, Any]:
    return _call(lambda: views.history(app, reference))


@router.post("/projects/{reference}/{action}", summary="one project action")
def act(
    app: AppDep,
    member: CurrentStaff,
    reference: ProjectRef,
    action: ProjectAction,
    body: ProjectActionBody,
) -> dict[str, Any]:
    form = {k: v for k, v in body.model_dump().items() if v is not None}
    return _call(lambda: workspace.perform(app, member, reference, action, form))


@router.get("/demand/topics", summary="the demand ledger's stored topics, biggest first")
def topics(app: AppDep, member: CurrentStaff) -> dict[str, Any]:
    rows = demand.stored_topics(app)
    return {"topics": rows, "count": len(rows)}
