"""The project cycle through the service layer: every stage move, legal and illegal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from project_factories import DEPT, approved, opened, proposed, started
from sqlalchemy import func, select

from case_store.models import ProjectEvent
from case_store.projects import IllegalProjectMove, ProjectRuleError
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest
from minsheng.services.projects import backing, cycle, views


def _events(app: App) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count(ProjectEvent.id))) or 0)


def test_a_project_goes_from_proposal_to_completion_one_legal_move_at_a_time(
    app: App, june: Any
) -> None:
    ref = proposed(app)
    view = views.show(app, ref)
    assert view["stage"] == "proposed" and view["pending_review"] == "street"
    assert len(view["cases"]) == 2 and view["area"]
    for stage, after, pending in (
        ("street", "street_approved", "department"),
        ("department", "department_approved", "expert"),
        ("expert", "approved", None),
    ):
        view = cycle.review(app, ref, stage=stage, decision="approve", note="ok", actor="x")
        assert (view["stage"], view["pending_review"]) == (after, pending)
    assert cycle.publish(app, ref, actor="x")["stage"] == "open"
    assert backing.back(app, ref, channel="telegram", external_id="tg-1")["backers"] == 1
    assert cycle.select_project(app, ref, actor="x")["stage"] == "selected"
    view = cycle.assign(app, ref, department=DEPT, actor="x")
    assert view["stage"] == "in_progress" and view["department"] == DEPT
    assert [(m["due"], m["percent"]) for m in view["milestones"]] == [
        ("2026-06-30", 50),
        ("2026-09-30", 80),
        ("2026-12-31", 100),
    ]
    assert cycle.progress(app, ref, percent=100, note="建成", actor="x")["progress"] == 100
    assert cycle.complete(app, ref, actor="x")["stage"] == "completed"


@pytest.mark.parametrize(
    ("make", "move"),
    [
        (proposed, lambda app, ref: cycle.publish(app, ref, actor="x")),
        (
            proposed,
            lambda app, ref: cycle.review(
                app, ref, stage="department", decision="approve", note="", actor="x"
            ),
        ),
        (approved, lambda app, ref: cycle.select_project(app, ref, actor="x")),
        (opened, lambda app, ref: cycle.assign(app, ref, department=DEPT, actor="x")),
        (opened, lambda app, ref: cycle.complete(app, ref, actor="x")),
        (approved, lambda app, ref: backing.back(app, ref, channel="telegram", external_id="t")),
    ],
)
def test_an_illegal_move_is_refused_and_changes_nothing(
    app: App, june: Any, make: Any, move: Any
) -> None:
    ref = make(app)
    before, events = views.show(app, ref), _events(app)
    with pytest.raises((IllegalProjectMove, ProjectRuleError)):
        move(app, ref)
    assert views.show(app, ref) == before
    assert _events(app) == events


def test_a_rejection_needs_a_note_and_keeps_it(app: App, june: Any) -> None:
    ref = proposed(app)
    with pytest.raises(ProjectRuleError):
        cycle.review(app, ref, stage="street", decision="reject", note=" ", actor="x")
    view = cycle.review(app, ref, stage="street", decision="reject", note="选址不可行", actor="x")
    assert view["stage"] == "rejected" and view["rejection_note"] == "选址不可行"
    assert view["allowed_actions"] == []


def test_withdrawal_is_possible_before_completion_only(app: App, june: Any) -> None:
    ref = started(app)
    assert cycle.withdraw(app, ref, note="资金取消", actor="x")["stage"] == "withdrawn"
    with pytest.raises(IllegalProjectMove):
        cycle.withdraw(app, ref, note="again", actor="x")


def test_completion_needs_all_the_work_done(app: App, june: Any) -> None:
    ref = started(app)
    cycle.progress(app, ref, percent=90, note="收尾", actor="x")
    with pytest.raises(ProjectRuleError, match="100 %"):
        cycle.complete(app, ref, actor="x")
    assert views.show(app, ref)["stage"] == "in_progress"


def test_not_selecting_an_open_project_is_final(app: App, june: Any) -> None:
    ref = opened(app)
    assert cycle.not_select(app, ref, actor="x")["stage"] == "not_selected"


def test_a_proposal_needs_a_known_department_and_existing_cases(app: App, june: Any) -> None:
    from minsheng.services.errors import CaseNotFound

    with pytest.raises(InvalidRequest, match="unknown department"):
        cycle.propose(app, title="t", cases=["MS-2606-AAAAAA"], department="nope", year=2026)
    with pytest.raises(CaseNotFound):
        cycle.propose(app, title="t", cases=["MS-2606-AAAAAA"], department=DEPT, year=2026)


def test_a_reference_clash_is_retried_with_a_new_reference(
    app: App, june: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = proposed(app)
    picks = iter([first, first, "PJ-2026-ZZZZ"])
    monkeypatch.setattr(cycle, "new_project_reference", lambda year: next(picks))
    again = proposed(app, residents=("tg-9",))
    assert again == "PJ-2026-ZZZZ"


def test_the_cli_refuses_an_illegal_move_with_exit_2_and_prints_json_for_a_legal_one(
    app: App, june: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from minsheng.cli import main

    monkeypatch.setenv("MINSHENG_DATABASE_URL", app.settings.database_url)
    ref = proposed(app)
    before = views.show(app, ref)
    assert main(["project", "publish", ref, "--json"]) == 2
    err = capsys.readouterr().err
    assert "cannot publish" in err and "street review" in err
    assert views.show(app, ref) == before
    code = main(
        [
            "project",
            "review",
            ref,
            "--stage",
            "street",
            "--decision",
            "approve",
            "--note",
            "ok",
            "--json",
        ]
    )
    assert code == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["stage"] == "street_approved" and shown["pending_review"] == "department"
    for key in (
        "reference",
        "title",
        "domain",
        "department",
        "year",
        "cases",
        "backers",
        "progress",
        "milestones",
        "supervised",
        "rating_mean",
        "satisfaction_rate",
        "ratings",
        "awareness",
    ):
        assert key in shown
