"""The resident's own settings and data: choosing a language, seeing and erasing what is
stored about them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import texts
from bot.dialogue import projects
from bot.dialogue.common import shorten
from bot.dialogue.model import (
    Button,
    Forget,
    Reply,
    Result,
    SetLanguage,
    State,
    Turn,
    new_state,
)
from bot.texts import t


def set_language(s: State, lang: str) -> Turn:
    s.update(lang=lang, lang_fixed=True)
    return s, [Reply(t(lang, "lang_set"))], [SetLanguage(lang)]


def language_command(s: State, arg: str) -> Turn:
    lang = s["lang"]
    if arg.lower() in texts.LANGUAGES:
        return set_language(s, arg.lower())
    return (
        s,
        [
            Reply(
                t(lang, "lang_which"), ((Button("中文", "lang:zh"), Button("English", "lang:en")),)
            )
        ],
        [],
    )


def ask_forget(s: State) -> Turn:
    lang = s["lang"]
    s.update(step="forget", draft=None, survey=None)
    return (
        s,
        [
            Reply(
                t(lang, "forget_confirm"),
                ((Button(t(lang, "btn_forget"), "fg:y"),), (Button(t(lang, "btn_cancel"), "x"),)),
            )
        ],
        [],
    )


def forget(s: State) -> Turn:
    s.update(step="idle", draft=None)
    return s, [], [Forget()]


def after_my_data(s: State, result: Result) -> tuple[State, list[Reply]]:
    lang = s["lang"] or "zh"
    if result.ok:
        return s, [Reply(my_data_text(lang, result.data))]
    return s, [Reply(t(lang, "error"))]


def after_forget(s: State, result: Result) -> tuple[State, list[Reply]]:
    lang = s["lang"] or "zh"
    if result.ok:
        return new_state() | {"lang": lang}, [Reply(t(lang, "forgotten"))]
    return s, [Reply(t(lang, "error"))]


def my_data_text(lang: str, data: Mapping[str, Any]) -> str:
    """What the service found stored about the resident, as one readable message."""
    identity = data.get("identity")
    if not identity and not data.get("cases"):
        return t(lang, "mydata_nothing")
    lines = [t(lang, "mydata_header")]
    if identity:
        lines.append(
            t(
                lang,
                "mydata_identity",
                channel=identity.get("channel"),
                name=identity.get("display_name") or "—",
                phone=identity.get("phone") or "—",
                since=identity.get("since"),
            )
        )
    for case in data.get("cases") or []:
        lines.append(
            t(
                lang,
                "mydata_case",
                ref=case["reference"],
                status=texts.status_name(lang, case["status"]),
                created=case["created"],
                text=shorten(str(case["description"]), 80),
                address=case.get("address") or "—",
                phone=case.get("phone") or "—",
                files=case.get("attachments", 0),
            )
        )
    for rating in data.get("ratings") or []:
        lines.append(
            t(
                lang,
                "mydata_rating",
                ref=rating["reference"],
                score=rating["score"],
                comment=rating.get("comment") or "—",
            )
        )
    lines += projects.my_data_lines(lang, data)
    lines.append(t(lang, "mydata_tail"))
    return "\n".join(lines)
