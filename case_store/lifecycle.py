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


OPEN_STATES = frozenset({
    Status.NEW, Status.ROUTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.AWAITING_RESIDENT,
})
FINAL_STATES = frozenset({Status.CLOSED, Status.WITHDRAWN})

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


def allowed_actions(status: Status | str) -> list[Action]:
    status = Status(status)
    return [action for (state, action) in TRANSITIONS if state == status]


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
