"""The case store and service layer on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from case_store import migrate
from case_store.lifecycle import IllegalTransition
from case_store.models import Base
from minsheng.services.casework import resident_actions, staff_actions, submission, views
from minsheng.services.casework.submission import Intake
from minsheng.services.errors import CaseNotFound, ConcurrencyConflict, InvalidRequest


def _intake(**overrides: object) -> Intake:
    values: dict[str, object] = {
        "text": "幸福里小区3号楼电梯坏了一个星期了，老人上下楼很困难",
        "domain": "housing",
        "urgency": "normal",
        "kind": "demand",
        "channel": "telegram",
        "external_id": "1001",
        "display_name": "王女士",
    }
    values.update(overrides)
    return Intake(**values)  # type: ignore[arg-type]


def _event_types(app, ref: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["type"] for e in views.events(app, ref)]


def test_migrations_create_every_table_and_downgrade_to_empty(database_url: str) -> None:
    from case_store.db import make_engine

    engine = make_engine(database_url)
    migrate.upgrade(engine)
    tables = set(sa.inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert set(Base.metadata.tables) <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_a_submitted_case_is_routed_with_a_reference_and_both_deadlines(app, clock) -> None:  # type: ignore[no-untyped-def]
    view = submission.submit(app, _intake(urgency="high"))
    assert view["reference"].startswith("MS-2611-")
    assert view["status"] == "routed"
    assert view["department"] == "housing_bureau"
    assert view["first_response_due_at"].startswith("2026-11-03T10:00")
    assert view["resolution_due_at"] == "2026-12-14T23:59:59+08:00"
    assert _event_types(app, view["reference"]) == ["created", "routed"]


def test_every_action_appends_its_event(app, clock) -> None:  # type: ignore[no-untyped-def]
    ref = submission.submit(app, _intake())["reference"]
    clock.advance(hours=1)
    staff_actions.accept(app, ref, actor="clerk:li")
    staff_actions.start(app, ref, actor="clerk:li")
    staff_actions.ask_resident(app, ref, question="请问是几单元的电梯？", actor="clerk:li")
    resident_actions.resident_message(app, ref, text="2单元")
    staff_actions.reply(app, ref, text="已联系维保单位", actor="clerk:li")
    staff_actions.resolve(app, ref, note="电梯已修复", actor="clerk:li")
    resident_actions.rate(app, ref, score=2, comment="修得太慢")
    staff_actions.reopen(app, ref, reason="居民不满意", actor="clerk:li")
    assert _event_types(app, ref) == [
        "created",
        "routed",
        "accepted",
        "started",
        "asked_resident",
        "resident_answered",
        "replied",
        "resolved",
        "rated",
        "closed",
        "reopened",
    ]
    view = views.show(app, ref)
    assert view["status"] == "in_progress" and view["resolution_round"] == 2
    assert view["rating"] == 2


def test_resolving_a_routed_case_logs_the_implied_acceptance(app) -> None:  # type: ignore[no-untyped-def]
    ref = submission.submit(app, _intake())["reference"]
    view = staff_actions.resolve(app, ref, note="不属于本部门职责", outcome="not_responsible")
    assert view["status"] == "resolved" and view["outcome"] == "not_responsible"
    evs = views.events(app, ref)
    assert [e["type"] for e in evs[-2:]] == ["accepted", "resolved"]
    assert evs[-2]["after"]["implied"] is True
    assert view["first_responded_at"] is not None


def test_an_illegal_action_is_refused_and_changes_nothing(app) -> None:  # type: ignore[no-untyped-def]
    ref = submission.submit(app, _intake())["reference"]
    resident_actions.withdraw(app, ref)
    with pytest.raises(IllegalTransition):
        staff_actions.accept(app, ref)
    assert views.show(app, ref)["status"] == "withdrawn"
    assert _event_types(app, ref) == ["created", "routed", "withdrawn"]


def test_a_transfer_keeps_the_clocks_and_is_recorded(app, clock) -> None:  # type: ignore[no-untyped-def]
    before = submission.submit(app, _intake(urgency="urgent"))
    clock.advance(minutes=30)
    after = staff_actions.transfer(
        app,
        before["reference"],
        to_department="utilities_desk",
        to_domain="utilities",
        reason="这是供水问题",
    )
    assert after["department"] == "utilities_desk" and after["domain"] == "utilities"
    assert after["status"] == "routed"
    assert after["first_response_due_at"] == before["first_response_due_at"]
    assert after["resolution_due_at"] == before["resolution_due_at"]
    assert after["bounce_count"] == 1


def test_a_case_bounced_too_often_goes_to_the_triage_supervisor(app) -> None:  # type: ignore[no-untyped-def]
    ref = submission.submit(app, _intake())["reference"]
    staff_actions.transfer(app, ref, to_department="utilities_desk", reason="不是住建")
    staff_actions.transfer(app, ref, to_department="city_management", reason="不是供水")
    view = staff_actions.transfer(app, ref, to_department="housing_bureau", reason="不是城管")
    assert view["department"] == "supervision"
    assert view["bounce_count"] == 3


def test_two_clerks_acting_on_one_case_the_second_gets_a_conflict(app) -> None:  # type: ignore[no-untyped-def]
    view = submission.submit(app, _intake())
    seen = view["version"]
    staff_actions.accept(app, view["reference"], expected_version=seen)
    with pytest.raises(ConcurrencyConflict):
        staff_actions.transfer(
            app,
            view["reference"],
            to_department="transport_bureau",
            reason="路灯问题",
            expected_version=seen,
        )
    assert views.show(app, view["reference"])["department"] == "housing_bureau"


def test_two_sessions_writing_one_case_at_once_one_wins(app) -> None:  # type: ignore[no-untyped-def]
    """Raw race: both sessions read the same version, both write; exactly one commits."""
    from case_store import repository

    ref = submission.submit(app, _intake())["reference"]
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def worker(note: str) -> None:
        with app.uow() as uow:
            if uow.session.get_bind().dialect.name == "sqlite":
                # SQLite serialises writers at BEGIN, so read outside the write lock: a
                # deferred read of the same version, then the write.
                uow.session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            case = repository.get_case(uow.session, ref)
            barrier.wait()
            case.resolution_note = note
            try:
                uow.commit()
                outcomes.append("won")
            except ConcurrencyConflict:
                outcomes.append("conflict")
            except sa.exc.OperationalError:
                # SQLite reports the loser as "database is locked" on upgrade of the read lock.
                outcomes.append("conflict")

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "won"]


def test_a_reference_collision_is_retried_with_a_new_reference(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first = submission.submit(app, _intake())["reference"]
    draws = iter([first, "MS-2611-ZZZZZZ"])
    monkeypatch.setattr(submission, "new_reference", lambda _when: next(draws))
    second = submission.submit(app, _intake(external_id="1002"))["reference"]
    assert second == "MS-2611-ZZZZZZ" != first


def test_a_rating_outside_one_to_five_is_refused(app) -> None:  # type: ignore[no-untyped-def]
    ref = submission.submit(app, _intake())["reference"]
    staff_actions.resolve(app, ref, note="已处理")
    with pytest.raises(InvalidRequest):
        resident_actions.rate(app, ref, score=6)
    assert resident_actions.rate(app, ref, score=5)["status"] == "closed"


def test_an_unknown_reference_is_reported_as_not_found(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CaseNotFound):
        views.show(app, "MS-2611-AAAAAA")
