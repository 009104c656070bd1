"""The stored model: one feature space per axis, saved and read back, and kind's cue tokens."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlu.errors import ModelError
from nlu.features import CUE, FeatureConfig, tokens
from nlu.model import LinearModel
from nlu.rasa_yaml import Example, dump_examples, load_examples
from nlu.training_data import read_training_sets


def test_each_axis_keeps_its_own_vocabulary(tiny_model: LinearModel) -> None:
    assert tiny_model.axes == ("domain", "urgency", "kind")
    spaces = [h.space for h in tiny_model.heads]
    assert len(set(spaces)) == len(spaces) == len(tiny_model.spaces)


def test_an_axis_scored_in_two_spaces_averages_their_probabilities(
    tiny_model: LinearModel,
) -> None:
    from dataclasses import replace

    from nlu.model import LinearModel as Model

    kind = next(h for h in tiny_model.heads if h.axis == "kind")
    twice = Model(
        tiny_model.spaces,
        [*tiny_model.heads, replace(kind, temperature=kind.temperature * 4)],
        tiny_model.meta,
    )
    text = "物业一直不管"
    single = dict(tiny_model.rank(text)["kind"])
    flatter = dict(
        Model(tiny_model.spaces, [replace(kind, temperature=kind.temperature * 4)]).rank(text)[
            "kind"
        ]
    )
    both = dict(twice.rank(text)["kind"])
    for label, p in both.items():
        assert abs(p - (single[label] + flatter[label]) / 2) < 1e-6
    assert twice.axes == tiny_model.axes


def test_a_saved_model_ranks_exactly_as_before(tiny_model: LinearModel, tmp_path: Path) -> None:
    tiny_model.save(tmp_path)
    loaded = LinearModel.load(tmp_path)
    text = "小区停水两天了，物业一直不管"
    assert loaded.rank(text) == tiny_model.rank(text)
    assert json.loads((tmp_path / "model.json").read_text())["format"] == 2


def test_a_model_of_the_previous_format_still_loads(tmp_path: Path) -> None:
    np.savez_compressed(
        tmp_path / "weights.npz",
        vocabulary=np.array(["水", "路"]),
        idf=np.ones(2, dtype=np.float32),
        weights=np.array([[1.0, -1.0], [-1.0, 1.0]], dtype=np.float32),
        bias=np.zeros(2, dtype=np.float32),
    )
    meta = {
        "format": 1,
        "features": FeatureConfig(char_max=1).to_dict(),
        "heads": [
            {
                "axis": "domain",
                "labels": ["utilities", "transport"],
                "first_column": 0,
                "temperature": 1.0,
            }
        ],
    }
    (tmp_path / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    model = LinearModel.load(tmp_path)
    assert model.rank("停水")["domain"][0][0] == "utilities"
    assert model.rank("修路")["domain"][0][0] == "transport"


def test_a_model_of_an_unknown_format_is_refused_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text(json.dumps({"format": 99}), encoding="utf-8")
    np.savez_compressed(tmp_path / "weights.npz", x=np.zeros(1))
    with pytest.raises(ModelError, match="format 99"):
        LinearModel.load(tmp_path)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("物业一直拖着不修", "wrongdoing"),
        ("我要举报这家店", "report"),
        ("这叫什么事！！", "indignation"),
        ("路灯坏了三个月了还没人修", "neglect"),
        ("The lift has been broken for three weeks", "neglect"),
        ("麻烦派人来看看", "request"),
        ("几点开门？", "question"),
    ],
)
def test_cue_tokens_mark_what_the_resident_wants(text: str, cue: str) -> None:
    found = {t[1:] for t in tokens(text, FeatureConfig(cues=True)) if t.startswith(CUE)}
    assert cue in found


def test_cue_tokens_appear_only_when_the_features_ask_for_them() -> None:
    assert not [t for t in tokens("物业一直拖着不修", FeatureConfig()) if t.startswith(CUE)]


def test_an_intent_with_axis_metadata_survives_a_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "corrections.yml"
    examples = [
        Example("楼道里烧垃圾", "environment", axis="domain"),
        Example("楼道里烧垃圾", "complaint", axis="kind"),
        Example("独居老人摔倒", "urgent", axis="urgency"),
    ]
    path.write_text(dump_examples(examples), encoding="utf-8")
    assert load_examples(path) == examples


def test_extra_files_add_examples_and_their_labels_replace_the_shipped_ones(
    tmp_path: Path,
) -> None:
    shipped = tmp_path / "domain.yml"
    shipped.write_text(
        dump_examples([Example("楼道里烧垃圾", "housing"), Example("路灯不亮", "transport")]),
        encoding="utf-8",
    )
    extra = tmp_path / "corrections.yml"
    extra.write_text(
        dump_examples(
            [
                Example("楼道里烧垃圾", "environment", axis="domain"),
                Example("楼道里烧垃圾", "complaint", axis="kind"),
            ]
        ),
        encoding="utf-8",
    )
    sets = read_training_sets([shipped], [extra])
    assert {(ex.text, ex.intent) for ex in sets["domain"]} == {
        ("路灯不亮", "transport"),
        ("楼道里烧垃圾", "environment"),
    }
    assert [(ex.text, ex.intent) for ex in sets["kind"]] == [("楼道里烧垃圾", "complaint")]


def test_a_specialist_on_two_labels_resplits_their_share_and_leaves_the_others(
    tiny_model: LinearModel,
) -> None:
    from dataclasses import replace

    from nlu.model import FeatureSpace

    kind = next(h for h in tiny_model.heads if h.axis == "kind")
    space = tiny_model.spaces[kind.space]
    # A specialist in its own space that always says "complaint" for sure.
    sure = FeatureSpace(
        space.config,
        space.vocabulary,
        space.idf,
        np.zeros((len(space.vocabulary), 2), dtype=np.float32),
        np.array([50.0, -50.0], dtype=np.float32),
    )
    specialist = replace(
        kind, labels=("complaint", "demand"), temperature=1.0, space=len(tiny_model.spaces)
    )
    model = LinearModel([*tiny_model.spaces, sure], [*tiny_model.heads, specialist])
    text = "暖气片不热，屋里很冷，请派人来修"
    before = dict(tiny_model.rank(text)["kind"])
    after = dict(model.rank(text)["kind"])
    share = before["complaint"] + before["demand"]
    assert abs(after["complaint"] + after["demand"] - share) < 1e-6
    assert abs(after["complaint"] - share * (before["complaint"] / share + 1.0) / 2) < 1e-6
    assert after["inquiry"] == pytest.approx(before["inquiry"])
    assert after["suggestion"] == pytest.approx(before["suggestion"])
