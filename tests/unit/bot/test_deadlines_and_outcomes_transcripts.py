"""Transcripts of what a resident reads about deadlines not yet settled and about outcomes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.dialogue import Result

REF = "MS-2611-ABC123"


@pytest.mark.parametrize(
    ("lang", "about", "caveat"),
    [
        ("zh", "约2027年1月21日", "以国务院办公厅公布的节假日安排为准"),
        ("en", "about 21 January 2027", "the exact date follows the official holiday calendar"),
    ],
)
def test_a_provisional_deadline_is_given_as_about_a_date_at_submission(
    chat, helpers, lang: str, about: str, caveat: str
) -> None:
    c = chat(language_hint=lang)
    c.say("/new")
    c.say("人民路路灯不亮", helpers.nlu("transport", language=lang, places=["人民路"]))
    c.tap("ct:y")
    c.tap("ok")
    result = helpers.created()
    data = {
        **result.data,
        "resolution_due": dt.date(2027, 1, 21),
        "resolution_due_provisional": True,
    }
    (created,) = c.complete(Result(ok=True, data=data))
    assert about in created.text and caveat in created.text


def test_a_settled_deadline_is_given_as_a_plain_date(chat, helpers) -> None:
    c = chat()
    c.say("/new")
    c.say("人民路路灯不亮", helpers.nlu("transport", places=["人民路"]))
    c.tap("ct:y")
    c.tap("ok")
    (created,) = c.complete(helpers.created())
    assert "2026年12月14日前办结" in created.text and "约" not in created.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_status_of_a_case_with_a_provisional_deadline_says_about(chat, helpers, lang) -> None:
    case = dataclasses.replace(
        helpers.case(due=dt.date(2027, 1, 21)), resolution_due_provisional=True
    )
    c = chat(cases=[case], language_hint=lang)
    (reply,) = c.say("/status")
    assert {"zh": "约2027年1月21日", "en": "about 21 January 2027"}[lang] in reply.text
    assert {"zh": "节假日安排为准", "en": "official holiday calendar"}[lang] in reply.text


@pytest.mark.parametrize(
    ("outcome", "zh", "en"),
    [
        ("not_responsible", "不属于职责范围", "not their responsibility"),
        ("unresolved", "未能解决", "not solved"),
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_case_that_was_not_solved_does_not_read_as_resolved(
    chat, helpers, lang: str, outcome: str, zh: str, en: str
) -> None:
    case = dataclasses.replace(helpers.case(status="closed", rating=3), outcome=outcome)
    c = chat(cases=[case], language_hint=lang)
    (reply,) = c.say(f"/status {REF}")
    assert {"zh": zh, "en": en}[lang] in reply.text
    (listing,) = c.say("/mycases")
    assert {"zh": zh, "en": en}[lang] in listing.text
