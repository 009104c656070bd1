"""Transfers: a department returns a misrouted case with a reason and a target.

The target is another department or the triage desk (None). A case returned more than
`max_bounces` times (default 2) goes to the triage supervisor, who decides. A transfer never
touches the SLA clocks: the outcome carries the case's clock unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

RULE_REQUESTED_TARGET = "requested_target"
RULE_TO_TRIAGE = "to_triage"
RULE_TOO_MANY_BOUNCES = "too_many_bounces"

ClockT = TypeVar("ClockT")


@dataclass(frozen=True)
class TransferPolicy:
    triage_department: str
    triage_supervisor: str
    max_bounces: int = 2

    def __post_init__(self) -> None:
        if self.max_bounces < 0:
            raise ValueError("max_bounces must not be negative")


@dataclass(frozen=True)
class TransferRequest:
    from_department: str
    reason: str
    target_department: str | None = None  # None: back to the triage desk


@dataclass(frozen=True)
class TransferDecision(Generic[ClockT]):
    department: str
    rule: str
    bounce_count: int
    reason: str
    clock: ClockT


def decide_transfer(
    request: TransferRequest, bounces_so_far: int, policy: TransferPolicy, clock: ClockT
) -> TransferDecision[ClockT]:
    """Where a returned case goes; `bounce_count` in the decision includes this return."""
    reason = request.reason.strip()
    if not reason:
        raise ValueError("a department returning a case must give a reason")
    if request.target_department == request.from_department:
        raise ValueError("a department cannot transfer a case to itself")
    if bounces_so_far < 0:
        raise ValueError("bounces_so_far must not be negative")
    bounces = bounces_so_far + 1
    if bounces > policy.max_bounces:
        return TransferDecision(
            policy.triage_supervisor, RULE_TOO_MANY_BOUNCES, bounces, reason, clock
        )
    if request.target_department is None:
        return TransferDecision(policy.triage_department, RULE_TO_TRIAGE, bounces, reason, clock)
    return TransferDecision(
        request.target_department, RULE_REQUESTED_TARGET, bounces, reason, clock
    )
