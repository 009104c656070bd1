"""The case lifecycle as an explicit state machine, in plain Python.

    new ─route─▶ routed ─accept─▶ accepted ─start─▶ in_progress ─resolve─▶ resolved ─close─▶ closed
                   ▲  │                │  ▲              │  ▲                 │  ▲             │
                   │  └──── transfer ──┴──┼──────────────┘  │                 │  └─ reopen ────┘
                   └──────────────────────┘ (back to routed at another department, clocks kept)
    accepted / in_progress ─ask_resident─▶ awaiting_resident ─resident_answered─▶ in_progress
    any open state ─withdraw─▶ withdrawn

Escalation (挂牌督办) is a mark on the case, not a state. Outcomes of a resolution
(resolved / not_responsible / unresolved) are kept apart from the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DomainError(Exception):
    """A request that breaks a rule of the domain; adapters turn it into a clear message."""


class IllegalTransition(DomainError):
    def __init__(self, status: Status, action: Action) -> None:
        self.status = status
        self.action = action
        super().__init__(f"cannot {action.value} a case that is {status.value}")


class Status(StrEnum):
    NEW = "new"
    ROUTED = "routed"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    AWAITING_RESIDENT = "awaiting_resident"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    NOT_RESPONSIBLE = "not_responsible"
    UNRESOLVED = "unresolved"


class Action(StrEnum):
    ROUTE = "route"
    ACCEPT = "accept"
    START = "start"
    ASK_RESIDENT = "ask_resident"
    RESIDENT_ANSWERED = "resident_answered"
    TRANSFER = "transfer"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"


OPEN_STATES = frozenset(
    {
        Status.NEW,
        Status.ROUTED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.AWAITING_RESIDENT,
    }
)
FINAL_STATES = frozenset({Status.CLOSED, Status.WITHDRAWN})
# The same sets as plain values, for SQL `IN` clauses and JSON.
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in Status if s in OPEN_STATES)
FINAL_STATUSES: tuple[str, ...] = tuple(s.value for s in Status if s in FINAL_STATES)
# Staff may write to the resident once a department has the case, and after resolving it.
REPLY_STATES = (OPEN_STATES - {Status.NEW}) | {Status.RESOLVED}

_S, _A = Status, Action
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (_S.NEW, _A.ROUTE): _S.ROUTED,
    (_S.ROUTED, _A.ACCEPT): _S.ACCEPTED,
    (_S.ACCEPTED, _A.START): _S.IN_PROGRESS,
    (_S.ACCEPTED, _A.ASK_RESIDENT): _S.AWAITING_RESIDENT,
    (_S.IN_PROGRESS, _A.ASK_RESIDENT): _S.AWAITING_RESIDENT,
    (_S.AWAITING_RESIDENT, _A.RESIDENT_ANSWERED): _S.IN_PROGRESS,
    (_S.ROUTED, _A.TRANSFER): _S.ROUTED,
    (_S.ACCEPTED, _A.TRANSFER): _S.ROUTED,
    (_S.IN_PROGRESS, _A.TRANSFER): _S.ROUTED,
    (_S.AWAITING_RESIDENT, _A.TRANSFER): _S.ROUTED,
    (_S.ROUTED, _A.RESOLVE): _S.RESOLVED,
    (_S.ACCEPTED, _A.RESOLVE): _S.RESOLVED,
    (_S.IN_PROGRESS, _A.RESOLVE): _S.RESOLVED,
    (_S.AWAITING_RESIDENT, _A.RESOLVE): _S.RESOLVED,
    (_S.RESOLVED, _A.CLOSE): _S.CLOSED,
    (_S.RESOLVED, _A.REOPEN): _S.IN_PROGRESS,
    (_S.CLOSED, _A.REOPEN): _S.IN_PROGRESS,
    **{(state, _A.WITHDRAW): _S.WITHDRAWN for state in OPEN_STATES},
}


def next_status(status: Status | str, action: Action | str) -> Status:
    """The state a case moves to; raises IllegalTransition when the move is not allowed."""
    status, action = Status(status), Action(action)
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(status, action) from None


def is_open(status: Status | str) -> bool:
    return Status(status) in OPEN_STATES


def is_final(status: Status | str) -> bool:
    return Status(status) in FINAL_STATES


def may_reply(status: Status | str) -> bool:
    return Status(status) in REPLY_STATES


def allowed_actions(status: Status | str) -> list[Action]:
    """Every lifecycle move out of `status`, whoever makes it."""
    status = Status(status)
    return [action for (state, action) in TRANSITIONS if state == status]


# The workspace's names for what staff do to a case; "ask" is Action.ASK_RESIDENT and "reply"
# is a message, not a move.
_STAFF_MOVES = (
    ("accept", Action.ACCEPT),
    ("start", Action.START),
    ("ask", Action.ASK_RESIDENT),
    ("transfer", Action.TRANSFER),
    ("resolve", Action.RESOLVE),
    ("reopen", Action.REOPEN),
)
STAFF_ACTIONS: tuple[str, ...] = (
    "accept",
    "start",
    "reply",
    "ask",
    "transfer",
    "resolve",
    "reopen",
)


def staff_actions(status: Status | str) -> tuple[str, ...]:
    """What staff may do to a case in `status`, by workspace action name, in STAFF_ACTIONS
    order. Who may do which (reopen is a supervisor's call) is the access rules' business."""
    status = Status(status)
    allowed = {name for name, action in _STAFF_MOVES if (status, action) in TRANSITIONS}
    if status in REPLY_STATES:
        allowed.add("reply")
    return tuple(name for name in STAFF_ACTIONS if name in allowed)


@dataclass(frozen=True)
class Transition:
    """One legal move, as the event log records it."""

    action: Action
    before: Status
    after: Status
    implied_acceptance: bool = False


def plan(status: Status | str, action: Action | str) -> list[Transition]:
    """The moves an action makes, in order.

    Resolving straight from `routed` implies the department accepted the case first; that
    acceptance is logged as its own event so response-rate figures see it.
    """
    status, action = Status(status), Action(action)
    after = next_status(status, action)
    if action is Action.RESOLVE and status is Status.ROUTED:
        return [
            Transition(Action.ACCEPT, Status.ROUTED, Status.ACCEPTED, implied_acceptance=True),
            Transition(Action.RESOLVE, Status.ACCEPTED, Status.RESOLVED),
        ]
    return [Transition(action, status, after)]
