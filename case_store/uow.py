"""A unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from case_store.lifecycle import DomainError
from case_store.repository import CaseRepository


class ConcurrencyConflict(DomainError):
    """Someone else changed the record since it was read; reload and try again."""


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._after_commit: list[Callable[[], None]] = []
        self.session: Session
        self.cases: CaseRepository

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.cases = CaseRepository(self.session)
        self._after_commit = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
        # A flush inside the use case meets a concurrent writer's change before commit does;
        # callers should see the same conflict either way.
        if isinstance(exc, StaleDataError):
            raise ConcurrencyConflict(
                "the case was changed by someone else at the same time; reload it and retry"
            ) from exc

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as exc:
            self.session.rollback()
            raise ConcurrencyConflict(
                "the case was changed by someone else at the same time; reload it and retry"
            ) from exc
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self.session.rollback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this unit of work has committed, never if it rolls back."""
        self._after_commit.append(callback)
