"""The intake's questions on real databases: the safety question's answer on the case, the
department the summary names, FAQ answers and the question target, short messages."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from case_store.models import Case
from minsheng.services.casework import views

REF_RE = re.compile(r"MS-2611-[0-9A-Z]{6}")


def _case_count(app) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Case)) or 0)


def test_the_answer_to_the_safety_question_is_stored_on_the_case(bot_app, resident) -> None:
    r = resident()
    (question,) = r.say("我妈85岁独居，家里停水两天了，她没法出门")
    assert "现在有人有危险或无人照顾吗？" in question.text
    assert [b.data for b in question.buttons[0]] == ["sf:y", "sf:n"]
    assert _case_count(bot_app) == 0
    (where,) = r.tap("sf:n")
    assert "在哪里" in where.text
    r.say("幸福里小区3号楼")
    r.tap("ct:y")
    (created,) = r.tap("ok")
    view = views.show(bot_app, REF_RE.search(created.text).group(0))
    assert (view["safety_answer"], view["urgency"]) == ("no", "high")


def test_yes_to_the_safety_question_makes_an_urgent_case_with_the_advice(bot_app, resident) -> None:
    r = resident()
    r.say("我妈85岁独居，家里停水两天了，她没法出门")
    advice, created, _ = r.tap("sf:y")
    assert "120" in advice.text
    view = views.show(bot_app, REF_RE.search(created.text).group(0))
    assert (view["safety_answer"], view["urgency"]) == ("yes", "urgent")


def test_the_summary_names_the_department_a_location_override_routes_to(bot_app, resident) -> None:
    r = resident()
    r.say("高新区梧桐苑社区的健身器材坏了")
    (summary,) = r.tap("ct:y")
    assert "高新区社区服务中心" in summary.text and "街道社区服务中心" not in summary.text
    (created,) = r.tap("ok")
    view = views.show(bot_app, REF_RE.search(created.text).group(0))
    assert view["department"] == "gaoxin_community_centre"


def test_an_faq_question_is_answered_at_once_and_opens_a_five_day_case_only_on_request(
    bot_app, resident
) -> None:
    r = resident()
    (answer,) = r.say("社保卡丢了怎么补办？")
    assert "12333" in answer.text
    assert [row[0].data for row in answer.buttons] == ["faq:n", "faq:y"]
    assert _case_count(bot_app) == 0
    r.tap("faq:n")
    r.tap("ct:y")
    (created,) = r.tap("ok")
    assert "咨询 5 个工作日内答复" in created.text
    view = views.show(bot_app, REF_RE.search(created.text).group(0))
    assert (view["kind"], view["department"]) == ("inquiry", "human_resources")
    # 5 working days from Monday 2 November 2026: Monday 9 November, end of day.
    assert view["resolution_due_at"].startswith("2026-11-09T23:59:59")


def test_a_bare_digit_or_a_greeting_never_becomes_a_case(bot_app, resident) -> None:
    r = resident()
    r.report()
    for text in ("3", "1", "在吗", "👍", "?"):
        (reply,) = r.say(text)
        assert "请问遇到了什么问题" in reply.text and not reply.buttons
    assert _case_count(bot_app) == 1
