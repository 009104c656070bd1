"""The case lifecycle: every legal move, every illegal one, and the events they leave."""

from __future__ import annotations

import itertools

import pytest

from case_store.lifecycle import (
    FINAL_STATES,
    OPEN_STATES,
    OPEN_STATUSES,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    is_open,
    next_status,
    plan,
    staff_actions,
)

LEGAL = [
    (Status.NEW, Action.ROUTE, Status.ROUTED),
    (Status.ROUTED, Action.ACCEPT, Status.ACCEPTED),
    (Status.ACCEPTED, Action.START, Status.IN_PROGRESS),
    (Status.ACCEPTED, Action.ASK_RESIDENT, Status.AWAITING_RESIDENT),
    (Status.IN_PROGRESS, Action.ASK_RESIDENT, Status.AWAITING_RESIDENT),
    (Status.AWAITING_RESIDENT, Action.RESIDENT_ANSWERED, Status.IN_PROGRESS),
    (Status.ROUTED, Action.TRANSFER, Status.ROUTED),
    (Status.ACCEPTED, Action.TRANSFER, Status.ROUTED),
    (Status.IN_PROGRESS, Action.TRANSFER, Status.ROUTED),
    (Status.AWAITING_RESIDENT, Action.TRANSFER, Status.ROUTED),
    (Status.ROUTED, Action.RESOLVE, Status.RESOLVED),
    (Status.ACCEPTED, Action.RESOLVE, Status.RESOLVED),
    (Status.IN_PROGRESS, Action.RESOLVE, Status.RESOLVED),
    (Status.AWAITING_RESIDENT, Action.RESOLVE, Status.RESOLVED),
    (Status.RESOLVED, Action.CLOSE, Status.CLOSED),
    (Status.RESOLVED, Action.REOPEN, Status.IN_PROGRESS),
    (Status.CLOSED, Action.REOPEN, Status.IN_PROGRESS),
    (Status.NEW, Action.WITHDRAW, Status.WITHDRAWN),
    (Status.ROUTED, Action.WITHDRAW, Status.WITHDRAWN),
    (Status.ACCEPTED, Action.WITHDRAW, Status.WITHDRAWN),
    (Status.IN_PROGRESS, Action.WITHDRAW, Status.WITHDRAWN),
    (Status.AWAITING_RESIDENT, Action.WITHDRAW, Status.WITHDRAWN),
]
LEGAL_PAIRS = {(s, a) for s, a, _ in LEGAL}
ILLEGAL = [(s, a) for s, a in itertools.product(Status, Action) if (s, a) not in LEGAL_PAIRS]


@pytest.mark.parametrize(("status", "action", "after"), LEGAL)
def test_each_legal_move_reaches_its_state(status: Status, action: Action, after: Status) -> None:
    assert next_status(status, action) is after


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_each_illegal_move_raises_a_domain_error_naming_it(status: Status, action: Action) -> None:
    with pytest.raises(IllegalTransition) as info:
        next_status(status, action)
    assert status.value in str(info.value) and action.value in str(info.value)


def test_the_table_holds_exactly_the_documented_moves() -> None:
    assert {(s, a, t) for (s, a), t in TRANSITIONS.items()} == set(LEGAL)


def test_resolving_a_routed_case_logs_an_implied_acceptance_first() -> None:
    steps = plan(Status.ROUTED, Action.RESOLVE)
    assert [(s.action, s.before, s.after, s.implied_acceptance) for s in steps] == [
        (Action.ACCEPT, Status.ROUTED, Status.ACCEPTED, True),
        (Action.RESOLVE, Status.ACCEPTED, Status.RESOLVED, False),
    ]


def test_resolving_an_accepted_case_is_a_single_move() -> None:
    assert len(plan(Status.ACCEPTED, Action.RESOLVE)) == 1


def test_a_withdrawn_or_closed_case_accepts_no_work() -> None:
    assert allowed_actions(Status.WITHDRAWN) == []
    assert allowed_actions(Status.CLOSED) == [Action.REOPEN]
    assert FINAL_STATES.isdisjoint(OPEN_STATES)


def test_states_accept_their_string_values() -> None:
    assert next_status("routed", "accept") is Status.ACCEPTED


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.NEW, ()),
        (Status.ROUTED, ("accept", "reply", "transfer", "resolve")),
        (Status.ACCEPTED, ("start", "reply", "ask", "transfer", "resolve")),
        (Status.IN_PROGRESS, ("reply", "ask", "transfer", "resolve")),
        (Status.AWAITING_RESIDENT, ("reply", "transfer", "resolve")),
        (Status.RESOLVED, ("reply", "reopen")),
        (Status.CLOSED, ("reopen",)),
        (Status.WITHDRAWN, ()),
    ],
)
def test_staff_actions_follow_the_transitions(status: Status, expected: tuple[str, ...]) -> None:
    assert staff_actions(status) == expected


def test_open_statuses_are_the_open_states_as_values() -> None:
    assert set(OPEN_STATUSES) == {s.value for s in OPEN_STATES}
    assert all(is_open(s) for s in OPEN_STATES) and not is_open("resolved")
