"""What a resident is told as their case moves on: work starting, a reopen with its new
deadline, an escalation, the outcome in plain words, and a provisional deadline settled."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from case_store import repository
from case_store.models import OutboxMessage
from minsheng.services.bootstrap import App, bootstrap
from minsheng.services.casework import staff_actions, submission
from minsheng.services.casework.submission import Intake
from minsheng.services.residents import resident
from minsheng.services.sla import sweep

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def _submit(app: App, language: str = "zh", **overrides: Any) -> str:
    values: dict[str, Any] = {
        "text": "幸福里小区3号楼电梯坏了一个星期了",
        "domain": "housing",
        "urgency": "normal",
        "kind": "demand",
        "channel": "telegram",
        "external_id": "2001",
        "language": language,
    }
    values.update(overrides)
    return str(submission.submit(app, Intake(**values))["reference"])


def told(app: App, ref: str, type_: str) -> list[str]:
    """The texts queued for the resident about the case, of one notification type."""
    with app.uow() as uow:
        case = repository.get_case(uow.session, ref)
        rows = uow.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.case_id == case.id, OutboxMessage.channel == "telegram")
            .order_by(OutboxMessage.id)
        )
        return [m.payload["text"] for m in rows if m.payload.get("type") == type_]


def test_the_resident_is_told_when_work_starts(app: App, clock: Any) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = _submit(app)
    staff_actions.accept(app, ref)
    staff_actions.start(app, ref)
    (text,) = told(app, ref, "started")
    assert ref in text and "住房和城乡建设局已开始办理" in text


def test_a_reopen_by_staff_tells_the_resident_the_new_deadline_in_their_language(
    app: App, clock: Any
) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = _submit(app, language="en")
    staff_actions.resolve(app, ref, note="The lift was repaired.")
    clock.set(at(2026, 11, 4, 10, 0))
    staff_actions.reopen(app, ref, reason="the lift broke again the next day")
    (text,) = told(app, ref, "reopened")
    # 15 working days from 5 November 2026.
    assert "reopened your case" in text and "New deadline: 25 November 2026" in text


def test_a_reopen_the_resident_asked_for_is_not_announced_twice(app: App, clock: Any) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = _submit(app)
    staff_actions.resolve(app, ref, note="已修复")
    resident.rate_own_case(app, "telegram", "2001", ref, 1)
    resident.reopen_after_low_rating(app, "telegram", "2001", ref, "resident asked to reopen")
    assert told(app, ref, "reopened") == []


def test_an_escalation_is_told_to_the_resident_once(app: App, clock: Any) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = _submit(app, domain="utilities", urgency="high", text="停水两天了")
    clock.set(at(2026, 11, 3, 10, 0))
    assert sweep.run(app)["escalated"] == 1
    clock.set(at(2026, 11, 3, 12, 0))
    sweep.run(app)
    (text,) = told(app, ref, "case_escalated")
    assert ref in text and "督办" in text


def test_not_responsible_is_told_as_such_with_the_note_and_where_to_go(
    app: App, clock: Any
) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = _submit(app)
    staff_actions.resolve(
        app, ref, note="电梯属物业公司维保，请联系物业。", outcome="not_responsible"
    )
    (text,) = told(app, ref, "resolved")
    assert "不属于其职责范围" in text and "已办结" not in text
    assert "电梯属物业公司维保，请联系物业。" in text
    assert "12345" in text  # the configured referral
    assert "满意" in text


def test_unresolved_is_told_as_such_in_english(app: App, clock: Any) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = _submit(app, language="en")
    staff_actions.resolve(app, ref, note="The owner cannot be found.", outcome="unresolved")
    (text,) = told(app, ref, "resolved")
    assert "could not be solved" in text and "has been resolved" not in text
    assert "The owner cannot be found." in text
    clock.set(at(2026, 11, 5, 11, 0))
    resident.survey_sweep(app)
    (reminder,) = told(app, ref, "survey_reminder")
    assert "could not be solved" in reminder


CALENDAR_2027 = {
    "format": 1,
    "years": {"2027": {"holidays": {"2027-01-01": "New Year's Day"}, "workdays": {}}},
}


def test_the_resident_hears_the_settled_deadline_once_the_calendar_is_published(
    app: App, clock: Any, tmp_path: Path
) -> None:
    clock.set(at(2026, 12, 10, 10, 0))
    ref = _submit(app)
    clock.set(at(2026, 12, 11, 10, 0))
    sweep.run(app)
    assert told(app, ref, "deadline_corrected") == []

    operator_file = tmp_path / "calendar-2027.json"
    operator_file.write_text(json.dumps(CALENDAR_2027), encoding="utf-8")
    calendar_cfg = app.settings.calendar.model_copy(update={"extra_file": str(operator_file)})
    updated = bootstrap(
        app.settings.model_copy(update={"calendar": calendar_cfg}), clock=clock, engine=app.engine
    )
    sweep.run(updated)
    clock.set(at(2026, 12, 13, 10, 0))
    sweep.run(updated)
    (text,) = told(updated, ref, "deadline_corrected")
    assert "2027年1月22日" in text and "约" not in text
