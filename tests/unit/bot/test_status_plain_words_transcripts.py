"""Transcripts of residents asking after their cases in their own words."""

from __future__ import annotations

import pytest

from bot.dialogue import parse_command

REF = "MS-2611-ABC123"


@pytest.mark.parametrize(
    "text",
    [
        "我刚才反映的那个事情现在怎么样了",
        "我刚才反映的那个事情现在怎么样了？",
        "进度如何",
        "进度如何？",
        "有人管吗",
        "有人管吗？？",
        "之前投诉的问题有结果了吗",
        "现在处理得怎么样了",
        "怎么还没人管啊",
        "what's the status?",
        "What is the status of my case?",
        "any update on my report?",
        "Any updates?",
        "is there any news about my complaint",
        "what's happening with my case?",
    ],
)
def test_status_questions_in_plain_words_are_understood(text: str) -> None:
    assert parse_command(text) == ("status", "")


@pytest.mark.parametrize(
    "text",
    [
        "进展太慢了，三个月都没人管我们小区的垃圾",
        "小区门口的路灯坏了，没有人管",
        "the status board at the bus stop is broken",
        "any update on the bus timetable would help, the 5 bus never comes",
    ],
)
def test_descriptions_that_sound_like_status_questions_stay_descriptions(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("zh", "我刚才反映的那个事情现在怎么样了"),
        ("zh", "有人管吗"),
        ("en", "what's the status?"),
        ("en", "any update on my report?"),
    ],
)
def test_a_status_question_with_an_open_case_gets_its_progress_not_a_new_case(
    chat, helpers, lang: str, text: str
) -> None:
    c = chat(cases=[helpers.case(status="in_progress")], language_hint=lang)
    (reply,) = c.say(text)
    assert not c.commands
    assert c.step == "idle"
    assert REF in reply.text
    assert {"zh": "办理中", "en": "in progress"}[lang] in reply.text
    assert {"zh": "2026年12月14日", "en": "14 December 2026"}[lang] in reply.text
