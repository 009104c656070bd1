"""The service layer without a database: a fake unit of work holding cases in memory.

The use cases reach their case through `uow.cases` and write through `uow.session`; the fake
session only collects what is added. Use cases that query the session for anything else
(ratings, outbox keys for a resident's notifications) still need the integration tier.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from case_store.models import Case
from case_store.repository import CaseNotFound
from minsheng.config.settings import Settings
from minsheng.services.bootstrap import App

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


class FakeSession:
    def __init__(self) -> None:
        self.added: list[Any] = []

    def add(self, obj: Any) -> None:
        self.added.append(obj)

    def flush(self) -> None:
        pass


class FakeCaseRepository:
    def __init__(self, cases: dict[str, Case]) -> None:
        self._cases = cases

    def get(self, reference: str) -> Case:
        try:
            return self._cases[reference]
        except KeyError:
            raise CaseNotFound(reference) from None


class FakeUnitOfWork:
    """Keeps what a committed unit wrote in `written`; an uncommitted one leaves no trace."""

    def __init__(self) -> None:
        self.store: dict[str, Case] = {}
        self.written: list[Any] = []
        self.commits = 0

    def __enter__(self) -> FakeUnitOfWork:
        self.cases = FakeCaseRepository(self.store)
        self.session = FakeSession()
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def commit(self) -> None:
        self.written.extend(self.session.added)
        self.commits += 1


class FakeApp(App):
    def __init__(self, settings: Settings, uow: FakeUnitOfWork) -> None:
        super().__init__(
            settings=settings,
            engine=None,
            session_factory=None,  # type: ignore[arg-type]
            clock=lambda: NOW,
        )
        self._uow = uow

    def uow(self) -> FakeUnitOfWork:  # type: ignore[override]
        return self._uow


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def app(base_settings: Settings, uow: FakeUnitOfWork) -> FakeApp:
    return FakeApp(base_settings, uow)


@pytest.fixture
def on_file(uow: FakeUnitOfWork) -> Any:
    """Put a case in the fake store: a transport request, no resident, in `status`."""

    def make(status: str, reference: str = "MS-2611-AAAAAA", **fields: Any) -> Case:
        case = Case(
            reference=reference,
            access_token="t",
            channel="cli",
            language="zh",
            domain="transport",
            urgency="normal",
            kind="demand",
            description="人民路路灯不亮",
            status=status,
            department="transport_bureau",
            bounce_count=0,
            resolution_round=1,
            escalated=False,
            identity_withdrawn=False,
            resolution_provisional=False,
            details={},
            created_at=NOW,
            updated_at=NOW,
            **fields,
        )
        uow.store[reference] = case
        return case

    return make
