"""Logging to stderr, with phone numbers, ID numbers and tokens masked in every record."""

from __future__ import annotations

import logging
import re
import sys

_PATTERNS = [
    # Mainland resident ID numbers: 17 digits and a check digit or X.
    (re.compile(r"(?<!\d)\d{6}(?:18|19|20)\d{2}\d{7}[\dXx](?!\d)"), "[id-number]"),
    # Mobile numbers, with or without separators or +86.
    (re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"), "[phone]"),
    # Landlines such as 0571-8765 4321.
    (re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"), "[phone]"),
    # Telegram bot tokens (digits:35 chars) and bearer tokens.
    (re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}"), "[token]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{16,}"), r"\1[token]"),
    (re.compile(r"(/bot)[^/\s]+"), r"\1[token]"),
    # Secrets in query strings (access-log lines carry the whole URL): ?api_key=…, &token=…
    (
        re.compile(
            r"(?i)([?&;](?:[a-z0-9]*[_-])?"
            r"(?:api[_-]?key|key|token|secret|password|passwd|pwd|auth|signature|sig|csrf)"
            r"(?:[_-][a-z0-9_-]*)?=)[^&;#\s\"']*"
        ),
        r"\1[redacted]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


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
