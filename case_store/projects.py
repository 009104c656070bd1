"""Livelihood projects (民生实事) as an explicit state machine, in plain Python.

    proposed ─street review─▶ street_approved ─department review─▶ department_approved
        ─expert review─▶ approved ─publish─▶ open ─select─▶ selected ─start─▶ in_progress
                                                  └─decline─▶ not_selected
        in_progress ─complete─▶ completed
    any rejection during the reviews ─▶ rejected (with the reviewer's note)
    any stage before completion (and not already final) ─withdraw─▶ withdrawn

Starting a project assigns its lead department and sets its milestones (routing.milestones).

The three reviews happen in a fixed order; `pending_review` says which one is due. Every move
yields a `ProjectEvent`, and `allowed_actions` is the only place that decides what may be done
next, so adapters show and accept exactly these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from case_store.lifecycle import DomainError


class Milestone(Protocol):
    """What the stage machine keeps of a milestone (routing.milestones.Milestone has it)."""

    @property
    def due(self) -> dt.date: ...

    @property
    def percent(self) -> int: ...


class Stage(StrEnum):
    PROPOSED = "proposed"  # awaiting the street review
    STREET_APPROVED = "street_approved"  # awaiting the department review
    DEPARTMENT_APPROVED = "department_approved"  # awaiting the expert review
    APPROVED = "approved"
    REJECTED = "rejected"
    OPEN = "open"  # published: residents may back it
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Review(StrEnum):
    STREET = "street"
    DEPARTMENT = "department"
    EXPERT = "expert"


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    PUBLISH = "publish"
    SELECT = "select"
    DECLINE = "decline"  # not selected
    START = "start"
    COMPLETE = "complete"
    WITHDRAW = "withdraw"


REVIEW_ORDER = (Review.STREET, Review.DEPARTMENT, Review.EXPERT)
_AWAITING: dict[Stage, Review] = {
    Stage.PROPOSED: Review.STREET,
    Stage.STREET_APPROVED: Review.DEPARTMENT,
    Stage.DEPARTMENT_APPROVED: Review.EXPERT,
}
_AFTER_APPROVAL: dict[Review, Stage] = {
    Review.STREET: Stage.STREET_APPROVED,
    Review.DEPARTMENT: Stage.DEPARTMENT_APPROVED,
    Review.EXPERT: Stage.APPROVED,
}

FINAL_STAGES = frozenset({Stage.REJECTED, Stage.NOT_SELECTED, Stage.COMPLETED, Stage.WITHDRAWN})
# Residents may back a project only while it is published and not yet decided.
BACKABLE_STAGES = frozenset({Stage.OPEN})

_S, _A = Stage, Action
TRANSITIONS: dict[tuple[Stage, Action], Stage] = {
    **{(stage, _A.APPROVE): _AFTER_APPROVAL[review] for stage, review in _AWAITING.items()},
    **{(stage, _A.REJECT): _S.REJECTED for stage in _AWAITING},
    (_S.APPROVED, _A.PUBLISH): _S.OPEN,
    (_S.OPEN, _A.SELECT): _S.SELECTED,
    (_S.OPEN, _A.DECLINE): _S.NOT_SELECTED,
    (_S.SELECTED, _A.START): _S.IN_PROGRESS,
    (_S.IN_PROGRESS, _A.COMPLETE): _S.COMPLETED,
    **{(stage, _A.WITHDRAW): _S.WITHDRAWN for stage in _S if stage not in FINAL_STAGES},
}

# The event kind each move records; reviews record which review it was.
_EVENT_KINDS: dict[Action, str] = {
    _A.PUBLISH: "published",
    _A.SELECT: "selected",
    _A.DECLINE: "not_selected",
    _A.START: "started",
    _A.COMPLETE: "completed",
    _A.WITHDRAW: "withdrawn",
}
_NOTE_REQUIRED = frozenset({_A.REJECT, _A.WITHDRAW})


class ProjectRuleError(DomainError):
    """A project move that breaks a rule other than the stage order (missing note, …)."""


class IllegalProjectMove(DomainError):
    def __init__(self, stage: Stage, action: Action, review: Review | None = None) -> None:
        self.stage = stage
        self.action = action
        self.review = review
        allowed = describe_allowed(stage)
        what = f"{action.value} the {review.value} review of" if review else f"{action.value}"
        tail = f"allowed now: {allowed}" if allowed else "nothing more can be done with it"
        super().__init__(f"cannot {what} a project that is {stage.value}; {tail}")


@dataclass(frozen=True)
class AllowedAction:
    action: Action
    review: Review | None = None

    def describe(self) -> str:
        return (
            f"{self.action.value} ({self.review.value} review)"
            if self.review
            else self.action.value
        )


@dataclass(frozen=True)
class ProjectEvent:
    """One move, as the project's event log records it."""

    actor: str
    kind: str
    before: Stage
    after: Stage
    note: str | None = None
    review: Review | None = None


@dataclass(frozen=True)
class ProjectState:
    """What the rules need to know about a project."""

    stage: Stage = Stage.PROPOSED
    approvals: tuple[Review, ...] = ()
    rejection_note: str | None = None
    lead_department: str | None = None
    milestones: tuple[Milestone, ...] = ()

    @property
    def pending_review(self) -> Review | None:
        return pending_review(self.stage)


