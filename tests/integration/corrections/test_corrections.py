"""Staff corrections of a case's classification are kept with the NLU's reading and become
training data: the misrouting transfer, the triage re-classification, the export as Rasa YAML,
training on it, and the dashboard's predicted × corrected confusion."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import factories
import pytest
import yaml
from sqlalchemy import select

from case_store.models import CaseCorrection
from minsheng.services.bootstrap import App
from minsheng.services.casework import corrections, staff_actions
from minsheng.services.errors import InvalidRequest
from minsheng.services.reporting import dashboard
from minsheng.services.residents import intake

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def nlu_reading(domain: str, urgency: str = "normal", kind: str = "demand") -> dict[str, str]:
    return {"domain": domain, "urgency": urgency, "kind": kind}


def rows(app: App) -> list[CaseCorrection]:
    with app.uow() as uow:
        found = list(uow.session.scalars(select(CaseCorrection).order_by(CaseCorrection.id)))
        uow.session.expunge_all()
    return found


def test_an_intake_keeps_the_classifiers_reading_beside_the_residents_choice() -> None:
    result = {
        "domain": {"name": "housing", "confidence": 0.6},
        "urgency": {"name": "normal", "confidence": 0.9},
        "kind": {"name": "demand", "confidence": 0.7},
        "entities": [],
    }
    draft = intake.to_intake(result, channel="web", text="楼道灯坏了", domain="transport")
    assert draft.domain == "transport"
    assert draft.predicted == nlu_reading("housing")


def test_a_transfer_to_another_domain_is_kept_as_a_domain_correction(app: App, clock: Any) -> None:
    clock.set(at(11, 2))
    ref = factories.submit(app, "小区水管爆了", "housing", predicted=nlu_reading("housing"))
    staff_actions.transfer(
        app, ref, to_department=None, to_domain="utilities", reason="供水管网，不是物业", actor="li"
    )
    [row] = rows(app)
    assert (row.axis, row.predicted, row.before, row.after) == (
        "domain",
        "housing",
        "housing",
        "utilities",
    )
    assert (row.source, row.actor, row.note) == ("transfer", "li", "供水管网，不是物业")


def test_a_transfer_that_keeps_the_domain_is_no_correction(app: App) -> None:
    ref = factories.submit(app, "路灯不亮", "transport")
    staff_actions.transfer(app, ref, to_department="utilities_desk", reason="电力线路")
    assert rows(app) == []


def test_reclassifying_urgency_and_kind_records_each_axis_and_moves_the_answer_deadline(
    app: App, clock: Any
) -> None:
    clock.set(at(11, 2))
    ref = factories.submit(
        app, "独居老人摔倒了没人管", "elderly_care", predicted=nlu_reading("elderly_care")
    )
    clock.set(at(11, 2, 10) + dt.timedelta(minutes=30))
    view = staff_actions.reclassify(
        app, ref, urgency="urgent", kind="complaint", reason="老人摔倒独居", source="triage"
    )
    assert (view["urgency"], view["kind"]) == ("urgent", "complaint")
    assert dt.datetime.fromisoformat(view["first_response_due_at"]) == at(11, 2, 12)
    assert {(r.axis, r.predicted, r.after, r.source) for r in rows(app)} == {
        ("urgency", "normal", "urgent", "triage"),
        ("kind", "demand", "complaint", "triage"),
    }


def test_reclassifying_to_the_same_labels_or_without_a_reason_is_refused(app: App) -> None:
    ref = factories.submit(app, "路灯不亮", "transport")
    with pytest.raises(InvalidRequest):
        staff_actions.reclassify(app, ref, urgency="normal", reason="同上")
    with pytest.raises(InvalidRequest):
        staff_actions.reclassify(app, ref, urgency="urgent", reason=" ")
    with pytest.raises(InvalidRequest):
        staff_actions.reclassify(app, ref, kind="praise", reason="不是诉求类型")
    assert rows(app) == []


def test_a_case_opened_before_readings_were_stored_takes_its_opening_labels_as_the_reading(
    app: App,
) -> None:
    ref = factories.submit(app, "楼上噪音", "housing")
    staff_actions.reclassify(app, ref, domain="environment", reason="噪音归环境")
    [row] = rows(app)
    assert (row.predicted, row.after) == ("housing", "environment")


def test_the_export_keeps_the_last_correction_per_case_and_axis_with_numbers_redacted(
    app: App, clock: Any
) -> None:
    clock.set(at(11, 2))
    ref = factories.submit(app, "楼上漏水到我家，电话13812345678", "housing")
    staff_actions.reclassify(app, ref, kind="complaint", reason="物业不管")
    clock.set(at(11, 3))
    staff_actions.reclassify(app, ref, kind="demand", reason="改回")
    found = corrections.latest(app)
    assert [(c.axis, c.corrected) for c in found] == [("kind", "demand")]
    assert "13812345678" not in found[0].text
    assert corrections.latest(app, since=at(11, 4)) == []


def test_the_dashboard_shows_the_confusion_of_reading_and_correction_per_month(
    app: App, clock: Any
) -> None:
    clock.set(at(10, 20))
    a = factories.submit(app, "甲", "housing", resident="1", predicted=nlu_reading("housing"))
    staff_actions.reclassify(app, a, domain="utilities", reason="水")
    clock.set(at(11, 5))
    b = factories.submit(app, "乙", "housing", resident="2", predicted=nlu_reading("housing"))
    c = factories.submit(app, "丙", "market", resident="3", predicted=nlu_reading("market"))
    staff_actions.reclassify(app, b, domain="utilities", urgency="high", reason="整栋停水")
    staff_actions.reclassify(app, c, domain="utilities", reason="燃气")
    clock.set(at(12, 1))
    data = dashboard.dashboard(app, last_month="2026-11", count=2)["corrections"]
    assert data["total"] == 4
    domain = next(ax for ax in data["axes"] if ax["axis"] == "domain")
    assert domain["to"] == ["utilities"]
    assert [
        (m["month"], [(r["predicted"], r["counts"]) for r in m["rows"]]) for m in domain["months"]
    ] == [
        ("2026-10", [("housing", [1])]),
        ("2026-11", [("housing", [1]), ("market", [1])]),
    ]
    text = dashboard.to_csv("corrections", {"corrections": data})
    assert "2026-11,urgency,normal,high,1" in text.splitlines()


def test_the_corrections_command_writes_rasa_yaml_that_training_accepts(
    sqlite_app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minsheng.cli import nlu as nlu_cli
    from minsheng.config import settings as settings_module
    from nlu.training_data import read_training_sets

    ref = factories.submit(sqlite_app, "小区里天天有人烧垃圾，呛得睡不着", "community")
    staff_actions.reclassify(sqlite_app, ref, domain="environment", kind="complaint", reason="污染")
    monkeypatch.setattr(settings_module, "load_settings", lambda _path=None: sqlite_app.settings)
    out = tmp_path / "corrections.yml"
    assert nlu_cli.main(["corrections", "--out", str(out), "--since", "2000-01-01"]) == 0
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert doc["version"] == "3.1"
    assert {(i["intent"], i["metadata"]["axis"]) for i in doc["nlu"]} == {
        ("environment", "domain"),
        ("complaint", "kind"),
    }
    shipped = Path(__file__).resolve().parents[3] / "nlu" / "data"
    sets = read_training_sets([shipped], [out])
    text = "小区里天天有人烧垃圾，呛得睡不着"
    assert [ex.intent for ex in sets["domain"] if ex.text == text] == ["environment"]
    assert [ex.intent for ex in sets["kind"] if ex.text == text] == ["complaint"]


def test_the_corrections_command_rejects_a_date_it_cannot_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from minsheng.cli import nlu as nlu_cli

    with pytest.raises(SystemExit):
        nlu_cli.main(["corrections", "--out", str(tmp_path / "x.yml"), "--since", "last week"])
    assert "not a date" in capsys.readouterr().err
