"""Queries the service layer needs, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from case_store.lifecycle import OPEN_STATUSES
from case_store.models import Case, Rating, Resident


class CaseNotFound(LookupError):
    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"no case {reference}")


class CaseRepository:
    """The cases of one unit of work, by reference."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, reference: str) -> Case:
        return get_case(self._session, reference)


def get_case(session: Session, reference: str, *, for_update: bool = False) -> Case:
    stmt = select(Case).where(Case.reference == reference)
    if for_update:
        stmt = stmt.with_for_update()
    case = session.scalars(stmt).unique().one_or_none()
    if case is None:
        raise CaseNotFound(reference)
    return case


def list_cases(
    session: Session,
    *,
    department: str | None = None,
    status: Sequence[str] | None = None,
    resident_id: int | None = None,
    open_only: bool = False,
    limit: int | None = None,
) -> list[Case]:
    stmt = select(Case).order_by(Case.created_at, Case.id)
    if department is not None:
        stmt = stmt.where(Case.department == department)
    if status:
        stmt = stmt.where(Case.status.in_(list(status)))
    if open_only:
        stmt = stmt.where(Case.status.in_(OPEN_STATUSES))
    if resident_id is not None:
        stmt = stmt.where(Case.resident_id == resident_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt).unique())


def latest_rating(session: Session, case_id: int) -> Rating | None:
    stmt = select(Rating).where(Rating.case_id == case_id).order_by(Rating.round.desc()).limit(1)
    return session.scalars(stmt).first()


def find_resident(session: Session, channel: str, external_id: str) -> Resident | None:
    stmt = select(Resident).where(Resident.channel == channel, Resident.external_id == external_id)
    return session.scalars(stmt).one_or_none()