def pending_review(stage: Stage | str) -> Review | None:
    return _AWAITING.get(Stage(stage))


def allowed_actions(stage: Stage | str) -> list[AllowedAction]:
    """Every action a project in `stage` accepts now, in the order a screen should list them."""
    stage = Stage(stage)
    review = _AWAITING.get(stage)
    return [
        AllowedAction(action, review if action in (_A.APPROVE, _A.REJECT) else None)
        for (state, action) in TRANSITIONS
        if state == stage
    ]


def describe_allowed(stage: Stage | str) -> str:
    return ", ".join(a.describe() for a in allowed_actions(stage))


def is_allowed(
    stage: Stage | str, action: Action | str, review: Review | str | None = None
) -> bool:
    stage, action = Stage(stage), Action(action)
    wanted = Review(review) if review is not None else None
    for allowed in allowed_actions(stage):
        if allowed.action is action and (wanted is None or allowed.review is wanted):
            return True
    return False


def next_stage(
    stage: Stage | str, action: Action | str, review: Review | str | None = None
) -> Stage:
    """The stage a project moves to; raises IllegalProjectMove when the move is not allowed.

    Approvals and rejections may name the review they give; naming one that is not the
    pending review is refused, so a department cannot approve before the street has.
    """
    stage, action = Stage(stage), Action(action)
    given = Review(review) if review is not None else None
    if (stage, action) not in TRANSITIONS:
        raise IllegalProjectMove(stage, action, given)
    if action in (_A.APPROVE, _A.REJECT) and given is not None and given is not _AWAITING[stage]:
        raise IllegalProjectMove(stage, action, given)
    return TRANSITIONS[(stage, action)]


def _note(note: str | None) -> str | None:
    text = (note or "").strip()
    return text or None


def move(
    state: ProjectState,
    action: Action | str,
    *,
    actor: str,
    note: str | None = None,
    review: Review | str | None = None,
    lead_department: str | None = None,
    milestones: Sequence[Milestone] = (),
) -> tuple[ProjectState, ProjectEvent]:
    """Apply one action: the new state and the event that records it."""
    action = Action(action)
    after = next_stage(state.stage, action, review)
    clean = _note(note)
    if action in _NOTE_REQUIRED and clean is None:
        raise ProjectRuleError(f"{action.value} needs a note saying why")
    if not actor.strip():
        raise ProjectRuleError("every project move needs an actor")
    new = replace(state, stage=after)
    given: Review | None = None
    if action in (_A.APPROVE, _A.REJECT):
        given = _AWAITING[state.stage]
        kind = f"{given.value}_{'approved' if action is _A.APPROVE else 'rejected'}"
        if action is _A.APPROVE:
            new = replace(new, approvals=(*state.approvals, given))
        else:
            new = replace(new, rejection_note=clean)
    else:
        kind = _EVENT_KINDS[action]
    if action is _A.START:
        department = (lead_department or "").strip()
        if not department:
            raise ProjectRuleError("starting a project needs its lead department")
        if not milestones:
            raise ProjectRuleError("starting a project needs its milestones")
        new = replace(new, lead_department=department, milestones=tuple(milestones))
    elif lead_department is not None or milestones:
        raise ProjectRuleError("only starting a project assigns its lead department and milestones")
    return new, ProjectEvent(
        actor=actor, kind=kind, before=state.stage, after=after, note=clean, review=given
    )


@dataclass
class Project:
    """A project with its history; each method is one move and appends one event."""

    state: ProjectState = field(default_factory=ProjectState)
    events: list[ProjectEvent] = field(default_factory=list)

    @property
    def stage(self) -> Stage:
        return self.state.stage

    def allowed(self) -> list[AllowedAction]:
        return allowed_actions(self.state.stage)

    def _do(self, action: Action, actor: str, **kwargs: object) -> ProjectEvent:
        self.state, event = move(self.state, action, actor=actor, **kwargs)  # type: ignore[arg-type]
        self.events.append(event)
        return event

    def approve(self, review: Review | str, actor: str, note: str | None = None) -> ProjectEvent:
        return self._do(Action.APPROVE, actor, review=review, note=note)

    def reject(self, review: Review | str, actor: str, note: str) -> ProjectEvent:
        return self._do(Action.REJECT, actor, review=review, note=note)

    def publish(self, actor: str, note: str | None = None) -> ProjectEvent:
        return self._do(Action.PUBLISH, actor, note=note)

    def select(self, actor: str, note: str | None = None) -> ProjectEvent:
        return self._do(Action.SELECT, actor, note=note)

    def decline(self, actor: str, note: str | None = None) -> ProjectEvent:
        return self._do(Action.DECLINE, actor, note=note)

    def start(
        self,
        actor: str,
        lead_department: str,
        milestones: Sequence[Milestone],
        note: str | None = None,
    ) -> ProjectEvent:
        return self._do(
            Action.START, actor, lead_department=lead_department, milestones=milestones, note=note
        )

    def complete(self, actor: str, note: str | None = None) -> ProjectEvent:
        return self._do(Action.COMPLETE, actor, note=note)

    def withdraw(self, actor: str, note: str) -> ProjectEvent:
        return self._do(Action.WITHDRAW, actor, note=note)
