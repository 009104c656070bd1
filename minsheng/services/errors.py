"""Errors the service layer raises; every adapter maps them to a clear message."""

from __future__ import annotations

from case_store.lifecycle import DomainError, IllegalTransition
from case_store.repository import CaseNotFound
from case_store.uow import ConcurrencyConflict


class InvalidRequest(DomainError):
    """The request is malformed: an unknown department, an empty note, a score of 7..."""


__all__ = [
    "CaseNotFound",
    "ConcurrencyConflict",
    "DomainError",
    "IllegalTransition",
    "InvalidRequest",
]
