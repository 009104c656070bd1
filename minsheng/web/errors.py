"""Domain errors → HTTP status, in one place. Every error body is {"detail": ...}."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError

from minsheng.services.access.staff import AccessDenied, NotAuthenticated
from minsheng.services.errors import (
    CaseNotFound,
    ConcurrencyConflict,
    DomainError,
    IllegalTransition,
    InvalidRequest,
)


class PreconditionRequired(InvalidRequest):
    """An action sent without the case version it was based on."""


# Most specific first: the first matching class decides the status.
STATUS_OF: tuple[tuple[type[Exception], int], ...] = (
    (CaseNotFound, 404),
    (ConcurrencyConflict, 409),
    (StaleDataError, 409),
    (IllegalTransition, 409),
    (NotAuthenticated, 401),
    (AccessDenied, 403),
    (PreconditionRequired, 428),
    (InvalidRequest, 400),
    (DomainError, 400),
)


def status_for(exc: Exception) -> int:
    for cls, status in STATUS_OF:
        if isinstance(exc, cls):
            return status
    return 500


def detail_for(exc: Exception) -> str:
    if isinstance(exc, CaseNotFound):
        return f"no case {exc.reference}"
    if isinstance(exc, StaleDataError):
        return "the case was changed by someone else at the same time; reload it and retry"
    return str(exc)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": detail_for(exc)}, status_code=status, headers=headers)


def printable(value: Any, depth: int = 0) -> Any:
    """A validation error's echo of the input, made safe to encode: unpaired surrogates
    become '?', NaN and infinities null, and deep structures are cut short."""
    if depth > 8:
        return "…"
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {printable(k, depth + 1): printable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v, depth + 1) for v in value]
    return value


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = printable(jsonable_encoder(exc.errors()))
    return JSONResponse({"detail": detail}, status_code=422)


def install(application: FastAPI) -> None:
    application.add_exception_handler(RequestValidationError, _validation_error)
    # CaseNotFound is a LookupError, not a DomainError, so it is registered on its own.
    application.add_exception_handler(CaseNotFound, _domain_error)
    application.add_exception_handler(DomainError, _domain_error)
    # Two writers racing past the version check: the loser's UPDATE matches no row. Use cases
    # flush before they commit, so this can surface outside UnitOfWork.commit's translation.
    application.add_exception_handler(StaleDataError, _domain_error)
