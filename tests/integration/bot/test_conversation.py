"""handle_inbound on SQLite and PostgreSQL: state in the database, cases, ratings, commands."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select, update

from case_store.models import DialogueSession, OutboxMessage, ProcessedUpdate, Rating, Resident
from minsheng.services.casework import resident_actions, staff_actions, submission, views
from minsheng.services.residents import conversation
from minsheng.services.residents.conversation import Inbound, handle_inbound

REF_RE = re.compile(r"MS-2611-[0-9A-Z]{6}")


def _session_row(app: Any, chat_id: str) -> tuple[dict[str, Any], int]:
    with app.uow() as uow:
        row = uow.session.scalars(
            select(DialogueSession).where(DialogueSession.chat_id == chat_id)
        ).one()
        return dict(row.state), row.version


def _outbox(app: Any, reference: str) -> list[OutboxMessage]:
    """The messages queued for the resident (staff notices go to departments, not here)."""
    with app.uow() as uow:
        rows = list(
            uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.key.startswith(reference), OutboxMessage.channel != "staff")
                .order_by(OutboxMessage.id)
            )
        )
        uow.session.expunge_all()
        return rows


def test_an_intake_creates_a_routed_case_with_a_reference_and_a_dated_deadline(
    bot_app, resident
) -> None:
    r = resident()
    (ask,) = r.say("幸福里小区3号楼门口的路灯坏了三天了")
    assert ask.text.startswith("您好") and "联系您" in ask.text
    assert _session_row(bot_app, r.chat_id)[0]["step"] == "consent"
    (summary,) = r.tap("ct:y")
    assert "交通运输局" in summary.text and "MS-" not in summary.text
    (created,) = r.tap("ok")
    ref = REF_RE.search(created.text).group(0)
    assert "30 个工作日内，即 2026年12月14日前办结" in created.text
    view = views.show(bot_app, ref)
    assert (view["status"], view["department"], view["channel"]) == (
        "routed",
        "transport_bureau",
        "telegram",
    )
    assert view["address"] == "幸福里小区3号楼"
    with bot_app.uow() as uow:
        person = uow.session.scalars(select(Resident)).one()
        assert (person.external_id, person.language) == (r.chat_id, "zh")
    assert _session_row(bot_app, r.chat_id)[0]["step"] == "idle"


def test_an_english_intake_is_answered_in_english_with_the_year_in_the_date(
    bot_app, resident
) -> None:
    r = resident(language_hint="en")
    r.say("The street light outside Building 3 of Xingfuli Estate has been broken for three days")
    r.tap("ct:y")
    (created,) = r.tap("ok")
    assert "within 30 working days, by 14 December 2026" in created.text
    assert views.show(bot_app, REF_RE.search(created.text).group(0))["language"] == "en"


def test_a_redelivered_update_changes_nothing_and_gets_no_answer(bot_app, resident) -> None:
    r = resident()
    message = r.inbound(text="幸福里小区3号楼门口的路灯坏了三天了")
    assert handle_inbound(bot_app, message) != []
    state, version = _session_row(bot_app, r.chat_id)
    assert handle_inbound(bot_app, message) == []
    assert _session_row(bot_app, r.chat_id) == (state, version)
    confirm = r.inbound(callback_data="ct:y")
    handle_inbound(bot_app, confirm)
    double_tap = r.inbound(callback_data="ok")
    assert len(handle_inbound(bot_app, double_tap)) == 1
    assert handle_inbound(bot_app, double_tap) == []
    assert len(views.list_all(bot_app)) == 1


def test_a_dialogue_changed_by_another_process_meanwhile_is_retried_once(
    bot_app, resident, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = resident()
    r.say("/start")
    real_load = conversation._claim_and_read
    calls = {"n": 0}

    def load_then_lose_the_race(session, inbound, now, reach=False):  # type: ignore[no-untyped-def]
        claimed, row, reached = real_load(session, inbound, now, reach)
        calls["n"] += 1
        if calls["n"] == 1:  # another bot process saves this chat's dialogue right now
            session.execute(
                update(DialogueSession)
                .where(DialogueSession.id == row.id)
                .values(version=DialogueSession.version + 1)
                .execution_options(synchronize_session=False)
            )
        return claimed, row, reached

    monkeypatch.setattr(conversation, "_claim_and_read", load_then_lose_the_race)
    (ask,) = r.say("幸福里小区3号楼门口的路灯坏了三天了")
    assert calls["n"] == 2 and "联系您" in ask.text
    assert _session_row(bot_app, r.chat_id)[0]["step"] == "consent"
    with bot_app.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 2


def test_an_urgent_message_gets_advice_first_then_an_urgent_case(bot_app, resident) -> None:
    r = resident()
    advice, created, ask_place = r.say("我家厨房有很浓的煤气味")
    assert "请立即离开房间" in advice.text and "0571-96777" in advice.text
    ref = REF_RE.search(created.text).group(0)
    assert "水电气热服务专席" in created.text
    assert "紧急诉求 2 小时内会有工作人员响应，即 2026年11月2日 12:00前" in created.text
    assert "30 个工作日" not in created.text
    assert "确切地点" in ask_place.text
    view = views.show(bot_app, ref)
    assert (view["urgency"], view["department"], view["address"]) == (
        "urgent",
        "utilities_desk",
        None,
    )


def test_the_place_and_callback_number_after_an_urgent_report_are_added_to_its_case(
    bot_app, resident
) -> None:
    r = resident()
    _, created, _ = r.say("我家厨房有很浓的煤气味")
    ref = REF_RE.search(created.text).group(0)
    (ask_phone,) = r.say("幸福里小区3号楼2单元502")
    assert "地点已加到" in ask_phone.text and "回拨的电话" in ask_phone.text
    (done,) = r.say("13800138000")
    assert "电话已加到" in done.text
    view = views.show(bot_app, ref)
    assert view["address"] == "幸福里小区3号楼2单元502"
    with bot_app.uow() as uow:
        from case_store import repository

        assert repository.get_case(uow.session, ref).phone == "13800138000"
    added = [e for e in views.events(bot_app, ref) if e["type"] == "contact_added"]
    assert [e["after"]["added"] for e in added] == [["address"], ["phone"]]
    assert "13800138000" not in str(added)  # the event log does not repeat the number
    assert _session_row(bot_app, r.chat_id)[0]["step"] == "idle"


def test_a_resolved_case_asks_for_a_rating_which_a_tap_stores_then_a_low_score_reopens(
    bot_app, resident, clock
) -> None:
    r = resident()
    ref = r.report()
    clock.advance(days=2)
    staff_actions.resolve(bot_app, ref, note="路灯已更换")
    (survey,) = [m for m in _outbox(bot_app, ref) if m.payload["type"] == "resolved"]
    assert survey.channel == "telegram" and survey.recipient == r.chat_id
    assert "对处理结果满意吗" in survey.payload["text"]
    row = survey.payload["buttons"][0]
    assert [b["data"] for b in row] == [f"rate:{ref}:{n}" for n in range(1, 6)]
    assert [b["label"][0] for b in row] == ["1", "2", "3", "4", "5"]

    (thanks,) = r.tap(f"rate:{ref}:2")
    assert views.show(bot_app, ref)["rating"] == 2 and "谢谢您的评价" in thanks.text
    (again,) = r.tap(f"rate:{ref}:5")
    assert "已经评价过了" in again.text and views.show(bot_app, ref)["rating"] == 2
    saved, offer = r.say("灯装好了但还是不亮")
    assert "已记录" in saved.text
    with bot_app.uow() as uow:
        assert uow.session.scalars(select(Rating)).one().comment == "灯装好了但还是不亮"
    assert [b.data for row in offer.buttons for b in row] == [f"ro:{ref}:y", f"ro:{ref}:n"]
    (reopened,) = r.tap(f"ro:{ref}:y")
    assert ref in reopened.text and "15 个工作日内" in reopened.text
    assert views.show(bot_app, ref)["status"] == "in_progress"
    assert len([m for m in _outbox(bot_app, ref) if m.payload["type"] == "resolved"]) == 1


def test_a_good_score_closes_the_case_with_no_offer_to_reopen(bot_app, resident) -> None:
    r = resident()
    ref = r.report()
    staff_actions.resolve(bot_app, ref, note="已修好")
    r.tap(f"rate:{ref}:5")
    (done,) = r.tap("skip")
    assert done.buttons == ()
    view = views.show(bot_app, ref)
    assert (view["status"], view["rating"]) == ("closed", 5)


def test_someone_elses_case_cannot_be_rated_or_withdrawn(bot_app, resident) -> None:
    owner, stranger = resident("5001"), resident("6002")
    ref = owner.report()
    (reply,) = stranger.say(f"/withdraw {ref}")
    assert "没有找到" in reply.text
    staff_actions.resolve(bot_app, ref, note="已修好")
    (reply,) = stranger.tap(f"rate:{ref}:1")
    assert "没有找到" in reply.text
    assert views.show(bot_app, ref)["rating"] is None
    (status,) = stranger.say(f"/status {ref}")
    assert "没有找到" in status.text


def test_status_mycases_and_plain_words_show_the_residents_cases(bot_app, resident, clock) -> None:
    r = resident()
    first = r.report()
    clock.advance(days=1)
    second = r.report("学校食堂饭菜不卫生，孩子吃了拉肚子")
    resident_actions.withdraw(bot_app, second)
    (status,) = r.say("/status")
    assert first in status.text and second not in status.text
    assert "2026年12月14日前办结，还剩 29 个工作日" in status.text
    (plain,) = r.say("我的诉求进展")
    assert plain.text == status.text
    (mine,) = r.say("/mycases")
    assert first in mine.text and second in mine.text and "已撤回" in mine.text
    (one,) = r.say(f"/status {first}")
    assert "交通运输局" in one.text


def test_withdraw_by_command_and_by_plain_words(bot_app, resident) -> None:
    r = resident()
    ref = r.report()
    (reply,) = r.say(f"撤回 {ref}")
    assert "已撤回" in reply.text
    assert views.show(bot_app, ref)["status"] == "withdrawn"
    (again,) = r.say(f"/withdraw {ref}")
    assert "无法撤回" in again.text


def test_lang_switches_replies_and_later_notifications(bot_app, resident) -> None:
    r = resident()
    ref = r.report()
    (reply,) = r.say("/lang en")
    assert reply.text.startswith("OK")
    (status,) = r.say("/status")
    assert "Your open cases" in status.text
    staff_actions.accept(bot_app, ref)
    (accepted,) = [m for m in _outbox(bot_app, ref) if m.payload["type"] == "accepted"]
    assert accepted.payload["text"] == f"The Transport Bureau has taken on your case {ref}."


def test_later_words_add_details_to_an_open_case(bot_app, resident) -> None:
    r = resident()
    ref = r.report()
    (choice,) = r.say("灯还是没修好，晚上很黑")
    assert choice.buttons[0][0].data == f"add:{ref}"
    assert choice.buttons[0][0].label.startswith("补充到：幸福里小区3号楼门口的路灯")
    (added,) = r.tap(f"add:{ref}")
    assert ref in added.text
    assert any(e["type"] == "details_added" for e in views.events(bot_app, ref))


def test_an_answer_to_a_departments_question_puts_the_case_back_in_progress(
    bot_app, resident
) -> None:
    r = resident()
    ref = r.report()
    staff_actions.accept(bot_app, ref)
    staff_actions.ask_resident(bot_app, ref, question="是哪一盏灯？")
    (asked,) = [m for m in _outbox(bot_app, ref) if m.payload["type"] == "asked"]
    assert "是哪一盏灯？" in asked.payload["text"]
    (reply,) = r.say("3号楼东侧那一盏")
    assert "已把您的回复转给" in reply.text
    assert views.show(bot_app, ref)["status"] == "in_progress"


def test_each_case_event_notifies_the_resident_once(bot_app, resident) -> None:
    r = resident()
    ref = r.report()
    staff_actions.transfer(bot_app, ref, to_department="hotline_12345", reason="不属于本局")
    staff_actions.transfer(bot_app, ref, to_department="city_management", reason="分派")
    staff_actions.accept(bot_app, ref)
    staff_actions.reply(bot_app, ref, text="已安排维修")
    staff_actions.reply(bot_app, ref, text="明天上午修好")
    types = [m.payload["type"] for m in _outbox(bot_app, ref)]
    assert types == ["transferred", "routed", "accepted", "replied", "replied"]
    texts = [m.payload["text"] for m in _outbox(bot_app, ref)]
    assert "城市管理局" in texts[1] and "明天上午修好" in texts[-1]
    assert len({m.key for m in _outbox(bot_app, ref)}) == 5


def test_cases_entered_without_a_resident_queue_no_resident_messages(bot_app) -> None:
    view = submission.submit(
        bot_app,
        submission.Intake(text="路灯坏了", domain="transport", urgency="normal", kind="demand"),
    )
    staff_actions.resolve(bot_app, view["reference"], note="已修好")
    assert _outbox(bot_app, view["reference"]) == []


def test_a_photo_without_words_is_kept_for_the_case(bot_app, resident) -> None:
    r = resident()
    (ask,) = handle_inbound(bot_app, r.inbound(has_photo=True))
    assert "收到照片" in ask.text
    r.say("幸福里小区3号楼门口的路灯坏了三天了")
    (summary,) = r.tap("ct:y")
    assert "附件：照片" in summary.text


def test_a_sticker_gets_a_clear_answer(bot_app) -> None:
    (reply,) = handle_inbound(bot_app, Inbound(channel="telegram", chat_id="5001", update_id="9"))
    assert "文字" in reply.text


def test_an_unrated_resolution_gets_one_reminder_after_three_days_and_closes_after_seven(
    bot_app, resident, clock
) -> None:
    from minsheng.services.residents.resident import survey_sweep

    r = resident()
    ref = r.report()
    staff_actions.resolve(bot_app, ref, note="已修好")
    assert survey_sweep(bot_app, clock.advance(days=2)) == {"reminded": 0, "closed": 0}
    assert survey_sweep(bot_app, clock.advance(days=1, minutes=1)) == {"reminded": 1, "closed": 0}
    assert survey_sweep(bot_app, clock.advance(days=1)) == {"reminded": 0, "closed": 0}
    (reminder,) = [m for m in _outbox(bot_app, ref) if m.payload["type"] == "survey_reminder"]
    assert "回复 1 到 5 的数字" in reminder.payload["text"] and reminder.payload["buttons"] == []
    assert survey_sweep(bot_app, clock.advance(days=3)) == {"reminded": 0, "closed": 1}
    view = views.show(bot_app, ref)
    assert (view["status"], view["rating"]) == ("closed", None)
    types = [m.payload["type"] for m in _outbox(bot_app, ref)]
    assert types.count("closed_unrated") == 1 and types.count("resolved") == 1
    assert survey_sweep(bot_app, clock.advance(days=1)) == {"reminded": 0, "closed": 0}


def test_a_digit_after_the_reminder_rates_the_case(bot_app, resident) -> None:
    r = resident()
    ref = r.report()
    staff_actions.resolve(bot_app, ref, note="已修好")
    (thanks,) = r.say("4")
    assert views.show(bot_app, ref)["rating"] == 4 and "谢谢" in thanks.text


def test_the_terminal_chat_runs_an_intake_and_shows_the_rating_question_later(bot_app) -> None:
    import io

    from minsheng.channels import terminal as console

    out = io.StringIO()
    lines = "幸福里小区3号楼门口的路灯坏了三天了\n1\n1\n"
    assert console.run(bot_app, stdin=io.StringIO(lines), stdout=out, chat_id="li") == 0
    ref = REF_RE.search(out.getvalue()).group(0)
    assert "[1] 可以" in out.getvalue() and "2026年12月14日前办结" in out.getvalue()
    staff_actions.resolve(bot_app, ref, note="已修好")
    later = io.StringIO()
    console.run(bot_app, stdin=io.StringIO("4\n"), stdout=later, chat_id="li")
    assert "对处理结果满意吗" in later.getvalue() and "[1] 1⭐" in later.getvalue()
    assert views.show(bot_app, ref)["rating"] == 4
