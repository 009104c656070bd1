"""Small pieces several phases share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot import texts
from bot.dialogue.model import Button, Reply, Result
from bot.texts import t


def cancel_row(lang: str) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t(lang, "btn_cancel"), "x"),),)


def shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def due_date(lang: str, value: Any, provisional: Any = False) -> str:
    """A deadline; "about" it when the year's official holiday calendar is not out yet."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return "—"
    return texts.due_text(lang, value, provisional=bool(provisional))


def failure_text(lang: str, result: Result, ref: str, default_key: str) -> str:
    if result.error == "not_found":
        return t(lang, "case_not_found", ref=ref)
    if result.error == "failed":
        return t(lang, "error")
    return t(lang, default_key, ref=ref)


def as_location(value: Any) -> tuple[float, float] | None:
    return (float(value[0]), float(value[1])) if value else None


def label(nlu: Mapping[str, Any], axis: str, default: str) -> tuple[str, float]:
    """The NLU's label on one axis (domain, urgency, kind) and its confidence."""
    value = nlu.get(axis)
    if isinstance(value, Mapping) and value.get("name"):
        return str(value["name"]), float(value.get("confidence") or 0.0)
    return default, 0.0


def skippable(lang: str, key: str) -> Reply:
    """A question the resident may pass over (the place and number after an urgent case)."""
    return Reply(t(lang, key), ((Button(t(lang, "btn_skip"), "us"),),))
