"""The chat's project phase (pure: commands in, commands and replies out) and the projects
section of config.yml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot import dialogue
from bot.dialogue import Context, Event, Result
from bot.dialogue.project_commands import (
    BackProject,
    ListProjects,
    MyProjects,
    OpenProject,
    RateProject,
    Subscribe,
    Unsubscribe,
)
from minsheng.config.settings import PROJECT_ROOT, ConfigError, load_settings

CTX = Context(today=dt.date(2026, 6, 1))
REF = "PJ-2026-7KQ2"


def commands(text: str | None = None, tap: str | None = None) -> list[object]:
    return list(dialogue.handle(None, Event(text=text, callback=tap), CTX)[2])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/projects", ListProjects()),
        ("民生实事", ListProjects()),
        ("/myprojects", MyProjects()),
        ("我的项目", MyProjects()),
        ("/subscribe transport", Subscribe("domain", "transport")),
        ("/subscribe 朝阳区", Subscribe("area", "朝阳区")),
        ("/unsubscribe", Unsubscribe()),
    ],
)
def test_project_commands_and_their_plain_words_become_commands(
    text: str, expected: object
) -> None:
    assert commands(text) == [expected]


def test_project_buttons_back_open_and_rate_and_junk_is_a_stale_button() -> None:
    assert commands(tap=f"pjb:{REF}") == [BackProject(REF)]
    assert commands(tap=f"pjo:{REF}") == [OpenProject(REF)]
    assert commands(tap=f"pjr:{REF}:4") == [RateProject(REF, 4)]
    _, replies, cmds = dialogue.handle(None, Event(callback=f"pjr:{REF}:9"), CTX)
    assert cmds == [] and replies


def test_the_project_list_has_one_back_button_per_project_in_the_residents_language() -> None:
    rows = [
        {"reference": REF, "title": "菜市场", "domain": "housing", "backers": 3},
        {"reference": "PJ-2026-AAAA", "title": "Lights", "domain": "transport", "backers": 0},
    ]
    state = {**dialogue.new_state(), "lang": "en"}
    _, replies = dialogue.after(
        state, ListProjects(), Result(ok=True, data={"projects": rows}), CTX
    )
    assert [b.data for row in replies[0].buttons for b in row] == [f"pjb:{REF}", "pjb:PJ-2026-AAAA"]
    assert "3 backing" in replies[0].text


def test_backing_twice_gets_a_kind_word_and_a_closed_project_is_explained() -> None:
    state = {**dialogue.new_state(), "lang": "zh"}
    again = Result(ok=True, data={"backed": False, "title": "菜市场", "backers": 5})
    assert "已经支持过" in dialogue.after(state, BackProject(REF), again, CTX)[1][0].text
    closed = Result(ok=False, error="not_backable")
    assert "不在点单阶段" in dialogue.after(state, BackProject(REF), closed, CTX)[1][0].text


def test_help_mentions_the_project_commands() -> None:
    _, replies, _ = dialogue.handle(None, Event(text="/help"), CTX)
    assert "/projects" in replies[0].text


def _write(tmp_path: Path, projects: object) -> Path:
    data = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    data["projects"] = projects
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_milestone_schedule_is_50_80_100_by_quarter_ends() -> None:
    cfg = load_settings(PROJECT_ROOT / "config.yml", env={}).projects
    assert [(m.month, m.day, m.percent) for m in cfg.schedule] == [
        (6, 30, 50),
        (9, 30, 80),
        (12, 31, 100),
    ]
    assert cfg.warning_working_days == 10 and cfg.min_sample == 5


def test_a_schedule_that_does_not_increase_is_refused_naming_the_section(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "schedule": [
                {"month": 9, "day": 30, "percent": 80},
                {"month": 6, "day": 30, "percent": 50},
            ]
        },
    )
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert any(p.startswith("projects") for p in err.value.problems)
