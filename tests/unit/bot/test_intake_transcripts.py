"""Transcripts of intake: the resident writes, the bot asks only what is missing, then submits."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dialogue import Result, Submit

STREETLIGHT = {
    "zh": "小区门口的路灯坏了三天了",
    "en": "The street light outside my building is broken",
}
ADDRESS = {"zh": "幸福里小区3号楼", "en": "Building 3, Xingfuli Estate"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_streetlight_report_asks_where_and_consent_then_confirms_with_a_dated_reference(
    chat, helpers, lang: str
) -> None:
    c = chat()
    replies = c.say(STREETLIGHT[lang], helpers.nlu("transport", language=lang))
    assert len(replies) == 1
    assert {"zh": "在哪里", "en": "Where is it"}[lang] in replies[0].text
    assert c.commands == []

    replies = c.say(ADDRESS[lang])
    assert helpers.buttons(replies[0]) == [
        ({"zh": "可以", "en": "Yes"}[lang], "ct:y"),
        ({"zh": "不用", "en": "No"}[lang], "ct:n"),
    ]

    (summary,) = c.tap("ct:y")
    for expected in {
        "zh": ["交通出行", "一般", "交通运输局", ADDRESS["zh"], STREETLIGHT["zh"]],
        "en": ["Transport", "Normal", "Transport Bureau", ADDRESS["en"]],
    }[lang]:
        assert expected in summary.text
    assert "MS-" not in summary.text  # no reference before the case exists
    assert [data for _, data in helpers.buttons(summary)] == ["ok", "dom", "x"]
    assert helpers.buttons(summary)[0][0] == {"zh": "确认", "en": "Confirm"}[lang]

    assert c.tap("ok") == []
    (command,) = c.commands
    assert isinstance(command, Submit)
    assert (
        command.domain,
        command.urgency,
        command.address,
        command.consent,
        command.language,
    ) == ("transport", "normal", ADDRESS[lang], True, lang)

    (created,) = c.complete(helpers.created())
    assert "MS-2611-ABC123" in created.text
    assert {"zh": "交通运输局", "en": "Transport Bureau"}[lang] in created.text
    assert {
        "zh": "30 个工作日内，即 2026年12月14日前办结",
        "en": "within 30 working days, by 14 December 2026",
    }[lang] in created.text
    assert c.step == "idle"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_place_named_in_the_message_is_not_asked_for_again(chat, helpers, lang: str) -> None:
    c = chat()
    c.say(STREETLIGHT[lang], helpers.nlu("transport", language=lang, places=[ADDRESS[lang]]))
    assert c.step == "consent"


def test_a_shared_location_answers_the_where_question(chat, helpers) -> None:
    c = chat()
    c.say(STREETLIGHT["zh"], helpers.nlu("transport"))
    assert c.step == "location"
    (reply,) = c.send(location=(30.27, 120.15))
    assert reply.buttons[0][0].data == "ct:y"
    assert c.step == "consent"
    c.tap("ct:y")
    assert c.step == "confirm"
    c.tap("ok")
    assert c.commands[0].location == (30.27, 120.15)


def test_a_question_about_a_policy_needs_no_place(chat, helpers) -> None:
    c = chat()
    c.say("今年中小学暑假从哪天开始放？", helpers.nlu("education", kind="inquiry"))
    assert c.step == "consent"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_too_short_address_gets_a_clear_request_for_more(chat, helpers, lang: str) -> None:
    c = chat()
    c.say(STREETLIGHT[lang], helpers.nlu("transport", language=lang))
    (reply,) = c.say("x")
    assert {"zh": "地址太短", "en": "too short"}[lang] in reply.text
    assert c.step == "location"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_low_confidence_lets_the_resident_pick_the_area_from_buttons(
    chat, helpers, lang: str
) -> None:
    c = chat()
    (reply,) = c.say(
        {"zh": "有个事情想反映一下", "en": "I want to report something"}[lang],
        helpers.nlu("other", 0.31, language=lang, low_confidence=True),
    )
    data = [d for _, d in helpers.buttons(reply)]
    assert data[:12] == [
        f"d:{d}"
        for d in (
            "education",
            "healthcare",
            "elderly_care",
            "housing",
            "utilities",
            "transport",
            "environment",
            "public_safety",
            "social_security",
            "community",
            "market",
            "other",
        )
    ]
    assert data[-1] == "x"
    c.tap("d:education")
    c.tap("ct:n")
    assert c.tap("ok") == []
    command = c.commands[0]
    assert command.domain == "education" and command.domain_chosen
    assert command.consent is False


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_area_can_be_typed_instead_of_tapped(chat, helpers, lang: str) -> None:
    c = chat()
    c.say("有个事情", helpers.nlu("other", 0.2, language=lang, low_confidence=True))
    (reply,) = c.say({"zh": "？？", "en": "??"}[lang])
    assert c.step == "pick_domain"
    assert {"zh": "请点下面的按钮", "en": "Please tap"}[lang] in reply.text
    c.say({"zh": "教育", "en": "Education"}[lang])
    assert c.state["draft"]["domain"] == "education"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_area_can_be_changed_from_the_summary(chat, helpers, lang: str) -> None:
    c = chat()
    c.say(STREETLIGHT[lang], helpers.nlu("transport", language=lang, places=["幸福里"]))
    c.tap("ct:y")
    (reply,) = c.tap("dom")
    assert len([d for _, d in helpers.buttons(reply) if d.startswith("d:")]) == 12
    (summary,) = c.tap("d:housing")
    assert {"zh": "住房与物业", "en": "Housing and property"}[lang] in summary.text
    assert {"zh": "住房和城乡建设局", "en": "Housing and Urban-Rural"}[lang] in summary.text
    c.tap("ok")
    assert c.commands[0].domain == "housing"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cancel_leaves_the_intake_at_any_step(chat, helpers, lang: str) -> None:
    for steps in ([], ["幸福里"], ["幸福里", "ct:y"]):
        c = chat()
        c.say(STREETLIGHT[lang], helpers.nlu("transport", language=lang))
        for step in steps:
            c.tap(step) if step.startswith("ct:") else c.say(step)
        (reply,) = c.tap("x")
        assert {"zh": "已取消", "en": "Cancelled"}[lang] in reply.text
        assert c.step == "idle" and c.state["draft"] is None and c.commands == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_consent_is_asked_once_per_chat(chat, helpers, lang: str) -> None:
    c = chat()
    c.say(STREETLIGHT[lang], helpers.nlu("transport", language=lang, places=["幸福里"]))
    c.tap("ct:y")
    c.tap("ok")
    c.complete(helpers.created())
    c.say("另一件事", helpers.nlu("education", language=lang))
    assert c.step == "confirm"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_unclear_consent_answer_repeats_the_buttons(chat, helpers, lang: str) -> None:
    c = chat()
    c.say(STREETLIGHT[lang], helpers.nlu("transport", language=lang, places=["幸福里"]))
    (reply,) = c.say("maybe later")
    assert {"zh": "请点", "en": "Please tap"}[lang] in reply.text
    assert [d for _, d in helpers.buttons(reply)] == ["ct:y", "ct:n"]
    c.say({"zh": "可以", "en": "yes"}[lang])
    assert c.step == "confirm" and c.state["consent"] is True


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_text_at_the_summary_is_added_to_the_description(chat, helpers, lang: str) -> None:
    c = chat()
    c.say(STREETLIGHT[lang], helpers.nlu("transport", language=lang, places=["幸福里"]))
    c.tap("ct:y")
    added, summary = c.say({"zh": "晚上特别黑", "en": "It is very dark at night"}[lang])
    assert {"zh": "已补充", "en": "Added"}[lang] in added.text
    assert {"zh": "晚上特别黑", "en": "very dark at night"}[lang] in summary.text
    c.say({"zh": "确认", "en": "confirm"}[lang])
    assert c.commands[0].text.endswith({"zh": "晚上特别黑", "en": "It is very dark at night"}[lang])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_photo_before_the_words_is_kept_with_the_case(chat, helpers, lang: str) -> None:
    c = chat(language_hint=lang)
    (reply,) = c.send(has_photo=True)
    assert {"zh": "收到照片", "en": "Photo received"}[lang] in reply.text
    c.say(STREETLIGHT[lang], helpers.nlu("transport", language=lang, places=["幸福里"]))
    (summary,) = c.tap("ct:y")
    assert {"zh": "附件：照片", "en": "Attached: photo"}[lang] in summary.text
    c.tap("ok")
    assert c.commands[0].has_photo


def test_a_photo_at_the_summary_is_attached_and_the_summary_shown_again(chat, helpers) -> None:
    c = chat()
    c.say(STREETLIGHT["zh"], helpers.nlu("transport", places=["幸福里"]))
    c.tap("ct:y")
    (summary,) = c.send(has_photo=True)
    assert "附件：照片" in summary.text and c.step == "confirm"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_stale_button_is_explained_and_the_current_question_asked_again(
    chat, helpers, lang: str
) -> None:
    c = chat()
    c.say(STREETLIGHT[lang], helpers.nlu("transport", language=lang))
    expired, again = c.tap("ok")
    assert {"zh": "已过期", "en": "expired"}[lang] in expired.text
    assert {"zh": "在哪里", "en": "Where is it"}[lang] in again.text
    assert c.commands == []


def test_a_failed_submission_keeps_the_draft_so_confirm_can_be_tapped_again(chat, helpers) -> None:
    c = chat()
    c.say(STREETLIGHT["zh"], helpers.nlu("transport", places=["幸福里"]))
    c.tap("ct:y")
    c.tap("ok")
    (reply,) = c.complete(Result(ok=False, error="failed"))
    assert "没有成功" in reply.text and "MS-" not in reply.text
    assert c.step == "confirm"
    c.tap("ok")
    assert isinstance(c.commands[0], Submit)


def test_english_writing_switches_the_replies_to_english(chat, helpers) -> None:
    c = chat()
    (reply,) = c.say(
        "Pothole on Zhongshan Road",
        helpers.nlu("transport", language="en", places=["Zhongshan Road"]),
    )
    assert reply.text.startswith("Hello!") and "contact you" in reply.text


def test_a_chosen_language_is_kept_whatever_the_resident_writes(chat, helpers) -> None:
    c = chat()
    c.say("/lang en")
    (reply,) = c.say("路灯坏了", helpers.nlu("transport", places=["幸福里"]))
    assert "contact you" in reply.text


def test_the_first_message_of_a_new_chat_is_greeted_once(chat, helpers) -> None:
    c = chat()
    (first,) = c.say("问一下", helpers.nlu("education", kind="inquiry"))
    assert first.text.startswith("您好")
    c.tap("x")
    (second,) = c.say("再问一下", helpers.nlu("education", kind="inquiry"))
    assert not second.text.startswith("您好")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_messages_that_are_not_text_get_a_clear_answer(chat, lang: str) -> None:
    c = chat(language_hint=lang)
    (reply,) = c.send()
    assert {"zh": "请用文字描述", "en": "Please write it down"}[lang] in reply.text


def test_urgent_creation_reply_gives_the_first_response_time(chat, helpers) -> None:
    c = chat()
    c.say("家里煤气味很大", helpers.nlu("utilities", urgency="urgent", rules=["gas_leak"]))
    first = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    created, _ = c.complete(
        helpers.created(department="utilities_desk", first=first, urgency="urgent")
    )
    assert "2 小时内会有工作人员响应，即 2026年11月2日 12:00前" in created.text
