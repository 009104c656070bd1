"""The `minsheng nlu` command-line contract, run as a subprocess like other tools run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED = PROJECT_ROOT.parent / "shared"
MINSHENG = Path(sys.executable).parent / "minsheng"
NLU = [str(MINSHENG), "nlu"] if MINSHENG.exists() else [sys.executable, "-m", "nlu"]

TRAIN_YAML = """version: "3.1"
nlu:
- intent: water
  examples: |
    - 停水了
    - 水压太低
    - 自来水发黄
- intent: roads
  examples: |
    - 路面有坑
    - 路灯不亮
    - 红绿灯坏了
"""


def run(args: list[str], stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        NLU + args, input=stdin, capture_output=True, text=True, timeout=timeout, cwd=PROJECT_ROOT
    )


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("data") / "nlu.yml"
    data.write_text(TRAIN_YAML, encoding="utf-8")
    out = tmp_path_factory.mktemp("model")
    done = run(["train", "--data", str(data), "--out", str(out)])
    assert done.returncode == 0, done.stderr
    (out / "train.stderr").write_text(done.stderr, encoding="utf-8")
    return out


def test_train_writes_a_model_and_shows_no_progress_bar_when_not_on_a_terminal(
    model_dir: Path,
) -> None:
    assert (model_dir / "model.json").exists()
    assert (model_dir / "weights.npz").exists()
    stderr = (model_dir / "train.stderr").read_text(encoding="utf-8")
    assert "trained domain" in stderr and "\r[" not in stderr


def test_parse_jsonl_answers_every_line_in_order_and_a_bad_line_with_an_error(
    model_dir: Path,
) -> None:
    lines = [
        '{"text": "停水两天了"}',
        "this is not json",
        '{"no_text": 1}',
        '{"text": "路灯坏了好几个"}',
    ]
    done = run(["parse", "--model", str(model_dir), "--jsonl"], "\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["text"] == "停水两天了" and out[0]["intent"]["name"] == "water"
    assert "error" in out[1] and "error" in out[2]
    assert out[3]["intent"]["name"] == "roads"
    assert out[3]["urgency"] is None and out[3]["kind"] is None


def test_parse_keeps_answering_after_invalid_utf8(model_dir: Path) -> None:
    proc = subprocess.run(
        NLU + ["parse", "--model", str(model_dir), "--jsonl"],
        input=b'\xff\xfe\n{"text": "\xe5\x81\x9c\xe6\xb0\xb4"}\n',
        capture_output=True,
        timeout=60,
    )
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert "error" in out[0] and out[1]["text"] == "停水"


def test_parse_with_a_missing_model_fails_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    done = run(["parse", "--model", str(tmp_path / "nothing"), "--jsonl"], '{"text": "x"}\n')
    assert done.returncode == 2
    assert "no model" in done.stderr and "Traceback" not in done.stderr


def test_evaluate_prints_json_metrics(model_dir: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        '{"text": "停水", "intent": "water"}\n{"text": "路灯不亮", "domain": "roads"}\n',
        encoding="utf-8",
    )
    done = run(["evaluate", "--data", str(gold), "--model", str(model_dir), "--json"])
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["axes"]["domain"]["accuracy"] == 1.0
    assert report["axes"]["domain"]["confusion"] == [[1, 0], [0, 1]]


CORRECTIONS_YAML = """version: "3.1"
nlu:
- intent: water
  metadata:
    axis: domain
  examples: |
    - 路灯不亮
- intent: urgent
  metadata:
    axis: urgency
  examples: |
    - 停水了
"""


def test_train_with_extra_corrections_lets_the_corrected_label_win(tmp_path: Path) -> None:
    data = tmp_path / "nlu.yml"
    data.write_text(TRAIN_YAML, encoding="utf-8")
    extra = tmp_path / "corrections.yml"
    extra.write_text(CORRECTIONS_YAML, encoding="utf-8")
    out = tmp_path / "model"
    done = run(["train", "--data", str(data), "--extra", str(extra), "--out", str(out)])
    assert done.returncode == 0, done.stderr
    meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert meta["examples"] == {"domain": 6, "urgency": 1}
    assert meta["extra_data"] == [str(extra)]
    parsed = json.loads(run(["parse", "--model", str(out), "路灯不亮"]).stdout)
    assert parsed["intent"]["name"] == "water"


def test_nlu_help_lists_the_corrections_export() -> None:
    done = run(["--help"])
    assert done.returncode == 0
    assert "corrections" in done.stdout


def test_train_on_a_missing_file_fails_with_a_message(tmp_path: Path) -> None:
    done = run(["train", "--data", str(tmp_path / "none.yml"), "--out", str(tmp_path / "m")])
    assert done.returncode == 2 and "no such file" in done.stderr


def test_the_default_model_parses_with_all_three_axes() -> None:
    assert run(["build-default"]).returncode == 0
    done = run(["parse", "--jsonl"], '{"text": "家里有燃气味！！"}\n')
    result = json.loads(done.stdout)
    assert result["domain"]["name"] == "utilities"
    assert result["urgency"]["name"] == "urgent"
    assert result["rules"][0]["id"] == "gas_leak"
    assert result["kind"]["name"] in {"demand", "complaint", "inquiry", "suggestion"}


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "data" / "dev_nlu.jsonl").exists(), reason="../shared is absent")
def test_evaluate_on_the_dev_set_reports_urgent_recall() -> None:
    assert run(["build-default"]).returncode == 0
    done = run(["evaluate", "--data", str(SHARED / "data" / "dev_nlu.jsonl"), "--json"])
    report = json.loads(done.stdout)
    assert set(report["axes"]) == {"domain", "urgency", "kind"}
    assert report["axes"]["urgency"]["urgent_recall"] is not None
