"""Casework use cases against the fake unit of work: rules and what gets written."""

from __future__ import annotations

from typing import Any

import pytest

from case_store.lifecycle import IllegalTransition
from case_store.models import CaseEvent, Message, Transfer
from minsheng.services.casework import staff_actions
from minsheng.services.errors import CaseNotFound, InvalidRequest


def test_a_resolved_case_cannot_be_resolved_again_and_nothing_is_written(
    app: Any, uow: Any, on_file: Any
) -> None:
    case = on_file("resolved", outcome="resolved", resolution_note="已修复")
    with pytest.raises(IllegalTransition):
        staff_actions.resolve(app, case.reference, note="再次办结")
    assert uow.commits == 0 and uow.written == []
    assert case.status == "resolved" and case.resolution_note == "已修复"


def test_resolving_records_the_outcome_the_note_and_one_event(
    app: Any, uow: Any, on_file: Any
) -> None:
    case = on_file("in_progress")
    view = staff_actions.resolve(
        app, case.reference, note="已更换灯泡", outcome="resolved", actor="staff:1"
    )
    assert view["status"] == "resolved" and view["outcome"] == "resolved"
    assert uow.commits == 1
    events = [w for w in uow.written if isinstance(w, CaseEvent)]
    assert [(e.type, e.note, e.actor) for e in events] == [("resolved", "已更换灯泡", "staff:1")]
    assert [m.text for m in uow.written if isinstance(m, Message)] == ["已更换灯泡"]


def test_a_transfer_records_the_reason(app: Any, uow: Any, on_file: Any) -> None:
    case = on_file("accepted")
    view = staff_actions.transfer(
        app,
        case.reference,
        to_department="housing_bureau",
        reason="属于小区内道路",
        actor="staff:1",
    )
    assert view["department"] == "housing_bureau" and view["status"] == "routed"
    [moved] = [w for w in uow.written if isinstance(w, Transfer)]
    assert (moved.from_department, moved.to_department, moved.reason) == (
        "transport_bureau",
        "housing_bureau",
        "属于小区内道路",
    )
    [event] = [w for w in uow.written if isinstance(w, CaseEvent)]
    assert event.type == "transferred" and event.note == "属于小区内道路"


def test_a_transfer_without_a_reason_is_refused_before_the_case_is_touched(
    app: Any, uow: Any, on_file: Any
) -> None:
    case = on_file("accepted")
    with pytest.raises(InvalidRequest):
        staff_actions.transfer(app, case.reference, to_department="housing_bureau", reason=" ")
    assert uow.commits == 0 and case.department == "transport_bureau"


def test_a_refused_authorisation_stops_the_action_in_the_same_unit_of_work(
    app: Any, uow: Any, on_file: Any
) -> None:
    case = on_file("routed")

    def outside_scope(c: Any) -> None:
        raise CaseNotFound(c.reference)

    with pytest.raises(CaseNotFound):
        staff_actions.accept(app, case.reference, authorize=outside_scope)
    assert case.status == "routed" and uow.commits == 0 and uow.written == []


def test_replying_on_a_withdrawn_case_is_refused(app: Any, uow: Any, on_file: Any) -> None:
    case = on_file("withdrawn")
    with pytest.raises(InvalidRequest):
        staff_actions.reply(app, case.reference, text="您好")
    assert uow.written == []
