"""Logging to stderr, with personal data (minsheng.redaction) and tokens masked in every record."""

from __future__ import annotations

import logging
import sys

from minsheng.redaction import mask


def redact(text: str) -> str:
    """Personal data and credentials out of a log line (minsheng.redaction)."""
    return mask(text, tokens=True)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
