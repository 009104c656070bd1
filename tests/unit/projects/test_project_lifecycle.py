"""The project lifecycle: every legal move, every illegal one, and the events they leave."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from case_store.lifecycle import DomainError
from case_store.projects import (
    FINAL_STAGES,
    TRANSITIONS,
    Action,
    AllowedAction,
    IllegalProjectMove,
    Project,
    ProjectRuleError,
    ProjectState,
    Review,
    Stage,
    allowed_actions,
    is_allowed,
    move,
    next_stage,
    pending_review,
)
from routing.milestones import Milestone

MILESTONES = (Milestone(dt.date(2026, 6, 30), 50), Milestone(dt.date(2026, 12, 31), 100))

LEGAL = [
    (Stage.PROPOSED, Action.APPROVE, Stage.STREET_APPROVED),
    (Stage.STREET_APPROVED, Action.APPROVE, Stage.DEPARTMENT_APPROVED),
    (Stage.DEPARTMENT_APPROVED, Action.APPROVE, Stage.APPROVED),
    (Stage.PROPOSED, Action.REJECT, Stage.REJECTED),
    (Stage.STREET_APPROVED, Action.REJECT, Stage.REJECTED),
    (Stage.DEPARTMENT_APPROVED, Action.REJECT, Stage.REJECTED),
    (Stage.APPROVED, Action.PUBLISH, Stage.OPEN),
    (Stage.OPEN, Action.SELECT, Stage.SELECTED),
    (Stage.OPEN, Action.DECLINE, Stage.NOT_SELECTED),
    (Stage.SELECTED, Action.START, Stage.IN_PROGRESS),
    (Stage.IN_PROGRESS, Action.COMPLETE, Stage.COMPLETED),
    *[
        (stage, Action.WITHDRAW, Stage.WITHDRAWN)
        for stage in (
            Stage.PROPOSED,
            Stage.STREET_APPROVED,
            Stage.DEPARTMENT_APPROVED,
            Stage.APPROVED,
            Stage.OPEN,
            Stage.SELECTED,
            Stage.IN_PROGRESS,
        )
    ],
]


def _approved() -> Project:
    project = Project()
    project.approve("street", actor="street:幸福街道", note="居民议事会通过")
    project.approve("department", actor="dept:housing_bureau")
    project.approve("expert", actor="expert:张工", note="技术可行")
    return project


def _in_progress() -> Project:
    project = _approved()
    project.publish(actor="staff:admin")
    project.select(actor="staff:admin")
    project.start(actor="staff:admin", lead_department="housing_bureau", milestones=MILESTONES)
    return project


@pytest.mark.parametrize(("before", "action", "after"), LEGAL)
def test_each_legal_move_reaches_its_stage(before: Stage, action: Action, after: Stage) -> None:
    assert next_stage(before, action) is after


def test_the_table_holds_exactly_the_legal_moves() -> None:
    assert set(TRANSITIONS.items()) == {((b, a), c) for b, a, c in LEGAL}


ILLEGAL = [(s, a) for s, a in itertools.product(Stage, Action) if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("stage", "action"), ILLEGAL)
def test_each_illegal_move_is_refused_with_a_domain_error(stage: Stage, action: Action) -> None:
    with pytest.raises(IllegalProjectMove) as caught:
        next_stage(stage, action)
    assert isinstance(caught.value, DomainError)
    assert stage.value in str(caught.value) and action.value in str(caught.value)


def test_a_refusal_says_what_is_allowed_now() -> None:
    with pytest.raises(
        IllegalProjectMove,
        match=r"allowed now: approve \(street review\), "
        r"reject \(street review\), withdraw",
    ):
        next_stage(Stage.PROPOSED, Action.PUBLISH)


def test_a_refusal_on_a_finished_project_says_nothing_more_can_be_done() -> None:
    with pytest.raises(IllegalProjectMove, match="nothing more can be done"):
        next_stage(Stage.COMPLETED, Action.WITHDRAW)


def test_the_reviews_come_in_order_street_department_expert() -> None:
    assert [
        pending_review(s)
        for s in (Stage.PROPOSED, Stage.STREET_APPROVED, Stage.DEPARTMENT_APPROVED, Stage.APPROVED)
    ] == [Review.STREET, Review.DEPARTMENT, Review.EXPERT, None]


def test_the_department_cannot_approve_before_the_street_has() -> None:
    with pytest.raises(
        IllegalProjectMove,
        match="cannot approve the department review of a project that is proposed",
    ):
        Project().approve("department", actor="dept:housing_bureau")


def test_the_expert_cannot_reject_before_the_department_has_reviewed() -> None:
    project = Project()
    project.approve("street", actor="street:幸福街道")
    with pytest.raises(IllegalProjectMove):
        project.reject("expert", actor="expert:张工", note="预算不足")
    assert project.stage is Stage.STREET_APPROVED


def test_three_approvals_make_a_project_approved_and_each_leaves_its_event() -> None:
    project = _approved()
    assert project.stage is Stage.APPROVED
    assert project.state.approvals == (Review.STREET, Review.DEPARTMENT, Review.EXPERT)
    assert [(e.actor, e.kind, e.note) for e in project.events] == [
        ("street:幸福街道", "street_approved", "居民议事会通过"),
        ("dept:housing_bureau", "department_approved", None),
        ("expert:张工", "expert_approved", "技术可行"),
    ]


@pytest.mark.parametrize("review", list(Review))
def test_any_rejection_ends_the_project_with_the_reviewers_note(review: Review) -> None:
    project = Project()
    for earlier in Review:
        if earlier is review:
            break
        project.approve(earlier, actor=f"{earlier.value}:ok")
    event = project.reject(review, actor=f"{review.value}:no", note="  与已有项目重复  ")
    assert project.stage is Stage.REJECTED
    assert project.state.rejection_note == "与已有项目重复"
    assert (event.kind, event.note, event.review) == (
        f"{review.value}_rejected",
        "与已有项目重复",
        review,
    )
    assert allowed_actions(project.stage) == []


def test_a_rejection_without_a_note_is_refused() -> None:
    with pytest.raises(ProjectRuleError, match="needs a note"):
        Project().reject("street", actor="street:幸福街道", note="   ")


def test_a_withdrawal_without_a_reason_is_refused() -> None:
    with pytest.raises(ProjectRuleError, match="needs a note"):
        Project().withdraw(actor="staff:admin", note="")


def test_a_move_without_an_actor_is_refused() -> None:
    with pytest.raises(ProjectRuleError, match="actor"):
        move(ProjectState(), Action.APPROVE, actor=" ")


def test_the_whole_way_from_proposal_to_completion_leaves_one_event_per_move() -> None:
    project = _in_progress()
    project.complete(actor="dept:housing_bureau", note="电梯已投入使用")
    assert project.stage is Stage.COMPLETED
    assert [e.kind for e in project.events] == [
        "street_approved",
        "department_approved",
        "expert_approved",
        "published",
        "selected",
        "started",
        "completed",
    ]
    assert [(e.before, e.after) for e in project.events][-1] == (Stage.IN_PROGRESS, Stage.COMPLETED)


def test_starting_assigns_the_lead_department_and_the_milestones() -> None:
    project = _in_progress()
    assert project.state.lead_department == "housing_bureau"
    assert project.state.milestones == MILESTONES


def test_starting_without_a_lead_department_or_milestones_is_refused() -> None:
    project = _approved()
    project.publish(actor="staff:admin")
    project.select(actor="staff:admin")
    with pytest.raises(ProjectRuleError, match="lead department"):
        project.start(actor="staff:admin", lead_department=" ", milestones=MILESTONES)
    with pytest.raises(ProjectRuleError, match="milestones"):
        project.start(actor="staff:admin", lead_department="housing_bureau", milestones=())
    assert project.stage is Stage.SELECTED


def test_only_starting_assigns_a_lead_department() -> None:
    with pytest.raises(ProjectRuleError, match="only starting"):
        move(ProjectState(), Action.APPROVE, actor="street:x", lead_department="housing_bureau")


def test_a_project_not_selected_is_final() -> None:
    project = _approved()
    project.publish(actor="staff:admin")
    project.decline(actor="staff:admin", note="得票不足")
    assert project.stage is Stage.NOT_SELECTED and project.stage in FINAL_STAGES
    assert project.allowed() == []


def test_a_project_in_progress_can_still_be_withdrawn_but_a_completed_one_cannot() -> None:
    project = _in_progress()
    assert is_allowed(project.stage, Action.WITHDRAW)
    project.complete(actor="dept:housing_bureau")
    assert not is_allowed(project.stage, Action.WITHDRAW)


def test_allowed_actions_name_the_pending_review() -> None:
    assert allowed_actions(Stage.STREET_APPROVED) == [
        AllowedAction(Action.APPROVE, Review.DEPARTMENT),
        AllowedAction(Action.REJECT, Review.DEPARTMENT),
        AllowedAction(Action.WITHDRAW),
    ]
    assert is_allowed(Stage.STREET_APPROVED, "approve", "department")
    assert not is_allowed(Stage.STREET_APPROVED, "approve", "expert")


def test_allowed_actions_agree_with_the_moves_that_succeed() -> None:
    for stage in Stage:
        assert {a.action for a in allowed_actions(stage)} == {
            a for a in Action if (stage, a) in TRANSITIONS
        }


def test_an_open_project_can_be_selected_or_not_selected_or_withdrawn() -> None:
    assert [a.action for a in allowed_actions("open")] == [
        Action.SELECT,
        Action.DECLINE,
        Action.WITHDRAW,
    ]
