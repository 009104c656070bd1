"""Transcripts of the safety question, the urgent follow-up questions, messages too short to be
a problem, words typed over the area buttons, which open case new words belong to, and
answers from the FAQ."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dialogue import AddContact, AddDetails, Rate, Result, Submit

REF = "MS-2611-ABC123"
CST = dt.timezone(dt.timedelta(hours=8))
ALONE = {
    "zh": "我妈85岁独居，家里停水两天了，她没法出门",
    "en": "My 85-year-old mother lives alone and has had no water for two days",
}
GAS = {"zh": "家里厨房有很浓的煤气味", "en": "There is a strong gas smell in my kitchen"}


def _texts(replies) -> str:
    return "\n".join(r.text for r in replies)


# -- the safety question (issue 14.2) ------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_pressing_message_about_a_frail_person_first_asks_whether_anyone_is_in_danger(
    chat, helpers, lang: str
) -> None:
    c = chat(language_hint=lang)
    nlu = helpers.nlu("utilities", urgency="high", language=lang, vulnerable=True)
    (question,) = c.say(ALONE[lang], nlu)
    assert {
        "zh": "现在有人有危险或无人照顾吗？",
        "en": "Is anyone in danger or without care right now?",
    }[lang] in question.text
    assert helpers.buttons(question) == [
        ({"zh": "有", "en": "Yes"}[lang], "sf:y"),
        ({"zh": "没有", "en": "No"}[lang], "sf:n"),
    ]
    assert c.commands == [] and c.step == "safety"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_yes_to_the_safety_question_takes_the_urgent_path_with_the_emergency_advice(
    chat, helpers, lang: str
) -> None:
    c = chat(language_hint=lang)
    c.say(ALONE[lang], helpers.nlu("utilities", urgency="high", language=lang, vulnerable=True))
    (advice,) = c.tap("sf:y")
    assert "110" in advice.text and "120" in advice.text
    (command,) = c.commands
    assert isinstance(command, Submit)
    assert (command.urgency, command.safety_answer, command.text) == ("urgent", "yes", ALONE[lang])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_to_the_safety_question_goes_on_with_the_intake_and_the_answer_reaches_the_case(
    chat, helpers, lang: str
) -> None:
    c = chat(language_hint=lang)
    nlu = helpers.nlu("utilities", urgency="high", language=lang, vulnerable=True)
    c.say(ALONE[lang], nlu)
    (reply,) = c.say({"zh": "没有", "en": "no"}[lang])
    assert {"zh": "在哪里", "en": "Where is it"}[lang] in reply.text
    assert c.commands == []
    c.say({"zh": "幸福里小区3号楼", "en": "Building 3, Xingfuli Estate"}[lang])
    c.tap("ct:y")
    c.tap("ok")
    (command,) = c.commands
    assert (command.urgency, command.safety_answer) == ("high", "no")


def test_no_safety_question_when_a_safety_rule_already_fired_or_nobody_frail_is_named(
    chat, helpers
) -> None:
    c = chat()
    c.say(GAS["zh"], helpers.nlu("utilities", urgency="high", rules=["gas_leak"], vulnerable=True))
    assert isinstance(c.commands[0], Submit) and c.step != "safety"
    c = chat()
    c.say("停水两天了", helpers.nlu("utilities", urgency="high"))
    assert c.step == "location"


def test_a_bare_digit_the_model_reads_as_urgent_is_asked_about_and_never_filed(
    chat, helpers
) -> None:
    c = chat()
    for text in ("3", "👍"):
        (reply,) = c.say(text, helpers.nlu("education", urgency="urgent"))
        assert c.commands == [] and c.step == "idle"
        assert "0571-96777" not in reply.text and "110" not in reply.text
    (advice,) = c.say("3", helpers.nlu("utilities", urgency="urgent", rules=["gas_leak"]))
    assert "0571-96777" in advice.text  # a fired safety rule still counts
    assert isinstance(c.commands[0], Submit)


# -- an urgent report is actionable (issue 18.1) -------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_urgent_case_asks_for_the_place_and_a_callback_number_after_the_advice(
    chat, helpers, lang: str
) -> None:
    c = chat(language_hint=lang)
    (advice,) = c.say(
        GAS[lang], helpers.nlu("utilities", urgency="urgent", language=lang, rules=["gas_leak"])
    )
    assert "0571-96777" in advice.text  # the advice comes at once, before any question
    assert isinstance(c.commands[0], Submit)

    first = dt.datetime(2026, 11, 2, 12, 0, tzinfo=CST)
    created, ask_place = c.complete(
        helpers.created(department="utilities_desk", first=first, urgency="urgent")
    )
    assert {
        "zh": "紧急诉求 2 小时内会有工作人员响应，即 2026年11月2日 12:00前",
        "en": "within 2 hours, by 12:00 on 2 November 2026",
    }[lang] in created.text
    assert "30" not in created.text  # not the 30-working-day target
    assert {"zh": "确切地点", "en": "exact address"}[lang] in ask_place.text
    assert helpers.buttons(ask_place) == [({"zh": "跳过", "en": "Skip"}[lang], "us")]

    place = {"zh": "幸福里小区3号楼2单元502", "en": "Flat 502, Building 3, Xingfuli Estate"}[lang]
    assert c.say(place) == []
    assert c.commands == [AddContact(REF, address=place)]
    (ask_phone,) = c.complete(Result(ok=True, data={"reference": REF}))
    assert {"zh": "地点已加到", "en": "The place has been added"}[lang] in ask_phone.text
    assert {"zh": "回拨的电话", "en": "phone number"}[lang] in ask_phone.text
    assert helpers.buttons(ask_phone)[0][1] == "us"

    assert c.say("138 0013 8000") == []
    assert c.commands == [AddContact(REF, phone="13800138000")]
    (done,) = c.complete(Result(ok=True, data={"reference": REF}))
    assert {"zh": "电话已加到", "en": "phone number has been added"}[lang] in done.text
    assert c.step == "idle"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_urgent_follow_up_questions_can_be_skipped(chat, helpers, lang: str) -> None:
    c = chat(language_hint=lang)
    c.say(GAS[lang], helpers.nlu("utilities", urgency="urgent", language=lang, rules=["gas_leak"]))
    c.complete(helpers.created(urgency="urgent"))
    (ask_phone,) = c.tap("us")
    assert {"zh": "回拨的电话", "en": "phone number"}[lang] in ask_phone.text
    (done,) = c.say({"zh": "跳过", "en": "skip"}[lang])
    assert c.commands == [] and c.step == "idle"
    assert {"zh": "工作人员会尽快联系您", "en": "staff will contact you"}[lang] in done.text


def test_a_place_or_number_already_in_the_urgent_message_is_not_asked_again(chat, helpers) -> None:
    c = chat()
    c.say(
        "幸福里小区3号楼煤气味很大，电话13800138000",
        helpers.nlu("utilities", urgency="urgent", rules=["gas_leak"], places=["幸福里小区3号楼"]),
    )
    replies = c.complete(helpers.created(urgency="urgent"))
    assert len(replies) == 1 and c.step == "idle"


def test_a_shared_location_answers_the_urgent_place_question(chat, helpers) -> None:
    c = chat()
    c.say(GAS["zh"], helpers.nlu("utilities", urgency="urgent", rules=["gas_leak"]))
    c.complete(helpers.created(urgency="urgent"))
    assert c.send(location=(30.27, 120.15)) == []
    assert c.commands == [AddContact(REF, location=(30.27, 120.15))]
    (ask_phone,) = c.complete(Result(ok=True))
    assert "电话" in ask_phone.text and c.step == "urgent_phone"


def test_an_unclear_callback_number_is_asked_for_again(chat, helpers) -> None:
    c = chat(language_hint="en")
    c.say(GAS["en"], helpers.nlu("utilities", urgency="urgent", language="en", rules=["gas_leak"]))
    c.complete(helpers.created(urgency="urgent"))
    c.tap("us")
    (reply,) = c.say("call my son")
    assert "incomplete" in reply.text and c.commands == [] and c.step == "urgent_phone"


# -- the department shown is the one routing picks (issue 17.3) ----------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_names_the_department_the_router_will_choose(chat, helpers, lang: str) -> None:
    asked: list[Submit] = []

    def route(command: Submit) -> str:
        asked.append(command)
        return "gaoxin_community_centre" if "高新区" in (command.address or "") else "x"

    c = chat(language_hint=lang, route=route)
    c.say(
        {"zh": "小区活动室一直锁着", "en": "The estate's activity room is always locked"}[lang],
        helpers.nlu("community", language=lang, places=["高新区梧桐苑"]),
    )
    (summary,) = c.tap("ct:y")
    assert {"zh": "高新区社区服务中心", "en": "High-Tech Zone Community Service Centre"}[
        lang
    ] in summary.text
    assert {"zh": "街道社区服务中心", "en": "Street and Community"}[lang] not in summary.text
    assert asked[-1].domain == "community" and asked[-1].address == "高新区梧桐苑"


# -- messages too short to be a problem (issue 17.3) ---------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("text", ["3", "1", "?", "👍", "在吗", "。。", "ok", "好的"])
def test_a_bare_digit_or_contentless_message_gets_a_friendly_question_never_a_case(
    chat, helpers, lang: str, text: str
) -> None:
    c = chat(cases=[helpers.case()], language_hint=lang)
    c.state = {"greeted": True, "lang": lang}
    (reply,) = c.say(text, helpers.nlu("housing", 0.44, urgency="high", language=lang))
    assert {"zh": "请问遇到了什么问题", "en": "What can I help with"}[lang] in reply.text
    assert reply.buttons == ()  # no "add to an open case?" question either
    assert c.commands == [] and c.step == "idle" and c.state["draft"] is None


def test_the_first_contentless_message_gets_the_welcome(chat, helpers) -> None:
    c = chat()
    (reply,) = c.say("在吗")
    assert "临江市民生服务助手" in reply.text and "直接写下" in reply.text
    assert c.commands == []


def test_a_bare_digit_still_rates_a_case_waiting_for_its_survey(chat, helpers) -> None:
    c = chat(cases=[helpers.case(status="resolved")])
    assert c.say("3") == []
    assert c.commands == [Rate(REF, 3)]


def test_a_contentless_message_while_describing_asks_for_the_description_again(
    chat, helpers
) -> None:
    c = chat()
    c.say("/new")
    (reply,) = c.say("？")
    assert "描述" in reply.text and c.step == "describe" and c.commands == []


# -- words typed over the area buttons (issue 17.4) ----------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_words_typed_over_the_area_buttons_join_the_description_and_the_areas_are_shown_again(
    chat, helpers, lang: str
) -> None:
    c = chat(language_hint=lang)
    first = {"zh": "有个事情想反映", "en": "I want to report something"}[lang]
    more = {"zh": "就是那个一直没人管", "en": "nobody ever deals with it"}[lang]
    c.say(first, helpers.nlu("other", 0.3, language=lang, low_confidence=True))
    (reply,) = c.say(more, helpers.nlu("other", 0.3, language=lang, low_confidence=True))
    assert {"zh": "已补充到内容中", "en": "Added to what you wrote"}[lang] in reply.text
    assert len([d for _, d in helpers.buttons(reply) if d.startswith("d:")]) == 12
    assert c.step == "pick_domain"
    assert c.state["draft"]["text"] == f"{first}\n{more}"
    c.tap("d:social_security")
    c.tap("ct:y")
    c.tap("ok")
    assert c.commands[0].text == f"{first}\n{more}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_clear_description_typed_over_the_area_buttons_is_taken_as_the_problem(
    chat, helpers, lang: str
) -> None:
    c = chat(language_hint=lang)
    c.say(
        {"zh": "你好我要反映", "en": "hello I want to report"}[lang],
        helpers.nlu("other", 0.3, language=lang, low_confidence=True),
    )
    words = {
        "zh": "幸福里小区门口的路灯坏了三天了",
        "en": "The street light outside Xingfuli Estate has been out for three days",
    }[lang]
    replies = c.say(words, helpers.nlu("transport", language=lang, places=["幸福里小区"]))
    assert {"zh": "已补充到内容中", "en": "Added to what you wrote"}[lang] in replies[0].text
    assert c.step == "consent"  # area and place come from the new words
    assert c.state["draft"]["domain"] == "transport"
    assert words in c.state["draft"]["text"]


# -- adding to an open case only when it plausibly continues it (issue 18.4) ---------------


def test_a_message_about_another_area_after_a_case_starts_a_new_intake_without_asking(
    chat, helpers
) -> None:
    c = chat(cases=[helpers.case()])
    (reply,) = c.say("楼上装修噪音太大了", helpers.nlu("environment", places=["幸福里小区"]))
    assert "补充到" not in reply.text and "已有的诉求" not in reply.text
    assert c.step == "consent"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_add_to_question_shows_short_titles_and_dates_newest_first(
    chat, helpers, lang: str
) -> None:
    older = helpers.case(
        ref="MS-2610-OLD111",
        title={"zh": "幸福路的路灯不亮", "en": "Street light on Xingfu Road is out"}[lang],
        created=dt.date(2026, 10, 20),
    )
    newer = helpers.case(
        title={
            "zh": "小区门口的路灯坏了三天了，晚上很黑很危险",
            "en": "The street light outside the estate gate is broken and it is dark",
        }[lang],
    )
    c = chat(cases=[newer, older], language_hint=lang)
    (reply,) = c.say(
        {"zh": "路灯还是没修好", "en": "The street light is still not fixed"}[lang],
        helpers.nlu("transport", language=lang),
    )
    labels = [label for label, _ in helpers.buttons(reply)]
    assert [d for _, d in helpers.buttons(reply)] == [
        f"add:{REF}",
        "add:MS-2610-OLD111",
        "new",
        "x",
    ]
    assert {
        "zh": "补充到：小区门口的路灯坏了三天了，晚上…（11月2日）",
        "en": "Add to: The street light outside… (2 Nov)",
    }[lang] in labels[0]
    assert {"zh": "（10月20日）", "en": "(20 Oct)"}[lang] in labels[1]
    assert "MS-" not in labels[0]


def test_a_message_naming_a_reference_offers_only_that_case(chat, helpers) -> None:
    other = helpers.case(ref="MS-2611-XYZ789", title="公交站台的雨棚破了")
    c = chat(cases=[helpers.case(), other])
    (reply,) = c.say("关于MS-2611-XYZ789，雨棚今天又漏了", helpers.nlu("transport"))
    assert [d for _, d in helpers.buttons(reply)] == ["add:MS-2611-XYZ789", "new", "x"]
    c.tap("add:MS-2611-XYZ789")
    assert c.commands == [AddDetails("MS-2611-XYZ789", "关于MS-2611-XYZ789，雨棚今天又漏了")]


def test_a_message_soon_after_the_last_one_on_a_case_may_continue_it(chat, helpers) -> None:
    now = dt.datetime(2026, 11, 2, 10, 0, tzinfo=CST)
    recent = helpers.case(last_message_at=now - dt.timedelta(minutes=5))
    c = chat(cases=[recent], now=now)
    (reply,) = c.say("对了，晚上八点以后才这样", helpers.nlu("other", 0.3, low_confidence=True))
    assert f"add:{REF}" in [d for _, d in helpers.buttons(reply)]
    c = chat(cases=[helpers.case(last_message_at=now - dt.timedelta(hours=5))], now=now)
    c.say("对了，晚上八点以后才这样", helpers.nlu("other", 0.3, low_confidence=True))
    assert c.step == "pick_domain"


# -- answers from the FAQ (issue 17.7) ------------------------------------------------------

CARD = {"zh": "社保卡丢了怎么补办？", "en": "I lost my social security card, how do I replace it?"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_question_the_faq_answers_gets_the_answer_at_once_and_no_case(
    chat, helpers, lang: str
) -> None:
    c = chat(language_hint=lang)
    (answer,) = c.say(CARD[lang], helpers.nlu("social_security", kind="inquiry", language=lang))
    assert "12333" in answer.text
    assert {"zh": "补办", "en": "replacement"}[lang] in answer.text
    assert helpers.buttons(answer) == [
        ({"zh": "没有解答我的问题", "en": "This did not answer me"}[lang], "faq:n"),
        ({"zh": "已解答，谢谢", "en": "That answers it, thanks"}[lang], "faq:y"),
    ]
    assert c.commands == []
    (thanks,) = c.tap("faq:y")
    assert c.step == "idle" and c.state["draft"] is None and c.commands == []
    assert {"zh": "不客气", "en": "Glad"}[lang] in thanks.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_this_did_not_answer_me_opens_a_question_case_with_the_inquiry_target(
    chat, helpers, lang: str
) -> None:
    c = chat(language_hint=lang)
    c.say(CARD[lang], helpers.nlu("social_security", kind="inquiry", language=lang))
    (consent,) = c.tap("faq:n")
    assert [d for _, d in helpers.buttons(consent)] == ["ct:y", "ct:n"]
    c.tap("ct:y")
    c.tap("ok")
    (command,) = c.commands
    assert (command.kind, command.text) == ("inquiry", CARD[lang])
    (created,) = c.complete(helpers.created(department="human_resources", working_days=5))
    assert {
        "zh": "咨询 5 个工作日内答复，即 2026年12月14日前",
        "en": "Questions are answered within 5 working days",
    }[lang] in created.text
    assert "30" not in created.text


def test_a_question_the_faq_does_not_cover_goes_to_the_department(chat, helpers) -> None:
    c = chat()
    c.say("请问图书馆周一开门吗？", helpers.nlu("community", kind="inquiry"))
    assert c.step == "consent"


def test_a_complaint_using_faq_words_is_not_answered_from_the_faq(chat, helpers) -> None:
    c = chat()
    c.say("社保卡补办了一个月还没拿到，太慢了", helpers.nlu("social_security", kind="complaint"))
    assert c.step == "consent"


def test_leaving_the_urgent_questions_for_a_new_problem_does_not_make_it_urgent(
    chat, helpers
) -> None:
    c = chat()
    c.say(GAS["zh"], helpers.nlu("utilities", urgency="urgent", rules=["gas_leak"]))
    c.complete(helpers.created(urgency="urgent"))
    c.say("/new")
    c.say("今年中小学暑假从哪天开始放？", helpers.nlu("education", kind="inquiry"))
    c.tap("ct:y")
    c.tap("ok")
    (created,) = c.complete(helpers.created())
    assert "30 个工作日内" in created.text and c.step == "idle"


@pytest.mark.parametrize(
    ("entry", "domain", "question"),
    [
        ("school_enrolment", "education", "孩子明年上小学，报名需要准备什么材料？"),
        ("school_enrolment", "education", "What documents do I need to enrol my son in school?"),
        ("social_security_card", "social_security", "社保卡丢了怎么办"),
        ("social_security_card", "social_security", "My social security card was stolen"),
        ("medical_insurance_elsewhere", "healthcare", "在外地住院医保能报销吗？"),
        (
            "medical_insurance_elsewhere",
            "healthcare",
            "Does medical insurance cover a hospital stay in another city?",
        ),
        ("residence_permit", "other", "外地人怎么办理居住证？"),
        ("residence_permit", "other", "How long does a residence permit take?"),
        ("elderly_allowance", "elderly_care", "我爸今年80了，高龄津贴怎么申请？"),
        ("elderly_allowance", "elderly_care", "How do I apply for the elderly allowance?"),
        ("bulky_waste", "environment", "旧沙发怎么扔？"),
        ("bulky_waste", "environment", "Where can I leave bulky waste?"),
        ("utility_bills", "utilities", "电费在哪里交？"),
        ("utility_bills", "utilities", "How can I pay my electricity bill?"),
        ("provident_fund", "other", "租房可以提取公积金吗？"),
        ("provident_fund", "other", "Can I use my housing provident fund for rent?"),
        ("unemployment_benefit", "social_security", "失业金怎么领取？"),
        ("unemployment_benefit", "social_security", "Am I entitled to unemployment benefit?"),
        ("business_licence", "market", "开店办营业执照需要什么材料？"),
        ("business_licence", "market", "How do I get a business licence for a small shop?"),
    ],
)
def test_each_shipped_faq_entry_answers_its_question_in_both_languages(
    chat, helpers, entry: str, domain: str, question: str
) -> None:
    from bot.dialogue.faq import faq_answer

    lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in question) else "en"
    c = chat(language_hint=lang)
    (answer,) = c.say(question, helpers.nlu(domain, kind="inquiry", language=lang))
    assert c.step == "faq"
    found = faq_answer(c.state["draft"], c.ctx)
    assert found is not None and found.id == entry
    assert found.answer[lang] in answer.text
