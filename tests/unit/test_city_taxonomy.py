"""A city's own domain keys: declared in config.yml, checked against the NLU model's labels,
and used by routing and the dialogue's category buttons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot import dialogue
from bot.dialogue import Context, Event
from minsheng.cli import main
from minsheng.config.settings import PROJECT_ROOT

DEFAULT = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
CITY_DOMAINS = [
    {"key": "parking", "name_zh": "停车管理", "name_en": "Parking"},
    {"key": "noise", "name_zh": "噪音扰民", "name_en": "Noise"},
    {"key": "other", "name_zh": "其他", "name_en": "Other"},
]


def _model(tmp_path: Path, labels: list[str]) -> Path:
    directory = tmp_path / "model"
    directory.mkdir()
    heads = [{"axis": "domain", "labels": labels, "first_column": 0, "temperature": 1.0}]
    (directory / "model.json").write_text(json.dumps({"format": 1, "heads": heads}))
    return directory


def _city_config(tmp_path: Path, labels: list[str]) -> Path:
    data = yaml.safe_load(yaml.safe_dump(DEFAULT))
    data["taxonomy"] = {"domains": CITY_DOMAINS}
    data["routing"] = {
        "parking": "transport_bureau",
        "noise": "ecology_environment",
        "other": "hotline_12345",
    }
    data["routing_rules"]["location_overrides"] = []
    # The shipped answers name the shipped areas; this city writes its own.
    data["faq"] = []
    data["nlu"]["model_dir"] = str(_model(tmp_path, labels))
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_city_taxonomy_matching_its_model_passes_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["config", "check", str(_city_config(tmp_path, ["parking", "noise", "other"]))]) == 0
    )


def test_a_model_trained_on_other_keys_is_refused_naming_unknown_and_missing_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _city_config(tmp_path, ["parking", "sidewalks", "other"])
    assert main(["config", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "taxonomy.domains" in err
    assert "does not declare: sidewalks" in err
    assert "never predicts: noise" in err


def test_routing_must_cover_the_city_domains_not_the_shipped_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _city_config(tmp_path, ["parking", "noise", "other"])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["routing"].pop("noise")
    data["routing"]["housing"] = "housing_bureau"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["config", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "routing.noise: is required" in err
    assert "routing.housing: 'housing' is not a domain key" in err


def test_the_dialogue_offers_the_city_categories_when_unsure() -> None:
    ctx = Context(
        today=__import__("datetime").date(2026, 11, 2),
        routing={"parking": "transport_bureau", "noise": "ecology_environment"},
        domains={d["key"]: (d["name_zh"], d["name_en"]) for d in CITY_DOMAINS},
    )
    nlu = {
        "domain": {"name": "parking", "confidence": 0.2},
        "urgency": {"name": "normal", "confidence": 0.9},
        "kind": {"name": "demand", "confidence": 0.9},
        "entities": [{"entity": "location", "value": "幸福里小区"}],
        "rules": [],
        "language": "zh",
        "low_confidence": True,
    }
    state, replies, _ = dialogue.handle(None, Event(text="小区门口天天乱停车", nlu=nlu), ctx)
    labels = [b.label for r in replies for row in r.buttons for b in row]
    assert "停车管理" in labels and "噪音扰民" in labels and "教育" not in labels
    state, replies, _ = dialogue.handle(state, Event(callback="d:noise"), ctx)
    assert state["draft"]["domain"] == "noise"
