"""Livelihood projects in the chat: /projects (one button backs one), /myprojects,
/subscribe and /unsubscribe, the project buttons of announcements and the rating keyboard.

Commands: pjb:REF backs, pjo:REF opens (counted for awareness), pjr:REF:N rates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot import texts
from bot.dialogue.model import Button, Reply, Result, State, Turn
from bot.dialogue.project_commands import (
    PROJECT_COMMANDS,
    BackProject,
    ListProjects,
    MyProjects,
    OpenProject,
    ProjectCommand,
    RateProject,
    Subscribe,
    Unsubscribe,
)
from bot.texts import t
from case_store.taxonomy import DOMAINS

__all__ = ["PROJECT_COMMANDS", "after", "my_data_lines", "on_callback", "on_command"]

COMMANDS = ("projects", "myprojects", "subscribe", "unsubscribe")
CALLBACKS = ("pjb", "pjo", "pjr")
_PROJECT_REF = re.compile(r"PJ-\d{4}-[0-9A-Z]{4}")


def on_command(s: State, name: str, arg: str) -> Turn | None:
    """The turn for a project command, or None when `name` is not one."""
    lang = s["lang"]
    if name == "projects":
        return s, [], [ListProjects()]
    if name == "myprojects":
        return s, [], [MyProjects()]
    if name == "subscribe":
        value = arg.strip()
        if not value:
            return s, [Reply(t(lang, "pj_subscribe_ask"))], []
        kind = "domain" if value.lower() in DOMAINS else "area"
        return s, [], [Subscribe(kind, value.lower() if kind == "domain" else value)]
    if name == "unsubscribe":
        return s, [], [Unsubscribe()]
    return None


def on_callback(s: State, kind: str, rest: str) -> Turn | None:
    if kind == "pjb" and _PROJECT_REF.fullmatch(rest):
        return s, [], [BackProject(rest)]
    if kind == "pjo" and _PROJECT_REF.fullmatch(rest):
        return s, [], [OpenProject(rest)]
    if kind == "pjr":
        ref, _, score = rest.rpartition(":")
        if _PROJECT_REF.fullmatch(ref) and score in {"1", "2", "3", "4", "5"}:
            return s, [], [RateProject(ref, int(score))]
    return None


def _what(lang: str, kind: str, value: str) -> str:
    return texts.domain_name(lang, value) if kind == "domain" else value


def _detail(lang: str, p: Mapping[str, Any]) -> Reply:
    return Reply(
        t(
            lang,
            "pj_detail",
            ref=p["reference"],
            title=p["title"],
            stage=texts.project_stage_name(lang, p["stage"]),
            backers=p["backers"],
            progress=p["progress"],
            supervised=t(lang, "pj_supervised_mark") if p.get("supervised") else "",
        )
    )


def after(s: State, command: ProjectCommand, result: Result) -> tuple[State, list[Reply]]:
    lang = s["lang"] or "zh"
    data = result.data
    ref = getattr(command, "reference", "")
    if not result.ok:
        key = {
            "not_found": "pj_not_found",
            "not_backable": "pj_not_backable",
            "not_ratable": "pj_not_ratable",
        }.get(result.error or "", "pj_failed")
        return s, [Reply(t(lang, key, ref=ref))]
    if isinstance(command, ListProjects):
        rows = list(data.get("projects") or [])
        if not rows:
            return s, [Reply(t(lang, "pj_none_open"))]
        lines = [t(lang, "pj_open_list")]
        buttons = []
        for p in rows:
            lines.append(
                t(
                    lang,
                    "pj_line",
                    ref=p["reference"],
                    title=p["title"],
                    domain=texts.domain_name(lang, p["domain"]),
                    backers=p["backers"],
                )
            )
            buttons.append(
                (Button(t(lang, "pj_btn_back", ref=p["reference"]), f"pjb:{p['reference']}"),)
            )
        return s, [Reply("\n".join(lines), tuple(buttons))]
    if isinstance(command, MyProjects):
        rows = list(data.get("projects") or [])
        if not rows:
            return s, [Reply(t(lang, "pj_mine_none"))]
        lines = [t(lang, "pj_mine")] + [
            t(
                lang,
                "pj_mine_line",
                ref=p["reference"],
                title=p["title"],
                stage=texts.project_stage_name(lang, p["stage"]),
                progress=p["progress"],
            )
            for p in rows
        ]
        return s, [Reply("\n".join(lines))]
    if isinstance(command, BackProject):
        key = "pj_backed" if data.get("backed") else "pj_already_backed"
        return s, [
            Reply(t(lang, key, ref=ref, title=data.get("title"), backers=data.get("backers")))
        ]
    if isinstance(command, OpenProject):
        return s, [_detail(lang, data)]
    if isinstance(command, RateProject):
        key = "pj_rate_thanks" if data.get("rated") else "pj_already_rated"
        return s, [Reply(t(lang, key, ref=ref, score=texts.stars(command.score)))]
    if isinstance(command, Subscribe):
        key = "pj_subscribed" if data.get("created") else "pj_already_subscribed"
        return s, [Reply(t(lang, key, what=_what(lang, command.kind, command.value)))]
    count = int(data.get("removed") or 0)
    if not count:
        return s, [Reply(t(lang, "pj_no_subscriptions"))]
    return s, [Reply(t(lang, "pj_unsubscribed", count=count))]


def my_data_lines(lang: str, data: Mapping[str, Any]) -> list[str]:
    """The project part of /mydata."""
    lines = []
    for b in data.get("project_backings") or []:
        lines.append(
            ("支持项目 " if lang != "en" else "Backed project ") + f"{b['project']} ({b['at']})"
        )
    for r in data.get("project_ratings") or []:
        lines.append(
            ("项目评分 " if lang != "en" else "Rated project ") + f"{r['project']}: {r['score']}"
        )
    for sub in data.get("subscriptions") or []:
        lines.append(
            ("订阅 " if lang != "en" else "Subscribed to ") + _what(lang, sub["kind"], sub["value"])
        )
    return lines
