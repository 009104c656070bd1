"""/mydata and /forget (PIPL arts. 44–47), and the retention job."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, select

from case_store.models import AuditLog, Base, Case, OutboxMessage, ProcessedUpdate, Resident
from minsheng.services.casework import resident_actions, staff_actions, views
from minsheng.services.rights import privacy, retention

CHAT = "880055123"
PHONE = "13912345678"
NAME = "王女士"


@pytest.fixture(autouse=True)
def audit_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSHENG_AUDIT_SALT", "salt-for-tests")


def every_stored_string(app: Any) -> list[str]:
    """Every text and JSON value in every table, as strings."""
    found: list[str] = []
    with app.uow() as uow:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in uow.session.execute(select(*columns)):
                found += [str(v) for v in row if v is not None]
    return found


def report_with_phone(resident: Any) -> str:
    return resident.report(f"幸福里小区3号楼2单元501室门口的路灯坏了三天了，电话{PHONE}")


def test_mydata_lists_identity_cases_and_ratings(resident: Any) -> None:
    me = resident(CHAT)
    ref = me.report()
    staff_actions.resolve(me.app, ref, note="已更换灯泡")
    me.tap(f"rate:{ref}:5")
    (reply,) = me.say("/mydata")
    assert NAME in reply.text and ref in reply.text
    assert "5" in reply.text.split(ref)[-1]
    assert "/forget" in reply.text


def test_each_data_request_is_audited_under_a_hash_not_the_chat_id(resident: Any) -> None:
    me = resident(CHAT)
    me.report()
    me.say("/mydata")
    with me.app.uow() as uow:
        (entry,) = uow.session.execute(
            select(AuditLog.action, AuditLog.subject, AuditLog.detail)
        ).all()
    assert entry.action == "data_access"
    assert entry.subject == privacy.subject_hash(me.app, "telegram", CHAT)
    assert CHAT not in str(entry.subject) + str(entry.detail)


def test_a_resident_with_nothing_stored_is_told_so(resident: Any) -> None:
    (reply,) = resident("99").say("我的数据")
    assert "没有保存" in reply.text


def test_forget_asks_first_and_cancel_keeps_everything(resident: Any) -> None:
    me = resident(CHAT)
    me.report()
    (question,) = me.say("/forget")
    assert [b.data for row in question.buttons for b in row] == ["fg:y", "x"]
    me.tap("x")
    assert CHAT in every_stored_string(me.app)


def test_forget_removes_the_resident_from_every_table_and_every_log(
    resident: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    me = resident(CHAT)
    ref = report_with_phone(me)
    staff_actions.accept(me.app, ref)
    staff_actions.ask_resident(me.app, ref, question="具体是几号灯杆？")
    me.say(f"靠近大门那根，有事打我{PHONE}")
    me.say("/forget")
    (done,) = me.tap("fg:y")
    assert "已删除" in done.text
    stored = "\n".join(every_stored_string(me.app))
    for secret in (CHAT, NAME, PHONE, "501室"):
        assert secret not in stored, secret
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (CHAT, NAME, PHONE):
        assert secret not in logged, secret
    with me.app.uow() as uow:
        case = uow.session.scalars(select(Case)).unique().one()
        assert case.identity_withdrawn and case.resident_id is None
        assert case.address is not None and "幸福里小区" in case.address
        assert uow.session.scalars(select(AuditLog.action)).all() == ["erasure"]


def test_open_cases_still_route_and_close_after_forget(resident: Any) -> None:
    me = resident(CHAT)
    ref = me.report()
    me.say("/forget")
    me.tap("fg:y")
    app = me.app
    view = views.show(app, ref)
    assert view["identity_withdrawn"] is True
    staff_actions.accept(app, ref)
    staff_actions.transfer(app, ref, to_department=None, reason="不属于本部门")
    staff_actions.transfer(app, ref, to_department="city_management", reason="分派")
    staff_actions.resolve(app, ref, note="已修复")
    closed = resident_actions.close(app, ref, note="no resident to ask")
    assert closed["status"] == "closed"
    with app.uow() as uow:
        assert (
            uow.session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.channel == "telegram", OutboxMessage.status == "pending"
                )
            ).all()
            == []
        )


def test_forget_cancels_notifications_still_waiting_to_be_sent(resident: Any) -> None:
    me = resident(CHAT)
    ref = me.report()
    staff_actions.accept(me.app, ref)
    me.say("/forget")
    me.tap("fg:y")
    with me.app.uow() as uow:
        rows = uow.session.execute(
            select(OutboxMessage.status, OutboxMessage.recipient).where(
                OutboxMessage.channel == "telegram"
            )
        ).all()
    assert rows and {r.status for r in rows} == {"cancelled"}
    assert all(r.recipient.startswith(privacy.TOMBSTONE_PREFIX) for r in rows)


def test_after_forget_the_same_chat_starts_afresh(resident: Any) -> None:
    me = resident(CHAT)
    me.report()
    me.say("/forget")
    me.tap("fg:y")
    (reply,) = me.say("/mycases")
    assert "还没有提交过" in reply.text
    assert me.report().startswith("MS-")


def test_a_redelivered_confirm_does_not_store_the_chat_again(resident: Any) -> None:
    me = resident(CHAT)
    me.report()
    me.say("/forget")
    tap = me.inbound(callback_data="fg:y")
    from minsheng.services.residents.conversation import handle_inbound

    handle_inbound(me.app, tap)
    assert handle_inbound(me.app, tap) == []
    assert CHAT not in every_stored_string(me.app)
    with me.app.uow() as uow:
        kept = uow.session.get(ProcessedUpdate, ("telegram", tap.update_id))
        assert kept is not None and kept.chat_id is None


# -- retention -------------------------------------------------------------------------------


def closed_case(me: Any, clock: Any) -> str:
    ref = report_with_phone(me)
    staff_actions.resolve(me.app, ref, note="已修复")
    me.tap(f"rate:{ref}:4")
    return ref


def test_retention_anonymises_only_cases_closed_before_the_cutoff(
    resident: Any, clock: Any
) -> None:
    old_resident, recent = resident(CHAT), resident("700700")
    old = closed_case(old_resident, clock)
    clock.advance(days=400)
    new = closed_case(recent, clock)
    clock.advance(days=365 * 2 - 300)
    result = retention.run(old_resident.app)
    assert result["cases"] == 1 and not result["dry_run"]
    anonymised, kept = views.show(old_resident.app, old), views.show(old_resident.app, new)
    assert PHONE not in anonymised["description"] and anonymised["address"] is None
    assert PHONE in kept["description"] and kept["address"]
    with old_resident.app.uow() as uow:
        resident_row = uow.session.scalars(
            select(Resident).where(Resident.external_id == CHAT)
        ).one()
        assert resident_row.display_name is None
        (entry,) = uow.session.scalars(select(AuditLog).where(AuditLog.action == "retention")).all()
        assert entry.detail["cases"] == 1


def test_retention_dry_run_counts_and_changes_nothing(resident: Any, clock: Any) -> None:
    me = resident(CHAT)
    ref = closed_case(me, clock)
    clock.advance(days=800)
    before = every_stored_string(me.app)
    result = retention.run(me.app, dry_run=True)
    assert result["cases"] == 1 and result["dry_run"]
    assert every_stored_string(me.app) == before
    assert PHONE in views.show(me.app, ref)["description"]


def test_the_retention_cutoff_counts_calendar_months() -> None:
    tz = dt.timezone(dt.timedelta(hours=8))
    now = dt.datetime(2026, 3, 31, 12, 0, tzinfo=tz)
    assert retention.cutoff(now, 1, tz) == dt.datetime(2026, 2, 28, 12, 0, tzinfo=tz)
    assert retention.cutoff(now, 24, tz) == dt.datetime(2024, 3, 31, 12, 0, tzinfo=tz)


def test_home_parts_of_an_address_are_dropped_and_the_place_kept() -> None:
    assert privacy.impersonal_address("幸福里小区3号楼2单元501室") == "幸福里小区3号楼"
    assert privacy.impersonal_address("Flat 12, Xingfuli Estate") == "Xingfuli Estate"
    assert re.fullmatch(r"chat:[0-9a-f]{32}", "chat:" + "0" * 32)
