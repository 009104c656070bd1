"""The SLA sweep on real databases: each warning and breach once, escalation, overdue lists,
holidays and make-up days, provisional deadlines, transfers, reopens and staff notices."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from case_store import repository
from case_store.models import CaseAlert, OutboxMessage
from minsheng.config.schema import ResolutionOverride
from minsheng.config.settings import Settings
from minsheng.services.bootstrap import App, bootstrap
from minsheng.services.casework import resident_actions, staff_actions, submission, views
from minsheng.services.casework.submission import Intake
from minsheng.services.messaging import notices, outbox
from minsheng.services.sla import overdue, sweep

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def _intake(**overrides: Any) -> Intake:
    values: dict[str, Any] = {
        "text": "幸福里小区3号楼电梯坏了一个星期了，老人上下楼很困难",
        "domain": "housing",
        "urgency": "normal",
        "kind": "demand",
        "channel": "telegram",
        "external_id": "1001",
        "display_name": "王女士",
    }
    values.update(overrides)
    return Intake(**values)


def alert_keys(app: App, ref: str) -> list[str]:
    with app.uow() as uow:
        s = uow.session
        case = repository.get_case(s, ref)
        return list(
            s.scalars(
                sa.select(CaseAlert.key).where(CaseAlert.case_id == case.id).order_by(CaseAlert.id)
            )
        )


def outbox_rows(app: App, ref: str | None = None) -> list[tuple[str, str, str]]:
    """(key, channel, recipient) of SLA messages queued for staff, optionally of one case
    (new-case notices left out)."""
    with app.uow() as uow:
        stmt = (
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.channel == "staff",
                OutboxMessage.key.not_like(f"%:{notices.NEW_CASE}"),
            )
            .order_by(OutboxMessage.id)
        )
        if ref is not None:
            case = repository.get_case(uow.session, ref)
            stmt = stmt.where(OutboxMessage.case_id == case.id)
        return [(m.key, m.channel, m.recipient) for m in uow.session.scalars(stmt)]


def events_of(app: App, ref: str, type_: str) -> list[dict[str, Any]]:
    return [e for e in views.events(app, ref) if e["type"] == type_]


def sweep_at(app: App, clock: Any, moment: dt.datetime) -> dict[str, Any]:
    clock.set(moment)
    return sweep.run(app)


# -- each warning once ----------------------------------------------------------------------


def test_each_warning_and_the_breach_is_raised_once_when_its_time_comes(
    app: App, clock: Any
) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    view = submission.submit(app, _intake(urgency="urgent"))
    ref = view["reference"]
    opened = at(2026, 11, 2, 10, 0)
    due = dt.datetime.fromisoformat(view["resolution_due_at"])
    assert due == at(2026, 12, 14, 23, 59, 59)

    steps = [
        (opened + dt.timedelta(minutes=59), []),
        (opened + dt.timedelta(hours=1), ["first_response_warn"]),
        (opened + dt.timedelta(hours=1, minutes=30), []),
        (opened + dt.timedelta(hours=2), ["first_response_breach"]),
        (opened + (due - opened) * 0.5 - dt.timedelta(seconds=1), []),
        (opened + (due - opened) * 0.5, ["resolution_warn_50@r1"]),
        (opened + (due - opened) * 0.8, ["resolution_warn_80@r1"]),
        (due - dt.timedelta(seconds=1), []),
        (due, ["resolution_breach@r1"]),
        (due + dt.timedelta(days=3), []),
    ]
    raised: list[str] = []
    for moment, expected in steps:
        result = sweep_at(app, clock, moment)
        assert result["alerts"] == len(expected), moment
        raised += expected
        assert alert_keys(app, ref) == raised

    staff = [k for k, channel, to in outbox_rows(app, ref) if to == "housing_bureau"]
    assert staff == [f"{ref}:{k}" for k in raised]
    assert [e["after"]["alert"] for e in events_of(app, ref, "sla_warning")] == [
        "first_response_warn",
        "resolution_warn_50@r1",
        "resolution_warn_80@r1",
    ]
    assert [e["after"]["alert"] for e in events_of(app, ref, "sla_breach")] == [
        "first_response_breach",
        "resolution_breach@r1",
    ]


def test_a_breached_case_is_escalated_to_the_supervisor_department(app: App, clock: Any) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = submission.submit(app, _intake(domain="utilities", urgency="high", text="停水两天了"))[
        "reference"
    ]
    assert views.show(app, ref)["department"] == "utilities_desk"
    sweep_at(app, clock, at(2026, 11, 3, 9, 59))
    assert views.show(app, ref)["escalated"] is False

    result = sweep_at(app, clock, at(2026, 11, 3, 10, 0))
    assert result["escalated"] == 1
    assert views.show(app, ref)["escalated"] is True
    (escalation,) = events_of(app, ref, "escalated")
    assert escalation["after"]["supervisor"] == "housing_bureau"
    assert escalation["after"]["alert"] == "first_response_breach"
    assert (f"{ref}:escalated:first_response_breach", "staff", "housing_bureau") in outbox_rows(
        app, ref
    )

    sweep_at(app, clock, at(2026, 11, 3, 12, 0))
    assert len(events_of(app, ref, "escalated")) == 1
    assert [r for r in outbox_rows(app, ref) if r[2] == "housing_bureau"] == [
        (f"{ref}:escalated:first_response_breach", "staff", "housing_bureau")
    ]


def test_a_sweep_run_twice_sends_each_warning_once(app: App, clock: Any) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    refs = [
        submission.submit(app, _intake(urgency="urgent", external_id=str(i)))["reference"]
        for i in range(3)
    ]
    clock.set(at(2026, 11, 20, 10, 0))
    first = sweep.run(app)
    second = sweep.run(app)
    assert first["alerts"] == 3 * 2 and first["escalated"] == 3
    assert second["alerts"] == 0 and second["escalated"] == 0
    for ref in refs:
        assert alert_keys(app, ref) == ["first_response_warn", "first_response_breach"]
        keys = [k for k, _, _ in outbox_rows(app, ref)]
        assert len(keys) == len(set(keys)) == 3


def test_a_missed_sweep_raises_every_overdue_alert_on_its_next_run(app: App, clock: Any) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = submission.submit(app, _intake(urgency="high"))["reference"]
    result = sweep_at(app, clock, at(2027, 1, 5, 9, 0))
    assert result["alerts"] == 5
    assert alert_keys(app, ref) == [
        "first_response_warn",
        "first_response_breach",
        "resolution_warn_50@r1",
        "resolution_warn_80@r1",
        "resolution_breach@r1",
    ]


def test_an_accepted_case_is_still_warned_at_half_its_resolution_window(
    app: App, clock: Any
) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    view = submission.submit(app, _intake(urgency="high"))
    ref = view["reference"]
    clock.set(at(2026, 11, 2, 11, 0))
    staff_actions.accept(app, ref)
    opened, due = at(2026, 11, 2, 10, 0), dt.datetime.fromisoformat(view["resolution_due_at"])

    sweep_at(app, clock, at(2026, 11, 3, 12, 0))
    assert alert_keys(app, ref) == []
    sweep_at(app, clock, opened + (due - opened) * 0.5)
    assert alert_keys(app, ref) == ["resolution_warn_50@r1"]


def test_a_resolved_case_raises_nothing_more(app: App, clock: Any) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = submission.submit(app, _intake(urgency="urgent"))["reference"]
    clock.set(at(2026, 11, 2, 10, 30))
    staff_actions.resolve(app, ref, note="已修复")
    assert sweep_at(app, clock, at(2027, 2, 1, 10, 0))["alerts"] == 0
    assert alert_keys(app, ref) == []


# -- overdue list ---------------------------------------------------------------------------


def test_the_overdue_list_shows_open_cases_past_a_deadline_most_overdue_first(
    app: App, clock: Any
) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    late_resolution = submission.submit(app, _intake(external_id="1"))["reference"]
    clock.set(at(2026, 12, 10, 9, 0))
    late_response = submission.submit(
        app, _intake(external_id="2", urgency="urgent", domain="transport", text="红绿灯坏了")
    )["reference"]
    on_time = submission.submit(app, _intake(external_id="3", urgency="high"))["reference"]
    staff_actions.accept(app, on_time)
    done = submission.submit(app, _intake(external_id="4", urgency="urgent"))["reference"]
    staff_actions.resolve(app, done, note="已处理")

    clock.set(at(2026, 12, 15, 9, 0))
    sweep.run(app)
    rows = overdue.overdue(app)
    assert [r["reference"] for r in rows] == [late_response, late_resolution]
    assert rows[0]["missed"] == ["first_response"]
    assert rows[0]["overdue_since"] == "2026-12-10T11:00:00+08:00"
    assert rows[0]["overdue_hours"] == 4 * 24 + 22
    assert rows[1]["missed"] == ["resolution"]
    assert rows[1]["overdue_since"] == "2026-12-14T23:59:59+08:00"
    assert all(r["escalated"] for r in rows)

    housing = overdue.overdue(app, department="housing_bureau")
    assert [r["reference"] for r in housing] == [late_resolution]
    assert overdue.overdue(app, department="education_bureau") == []


# -- two sweeps at once ---------------------------------------------------------------------

SWEEP_CHILD = """
import os, sys, time
from pathlib import Path
from minsheng.config.settings import load_settings
from minsheng.services.sla import sweep
from minsheng.services.bootstrap import bootstrap
sweep.BATCH = 10  # many small batches, so the two sweeps interleave
app = bootstrap(load_settings())
with app.engine.connect():
    pass
