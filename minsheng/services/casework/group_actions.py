"""Staff acting from their department's Telegram group: accepting an urgent case from the
notice's button. The same accept use case as the console and the API — scope checked on
the loaded case, the first response counted, the resident told — plus an audit entry naming
the member and the Telegram account that pressed the button.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from case_store.models import AuditLog, Case
from minsheng.services.access import telegram_link
from minsheng.services.access.staff import AccessDenied
from minsheng.services.bootstrap import App
from minsheng.services.casework import workspace_actions
from minsheng.services.errors import (
    CaseNotFound,
    ConcurrencyConflict,
    IllegalTransition,
    InvalidRequest,
)


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    NOT_LINKED = "not_linked"  # the Telegram account is not linked to an active login
    NOT_ALLOWED = "not_allowed"  # outside the member's scope, or a role that may not
    ALREADY = "already"  # the case is past acceptance (someone was first)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    reference: str
    member_name: str | None = None


def accept_from_group(app: App, telegram_user_id: int, reference: str) -> Result:
    member = telegram_link.member_for(app, telegram_user_id)
    if member is None:
        return Result(Outcome.NOT_LINKED, reference)
    with app.uow() as uow:
        version = uow.session.scalar(select(Case.version).where(Case.reference == reference))
    if version is None:
        return Result(Outcome.NOT_ALLOWED, reference, member.name)
    try:
        workspace_actions.accept(app, member, reference, version=int(version))
    except (CaseNotFound, AccessDenied):
        return Result(Outcome.NOT_ALLOWED, reference, member.name)
    except (IllegalTransition, ConcurrencyConflict, InvalidRequest):
        return Result(Outcome.ALREADY, reference, member.name)
    with app.uow() as uow:
        uow.session.add(
            AuditLog(
                at=app.now(),
                actor=member.actor,
                action="case_accepted_in_group",
                subject=reference,
                detail={"telegram_user_id": telegram_user_id},
            )
        )
        uow.commit()
    return Result(Outcome.ACCEPTED, reference, member.name)
