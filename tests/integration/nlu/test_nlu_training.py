"""Training from Rasa files on disk and scoring the result."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nlu import DOMAINS, load_parser
from nlu.defaults import DEFAULT_DATA_DIR, DEFAULT_MODEL_DIR, default_model_is_stale
from nlu.evaluate import evaluate, read_gold
from nlu.train import train_to_directory

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SHARED = PROJECT_ROOT.parent / "shared"

CITY_YAML = """version: "3.1"
nlu:
- intent: 城乡建设
  examples: |
    - 小区门口道路施工围挡占道
    - 老旧小区改造进度太慢
    - 违章建筑一直没人拆
    - 楼盘延期交房
- intent: 交通运输
  examples: |
    - 公交线路调整后绕远
    - 出租车拒载
    - 路口红绿灯时间太短
    - 地铁站出口太少
"""


@pytest.fixture(scope="module")
def shipped_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # `make test` has just trained the shipped model from the shipped data (`make model`);
    # training it again here would take the same minute for the same weights.
    if not default_model_is_stale():
        return DEFAULT_MODEL_DIR
    out = tmp_path_factory.mktemp("model")
    train_to_directory([DEFAULT_DATA_DIR], out)
    return out


def test_a_model_trained_on_the_shipped_data_classifies_all_three_axes(
    shipped_model_dir: Path,
) -> None:
    result = load_parser(str(shipped_model_dir)).parse("小区里一股煤气味，快来人")
    assert result["domain"]["name"] == "utilities"
    assert result["urgency"]["name"] == "urgent"
    assert {r["name"] for r in result["intent_ranking"]} == set(DOMAINS)


def test_a_city_file_with_its_own_categories_trains_a_domain_only_model(tmp_path: Path) -> None:
    data = tmp_path / "city.yml"
    data.write_text(CITY_YAML, encoding="utf-8")
    train_to_directory([data], tmp_path / "model")
    result = load_parser(str(tmp_path / "model")).parse("出租车司机拒载")
    assert result["intent"]["name"] == "交通运输"
    assert result["domain"] == result["intent"]
    assert result["urgency"] is None and result["kind"] is None


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "data" / "dev_nlu.jsonl").exists(), reason="../shared is absent")
def test_the_shipped_model_is_useful_on_the_independent_dev_set(shipped_model_dir: Path) -> None:
    report = evaluate(
        read_gold(SHARED / "data" / "dev_nlu.jsonl"), load_parser(str(shipped_model_dir)).parse
    )
    assert report["axes"]["domain"]["accuracy"] > 0.8
    assert report["axes"]["urgency"]["urgent_recall"] > 0.85


def _touch(path: Path, text: str = "x", *, age_s: float = 0.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if age_s:
        mtime = path.stat().st_mtime - age_s
        os.utime(path, (mtime, mtime))
    return path


def test_the_shipped_model_is_retrained_when_the_feature_code_changed_after_it(
    tmp_path: Path,
) -> None:
    data, model = tmp_path / "data", tmp_path / "model"
    _touch(data / "kind.yml", age_s=60)
    rules = _touch(tmp_path / "code" / "label_rules.py", age_s=60)
    _touch(model / "model.json")
    _touch(model / "weights.npz")
    assert not default_model_is_stale(model, data, (rules,))

    _touch(rules, "a cue pattern edited after the model was trained")
    assert default_model_is_stale(model, data, (rules,))


def test_the_shipped_model_is_retrained_when_it_is_missing_or_its_data_is_newer(
    tmp_path: Path,
) -> None:
    data, model = tmp_path / "data", tmp_path / "model"
    yml = _touch(data / "kind.yml", age_s=60)
    assert default_model_is_stale(model, data, ())

    _touch(model / "model.json")
    _touch(model / "weights.npz")
    assert not default_model_is_stale(model, data, ())

    _touch(yml, "new examples")
    assert default_model_is_stale(model, data, ())
