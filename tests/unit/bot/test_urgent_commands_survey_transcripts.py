"""Transcripts of urgent messages, commands, later messages on open cases, and the survey."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import dialogue
from bot.dialogue import (
    AddDetails,
    Comment,
    Rate,
    Reopen,
    Result,
    SetLanguage,
    Submit,
    Withdraw,
    parse_command,
)

REF = "MS-2611-ABC123"
GAS = {"zh": "家里厨房有很浓的煤气味", "en": "There is a strong gas smell in my kitchen"}


# -- urgent ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_urgent_first_message_gets_advice_first_and_a_case_without_questions(
    chat, helpers, lang: str
) -> None:
    c = chat()
    replies = c.say(
        GAS[lang], helpers.nlu("utilities", urgency="urgent", language=lang, rules=["gas_leak"])
    )
    assert len(replies) == 1
    advice = replies[0].text
    assert {"zh": "请立即离开房间", "en": "leave the room now"}[lang] in advice
    assert "0571-96777" in advice
    assert not advice.startswith({"zh": "您好", "en": "Hello"}[lang])
    (command,) = c.commands
    assert isinstance(command, Submit)
    assert command.urgency == "urgent" and command.domain == "utilities"
    assert c.step == "idle"
    created, _ = c.complete(helpers.created(department="utilities_desk", urgency="urgent"))
    assert (
        REF in created.text
        and {"zh": "水电气热服务专席", "en": "Gas and Heating"}[lang] in created.text
    )


@pytest.mark.parametrize(
    ("rule", "phrase"),
    [
        ("fire_smoke", "119"),
        ("elderly_fall_alone", "120"),
        ("home_flooding", "总水阀"),
        ("self_harm", "12356"),
        ("no_heating_frail_cold", "保暖"),
        ("trapped", "被困"),
        ("child_in_danger", "110"),
        ("life_support_power", "95598"),
    ],
)
def test_each_safety_rule_brings_its_own_advice(chat, helpers, rule: str, phrase: str) -> None:
    c = chat()
    (advice,) = c.say("紧急情况", helpers.nlu("public_safety", urgency="urgent", rules=[rule]))
    assert phrase in advice.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_urgent_message_without_a_known_rule_gets_the_general_advice(
    chat, helpers, lang: str
) -> None:
    c = chat()
    (advice,) = c.say(
        "有人正在电话诈骗我妈",
        helpers.nlu("public_safety", urgency="urgent", language=lang, rules=["fraud_in_progress"]),
    )
    assert {"zh": "110（报警）", "en": "110 (police)"}[lang] in advice.text


def test_an_urgent_message_in_the_middle_of_an_intake_drops_the_questions(chat, helpers) -> None:
    c = chat()
    c.say("路灯坏了", helpers.nlu("transport"))
    assert c.step == "location"
    (advice,) = c.say(
        "楼道着火了", helpers.nlu("public_safety", urgency="urgent", rules=["fire_smoke"])
    )
    assert "119" in advice.text
    assert c.commands[0].urgency == "urgent" and c.state["draft"] is None


def test_an_urgent_message_goes_to_a_new_case_even_with_open_cases(chat, helpers) -> None:
    c = chat(cases=[helpers.case()])
    c.say("煤气泄漏了", helpers.nlu("utilities", urgency="urgent", rules=["gas_leak"]))
    assert isinstance(c.commands[0], Submit)


# -- commands ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/status", ("status", "")),
        ("/status MS-2611-ABC123", ("status", "MS-2611-ABC123")),
        ("/status@minsheng_bot", ("status", "")),
        ("我的诉求进展", ("status", "")),
        ("查询进度", ("status", "")),
        ("办到哪了？", ("status", "")),
        ("my status", ("status", "")),
        ("ms-2611-abc123", ("status", "ms-2611-abc123")),
        ("我的诉求", ("mycases", "")),
        ("my cases", ("mycases", "")),
        ("帮助", ("help", "")),
        ("help", ("help", "")),
        ("你好", ("start", "")),
        ("新诉求", ("new", "")),
        ("取消", ("cancel", "")),
        ("撤回 MS-2611-ABC123", ("withdraw", "MS-2611-ABC123")),
        ("English", ("lang", "en")),
        ("中文", ("lang", "zh")),
        ("/lang en", ("lang", "en")),
    ],
)
def test_commands_are_understood_as_slashes_and_as_plain_words(
    text: str, expected: tuple[str, str]
) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我家楼下的路灯坏了，晚上看不见，请尽快修",
        "help me, the lift is broken",
        "进展太慢了，三个月都没人管我们小区的垃圾",
    ],
)
def test_descriptions_that_mention_command_words_stay_descriptions(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_start_and_help_explain_what_to_do(chat, lang: str) -> None:
    c = chat(language_hint=lang)
    (welcome,) = c.say("/start")
    assert {"zh": "临江市", "en": "Linjiang"}[lang] in welcome.text and "/status" in welcome.text
    (help_,) = c.say("/help")
    for command in ("/new", "/status", "/mycases", "/withdraw", "/cancel", "/lang"):
        assert command in help_.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_status_lists_open_cases_with_state_and_time_left(chat, helpers, lang: str) -> None:
    c = chat(
        cases=[
            helpers.case(status="accepted"),
            helpers.case(ref="MS-2610-XYZ789", status="closed", rating=5),
        ],
        language_hint=lang,
    )
    (reply,) = c.say("/status")
    assert REF in reply.text and "MS-2610-XYZ789" not in reply.text
    assert {"zh": "已受理", "en": "taken on"}[lang] in reply.text
    assert {
        "zh": "2026年12月14日前办结，还剩 29 个工作日",
        "en": "due by 14 December 2026, 29 working days left",
    }[lang] in reply.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_status_of_an_overdue_case_says_so(chat, helpers, lang: str) -> None:
    c = chat(cases=[helpers.case(due=dt.date(2026, 10, 30), left=0)], language_hint=lang)
    (reply,) = c.say("我的诉求进展" if lang == "zh" else "status")
    assert {"zh": "已超过办结期限", "en": "past its deadline"}[lang] in reply.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_status_with_a_reference_shows_that_case_and_only_the_residents_own(
    chat, helpers, lang: str
) -> None:
    c = chat(cases=[helpers.case(status="in_progress")], language_hint=lang)
    (reply,) = c.say(f"/status {REF.lower()}")
    assert REF in reply.text and {"zh": "交通运输局", "en": "Transport Bureau"}[lang] in reply.text
    (other,) = c.say("/status MS-2611-ZZZZZZ")
    assert {"zh": "没有找到", "en": "You have no case"}[lang] in other.text
    (bad,) = c.say("/status 12345")
    assert "MS-2611-ABC123" in bad.text  # shows what a reference looks like


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_status_without_cases_says_how_to_start(chat, lang: str) -> None:
    c = chat(language_hint=lang)
    (reply,) = c.say("/status")
    assert {"zh": "还没有提交过", "en": "no cases yet"}[lang] in reply.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_mycases_lists_every_case_with_its_state(chat, helpers, lang: str) -> None:
    c = chat(
        cases=[helpers.case(), helpers.case(ref="MS-2610-XYZ789", status="withdrawn")],
        language_hint=lang,
    )
    (reply,) = c.say("/mycases")
    assert REF in reply.text and "MS-2610-XYZ789" in reply.text
    assert {"zh": "已撤回", "en": "withdrawn"}[lang] in reply.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_withdraw_with_a_reference_withdraws_and_confirms(chat, helpers, lang: str) -> None:
    c = chat(cases=[helpers.case()], language_hint=lang)
    assert c.say(f"/withdraw {REF}") == []
    assert c.commands == [Withdraw(REF)]
    (reply,) = c.complete(Result(ok=True, data={"reference": REF}))
    assert REF in reply.text and {"zh": "已撤回", "en": "withdrawn"}[lang] in reply.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_withdraw_without_a_reference_offers_the_open_cases(chat, helpers, lang: str) -> None:
    c = chat(cases=[helpers.case()], language_hint=lang)
    (reply,) = c.say("/withdraw")
    assert helpers.buttons(reply) == [
        ({"zh": f"撤回 {REF}", "en": f"Withdraw {REF}"}[lang], f"wd:{REF}")
    ]
    c.tap(f"wd:{REF}")
    assert c.commands == [Withdraw(REF)]


def test_withdrawing_a_finished_case_is_refused_clearly(chat, helpers) -> None:
    c = chat(cases=[helpers.case(status="closed")])
    c.say(f"撤回 {REF}")
    (reply,) = c.complete(Result(ok=False, error="not_open"))
    assert "无法撤回" in reply.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cancel_with_nothing_going_on_says_so(chat, lang: str) -> None:
    c = chat(language_hint=lang)
    (reply,) = c.say("/cancel")
    assert {"zh": "没有进行中", "en": "Nothing to cancel"}[lang] in reply.text


def test_lang_switches_the_replies_and_tells_the_service_layer(chat) -> None:
    c = chat()
    (reply,) = c.say("/lang en")
    assert reply.text.startswith("OK") and c.commands == [SetLanguage("en")]
    (back,) = c.say("中文")
    assert "中文" in back.text and c.commands == [SetLanguage("zh")]
    (ask,) = c.say("/lang")
    assert [d for _, d in [(b.label, b.data) for row in ask.buttons for b in row]] == [
        "lang:zh",
        "lang:en",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_unknown_command_points_to_help(chat, lang: str) -> None:
    c = chat(language_hint=lang)
    (reply,) = c.say("/frobnicate")
    assert "/help" in reply.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_new_starts_a_fresh_intake_even_with_open_cases(chat, helpers, lang: str) -> None:
    c = chat(cases=[helpers.case()], language_hint=lang)
    (reply,) = c.say("/new")
    assert {"zh": "描述", "en": "describe"}[lang] in reply.text
    c.say("学校食堂不卫生", helpers.nlu("education", kind="complaint", language=lang))
    assert c.step == "consent"


# -- later messages on open cases -----------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_message_with_an_open_case_asks_whether_it_adds_to_it(chat, helpers, lang: str) -> None:
    title = {"zh": "小区门口的路灯坏了三天了", "en": "The street light outside is broken"}[lang]
    c = chat(cases=[helpers.case(title=title)], language_hint=lang)
    (reply,) = c.say(
        {"zh": "灯还是没修", "en": "The light is still out"}[lang],
        helpers.nlu("transport", language=lang),
    )
    assert [d for _, d in helpers.buttons(reply)] == [f"add:{REF}", "new", "x"]
    assert c.tap(f"add:{REF}") == []
    assert c.commands == [
        AddDetails(REF, {"zh": "灯还是没修", "en": "The light is still out"}[lang])
    ]
    (added,) = c.complete(Result(ok=True, data={"answered": False}))
    assert REF in added.text and c.step == "idle"


def test_a_new_problem_with_an_open_case_goes_through_the_intake(chat, helpers) -> None:
    c = chat(cases=[helpers.case()])
    c.say("小区门口的路灯又不亮了", helpers.nlu("transport", places=["实验小学"]))
    assert c.step == "choose_target"
    (reply,) = c.tap("new")
    assert c.step == "consent" and [b.data for b in reply.buttons[0]] == ["ct:y", "ct:n"]


def test_adding_to_a_finished_case_is_refused_clearly(chat, helpers) -> None:
    c = chat(cases=[helpers.case()])
    c.say(f"补充一下 {REF}：路灯还是不亮", helpers.nlu("transport"))
    c.tap(f"add:{REF}")
    (reply,) = c.complete(Result(ok=False, error="not_open"))
    assert "不能再补充" in reply.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_answer_to_a_departments_question_goes_straight_to_that_case(
    chat, helpers, lang: str
) -> None:
    c = chat(cases=[helpers.case(status="awaiting_resident")], language_hint=lang)
    assert c.say("3号楼东侧", helpers.nlu("transport", language=lang)) == []
    assert c.commands == [AddDetails(REF, "3号楼东侧")]
    (reply,) = c.complete(Result(ok=True, data={"answered": True}))
    assert {"zh": "已把您的回复转给", "en": "Your answer has been passed"}[lang] in reply.text


# -- the survey -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_good_score_is_stored_at_once_then_an_optional_comment(chat, helpers, lang: str) -> None:
    c = chat(cases=[helpers.case(status="resolved")], language_hint=lang)
    assert c.tap(f"rate:{REF}:5") == []
    assert c.commands == [Rate(REF, 5)]
    (thanks,) = c.complete(Result(ok=True))
    assert [d for _, d in helpers.buttons(thanks)] == ["skip"]
    assert c.say({"zh": "很及时", "en": "Quick work"}[lang]) == []
    assert c.commands == [Comment(REF, {"zh": "很及时", "en": "Quick work"}[lang])]
    (saved,) = c.complete(Result(ok=True))
    assert {"zh": "已记录", "en": "saved"}[lang] in saved.text and c.step == "idle"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_low_score_offers_to_reopen_and_reopens_on_yes(chat, helpers, lang: str) -> None:
    c = chat(cases=[helpers.case(status="resolved")], language_hint=lang)
    c.tap(f"rate:{REF}:1")
    c.complete(Result(ok=True))
    (offer,) = c.tap("skip")
    assert REF in offer.text
    assert [d for _, d in helpers.buttons(offer)] == [f"ro:{REF}:y", f"ro:{REF}:n"]
    c.tap(f"ro:{REF}:y")
    assert isinstance(c.commands[0], Reopen) and c.commands[0].reference == REF
    (reopened,) = c.complete(
        Result(
            ok=True,
            data={
                "department": "transport_bureau",
                "working_days": 15,
                "resolution_due": dt.date(2026, 11, 23),
            },
        )
    )
    assert {
        "zh": "15 个工作日内，即 2026年11月23日前办结",
        "en": "within 15 working days, by 23 November 2026",
    }[lang] in reopened.text


def test_a_low_score_with_a_comment_offers_to_reopen_after_the_comment(chat, helpers) -> None:
    c = chat(cases=[helpers.case(status="resolved")])
    c.tap(f"rate:{REF}:2")
    c.complete(Result(ok=True))
    c.say("根本没修好")
    saved, offer = c.complete(Result(ok=True))
    assert "已记录" in saved.text and "重新办理" in offer.text
    (done,) = c.say("不用")
    assert c.step == "idle" and c.commands == [] and "谢谢" in done.text


@pytest.mark.parametrize("score", [3, 4, 5])
def test_scores_from_three_up_offer_no_reopening(chat, helpers, score: int) -> None:
    c = chat(cases=[helpers.case(status="resolved")])
    c.tap(f"rate:{REF}:{score}")
    c.complete(Result(ok=True))
    (reply,) = c.tap("skip")
    assert reply.buttons == () and c.step == "idle"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_second_tap_on_the_rating_keyboard_says_it_is_already_rated(
    chat, helpers, lang: str
) -> None:
    c = chat(language_hint=lang)
    c.tap(f"rate:{REF}:4")
    (reply,) = c.complete(Result(ok=False, error="already_rated"))
    assert {"zh": "已经评价过了", "en": "already rated"}[lang] in reply.text


def test_a_digit_reply_rates_the_case_waiting_for_a_rating(chat, helpers) -> None:
    c = chat(cases=[helpers.case(status="resolved")])
    # whatever the NLU makes of a lone digit, it is the answer to the survey
    assert c.say("4", helpers.nlu("other", urgency="urgent")) == []
    assert c.commands == [Rate(REF, 4)]


def test_a_rating_keyboard_with_a_forged_score_is_ignored(chat) -> None:
    c = chat()
    (reply,) = c.tap(f"rate:{REF}:9")
    assert "过期" in reply.text and c.commands == []


def test_the_engine_never_mutates_the_state_it_was_given(chat, helpers, context) -> None:
    ctx = context()
    before = dialogue.new_state()
    snapshot = repr(before)
    dialogue.handle(before, dialogue.Event(text="路灯坏了", nlu=helpers.nlu("transport")), ctx)
    assert repr(before) == snapshot
