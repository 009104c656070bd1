"""Logging to stderr, with personal data (minsheng.redaction) and tokens masked in every record."""

from __future__ import annotations

import logging
import sys
from typing import Any

from minsheng.redaction import mask


def redact(text: str) -> str:
    """Personal data and credentials out of a log line (minsheng.redaction)."""
    return mask(text, tokens=True)


class RedactingFormatter(logging.Formatter):
    """Masks the message, the traceback and the stack; the time, level and logger name are
    ours and hold no personal data. Masking the whole line would let the timestamp's digits
    ("2026-12-07 14") pass for a phone number and send every line through the slow matcher."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = redact(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))


class RedactingFilter(logging.Filter):
    """Redacts a record's text arguments in place, whatever handler or format the operator
    chose (uvicorn's access log passes the URL, query string included, as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def protect_access_log() -> None:
    """Put the filter on uvicorn's loggers (idempotent)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def setup(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    protect_access_log()