folder = Path(sys.argv[1])
(folder / f"ready-{sys.argv[2]}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
import json
print(json.dumps(sweep.run(app)))
"""


def test_two_sweeps_in_two_processes_at_once_raise_each_alert_once(
    app: App, clock: Any, tmp_path: Path
) -> None:
    # The children read the real clock: open the cases long enough ago that every alert of
    # theirs (first response and resolution, 30 working days) is due now.
    clock.set(dt.datetime.now(dt.UTC) - dt.timedelta(days=150))
    refs = [
        submission.submit(app, _intake(urgency="urgent", external_id=str(i)))["reference"]
        for i in range(120)
    ]
    env = {**os.environ, "MINSHENG_DATABASE_URL": app.settings.database_url}
    env.pop("MINSHENG_CONFIG", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SWEEP_CHILD, str(tmp_path), str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        for n in (1, 2)
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{n}").exists() for n in (1, 2)):
        assert time.monotonic() < deadline, "the sweep processes did not start"
        assert all(p.poll() is None for p in procs), procs[0].communicate()
        time.sleep(0.01)
    (tmp_path / "go").touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    per_case = [
        "first_response_warn",
        "first_response_breach",
        "resolution_warn_50@r1",
        "resolution_warn_80@r1",
        "resolution_breach@r1",
    ]
    assert sum(r["checked"] for r in results) == len(refs)
    assert sum(r["alerts"] for r in results) == len(refs) * len(per_case)
    assert sum(r["escalated"] for r in results) == len(refs) * 2
    with app.uow() as uow:
        s = uow.session
        alert_pairs = s.execute(sa.select(CaseAlert.case_id, CaseAlert.key)).all()
        message_keys = list(
            s.scalars(
                sa.select(OutboxMessage.key).where(
                    OutboxMessage.channel == "staff", OutboxMessage.key.not_like("%:new_case")
                )
            )
        )
        escalations = s.scalar(sa.text("select count(*) from case_events where type = 'escalated'"))
    assert len(alert_pairs) == len(set(alert_pairs)) == len(refs) * len(per_case)
    assert len(message_keys) == len(set(message_keys)) == len(refs) * (len(per_case) + 2)
    assert escalations == len(refs) * 2
    assert sorted(alert_keys(app, refs[0])) == sorted(per_case)

    again = subprocess.run(
        [str(Path(sys.executable).with_name("minsheng")), "sla", "sweep", "--json"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["alerts"] == 0


# -- the official calendar ------------------------------------------------------------------


def test_a_deadline_across_mid_autumn_and_national_day_is_breached_on_the_right_day(
    app: App, clock: Any
) -> None:
    clock.set(at(2026, 9, 25, 10, 0))  # Mid-autumn Festival, a holiday
    view = submission.submit(app, _intake())
    ref = view["reference"]
    assert view["resolution_due_at"] == "2026-11-12T23:59:59+08:00"
    assert view["resolution_due_provisional"] is False
    sweep_at(app, clock, at(2026, 11, 12, 23, 59, 58))
    assert "resolution_breach@r1" not in alert_keys(app, ref)
    sweep_at(app, clock, at(2026, 11, 13, 0, 0))
    assert alert_keys(app, ref)[-1] == "resolution_breach@r1"


def test_a_make_up_saturday_counts_as_a_working_day_for_the_deadline(
    app: App, base_settings: Settings, clock: Any
) -> None:
    rule = ResolutionOverride(domain="utilities", working_days=3)
    short = base_settings.sla.model_copy(update={"resolution_overrides": [rule]})
    quick = bootstrap(
        app.settings.model_copy(update={"sla": short}), clock=clock, engine=app.engine
    )
    clock.set(at(2026, 9, 30, 10, 0))
    view = submission.submit(quick, _intake(domain="utilities", text="小区停电"))
    # 1 to 7 October are holidays; 8 and 9 October are working days; Saturday 10 October is
    # a make-up working day (调休), so it is the third.
    assert view["resolution_due_at"] == "2026-10-10T23:59:59+08:00"
    sweep_at(quick, clock, at(2026, 10, 10, 23, 0))
    assert "resolution_breach@r1" not in alert_keys(quick, view["reference"])
    sweep_at(quick, clock, at(2026, 10, 11, 0, 0))
    assert alert_keys(quick, view["reference"])[-1] == "resolution_breach@r1"


CALENDAR_2027 = {
    "format": 1,
    "years": {"2027": {"holidays": {"2027-01-01": "New Year's Day"}, "workdays": {}}},
}


def test_a_deadline_in_2027_is_provisional_until_the_operator_adds_2027(
    app: App, clock: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock.set(at(2026, 12, 10, 10, 0))
    view = submission.submit(app, _intake())
    ref = view["reference"]
    # 15 working days to 31 December, then Monday–Friday in 2027 with no published data.
    assert view["resolution_due_at"] == "2027-01-21T23:59:59+08:00"
    assert view["resolution_due_provisional"] is True
    clock.set(at(2026, 12, 11, 10, 0))
    assert sweep.run(app)["recomputed"] == 0
    assert events_of(app, ref, "deadline_recomputed") == []

    operator_file = tmp_path / "calendar-2027.json"
    operator_file.write_text(json.dumps(CALENDAR_2027), encoding="utf-8")
    calendar_cfg = app.settings.calendar.model_copy(update={"extra_file": str(operator_file)})
    updated = bootstrap(
        app.settings.model_copy(update={"calendar": calendar_cfg}), clock=clock, engine=app.engine
    )
    with caplog.at_level(logging.INFO, logger="minsheng.services.sla.provisional"):
        result = sweep.run(updated)
    assert result["recomputed"] == 1
    assert "recomputed 1 provisional deadline" in caplog.text

    after = views.show(updated, ref)
    # New Year's Day 2027 is a holiday after all: one working day later.
    assert after["resolution_due_at"] == "2027-01-22T23:59:59+08:00"
    assert after["resolution_due_provisional"] is False
    (event,) = events_of(updated, ref, "deadline_recomputed")
    assert event["before"]["resolution_due_at"] == "2027-01-21T23:59:59+08:00"
    assert event["after"] == {
        "resolution_due_at": "2027-01-22T23:59:59+08:00",
        "provisional": False,
    }
    assert sweep.run(updated)["recomputed"] == 0

    sweep_at(updated, clock, at(2027, 1, 22, 12, 0))
    assert "resolution_breach@r1" not in alert_keys(updated, ref)
    sweep_at(updated, clock, at(2027, 1, 23, 0, 0))
    assert alert_keys(updated, ref)[-1] == "resolution_breach@r1"


# -- transfers and reopens ------------------------------------------------------------------


def test_a_transfer_keeps_the_alerts_and_the_breach_goes_to_the_new_department(
    app: App, clock: Any
) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = submission.submit(app, _intake(urgency="urgent"))["reference"]
    sweep_at(app, clock, at(2026, 11, 2, 11, 0))
    assert outbox_rows(app, ref) == [(f"{ref}:first_response_warn", "staff", "housing_bureau")]

    clock.set(at(2026, 11, 2, 11, 30))
    staff_actions.transfer(
        app, ref, to_department="utilities_desk", to_domain="utilities", reason="这是供水问题"
    )
    sweep_at(app, clock, at(2026, 11, 2, 11, 45))
    assert alert_keys(app, ref) == ["first_response_warn"]

    sweep_at(app, clock, at(2026, 11, 2, 12, 0))
    assert alert_keys(app, ref) == ["first_response_warn", "first_response_breach"]
    assert outbox_rows(app, ref)[1:] == [
        (f"{ref}:first_response_breach", "staff", "utilities_desk"),
        (f"{ref}:escalated:first_response_breach", "staff", "housing_bureau"),
    ]


def test_a_reopened_case_gets_a_fifteen_day_clock_with_new_alert_keys(app: App, clock: Any) -> None:
    clock.set(at(2026, 11, 2, 10, 0))
    ref = submission.submit(app, _intake())["reference"]
    clock.set(at(2026, 11, 5, 10, 0))
    staff_actions.resolve(app, ref, note="已联系维保单位修复")
    resident_actions.rate(app, ref, score=1, comment="根本没修好")
    clock.set(at(2026, 11, 20, 10, 0))
    view = staff_actions.reopen(app, ref, reason="居民反映电梯仍然故障")
    assert view["resolution_round"] == 2
    assert view["resolution_due_at"] == "2026-12-11T23:59:59+08:00"

    reopened, due = at(2026, 11, 20, 10, 0), at(2026, 12, 11, 23, 59, 59)
    for moment in (
        reopened + (due - reopened) * 0.5,
        reopened + (due - reopened) * 0.8,
        due,
        due + dt.timedelta(days=1),
    ):
        sweep_at(app, clock, moment)
    assert alert_keys(app, ref) == [
        "resolution_warn_50@r2",
        "resolution_warn_80@r2",
        "resolution_breach@r2",
    ]
    assert [e["after"]["supervisor"] for e in events_of(app, ref, "escalated")] == ["supervision"]


# -- staff notices --------------------------------------------------------------------------


def notice_of(app: App, ref: str) -> OutboxMessage:
    with app.uow() as uow:
        notice = uow.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.key == f"{ref}:new_case")
        ).one()
        uow.session.expunge(notice)
    return notice


@pytest.mark.parametrize(
    "labels",
    [
        {"urgency": "urgent", "kind": "demand"},
        {"urgency": "high", "kind": "demand"},
        {"urgency": "normal", "kind": "complaint"},
    ],
)
def test_urgent_high_and_complaint_notices_go_out_at_once_even_at_night(
    app: App, clock: Any, labels: dict[str, str]
) -> None:
    night = at(2026, 10, 3, 2, 30)  # a National Day holiday, in the small hours
    clock.set(night)
    ref = submission.submit(app, _intake(**labels))["reference"]
    notice = notice_of(app, ref)
    assert notice.available_at == night
    assert (notice.channel, notice.recipient) == ("staff", "housing_bureau")
    assert notice.payload["reference"] == ref and notice.payload["type"] == "new_case"


@pytest.mark.parametrize(
    ("submitted", "sent"),
    [
        (at(2026, 11, 3, 14, 0), at(2026, 11, 3, 14, 0)),  # Tuesday afternoon: at once
        (at(2026, 11, 3, 7, 15), at(2026, 11, 3, 9, 0)),  # before office hours
        (at(2026, 9, 30, 20, 0), at(2026, 10, 8, 9, 0)),  # evening before National Day
        (at(2026, 10, 9, 19, 0), at(2026, 10, 10, 9, 0)),  # Saturday 10 October is a workday
        (at(2026, 11, 7, 11, 0), at(2026, 11, 9, 9, 0)),  # an ordinary Saturday
    ],
)
def test_a_normal_case_notice_waits_for_working_hours(
    app: App, clock: Any, submitted: dt.datetime, sent: dt.datetime
) -> None:
    clock.set(submitted)
    ref = submission.submit(app, _intake())["reference"]
    assert notice_of(app, ref).available_at == sent


def test_a_case_notice_is_queued_once_even_when_the_outbox_is_asked_twice(
    app: App, clock: Any
) -> None:
    ref = submission.submit(app, _intake(urgency="urgent"))["reference"]
    first = notice_of(app, ref)
    clock.advance(minutes=5)
    with app.uow() as uow:
        again = outbox.enqueue(
            uow.session,
            key=first.key,
            channel=first.channel,
            recipient=first.recipient,
            payload=first.payload,
            now=clock.now,
        )
        uow.commit()
    with app.uow() as uow:
        keys = list(
            uow.session.scalars(
                sa.select(OutboxMessage.key).where(OutboxMessage.key.like("%:new_case"))
            )
        )
    assert again is False
    assert keys == [f"{ref}:new_case"]


def test_a_complaint_about_staff_is_announced_to_the_supervisor_without_the_resident(
    app: App, clock: Any
) -> None:
    ref = submission.submit(
        app,
        _intake(
            kind="complaint",
            complaint_about_staff=True,
            accused_department="housing_bureau",
            text="住建局窗口工作人员态度恶劣",
        ),
    )["reference"]
    notice = notice_of(app, ref)
    assert notice.recipient == "supervision"
    text = json.dumps(notice.payload, ensure_ascii=False)
    assert "王女士" not in text and "1001" not in text
