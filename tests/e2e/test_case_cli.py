"""The operator CLI as a person runs it: a real process, a real database file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from minsheng.config.settings import PROJECT_ROOT

MINSHENG = str(Path(sys.executable).parent / "minsheng")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        **os.environ,
        "MINSHENG_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "MINSHENG_CONFIG": str(PROJECT_ROOT / "config.yml"),
    }
    values.pop("MINSHENG_REDIS_URL", None)
    subprocess.run([MINSHENG, "db", "upgrade"], env=values, check=True, capture_output=True)
    return values


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MINSHENG, *args], env=env, capture_output=True, text=True, timeout=120)


def submit(env: dict[str, str], text: str, **labels: str) -> dict[str, object]:
    extra = [x for k, v in labels.items() for x in (f"--{k}", v)]
    proc = run(env, "case", "submit", "--text", text, *extra, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_help_lists_the_commands() -> None:
    proc = subprocess.run([MINSHENG, "--help"], capture_output=True, text=True, check=True)
    for command in ("config", "db", "case", "sla", "report", "nlu", "chat", "bot"):
        assert command in proc.stdout


def test_case_show_prints_one_flat_json_object_and_nothing_else(env: dict[str, str]) -> None:
    ref = submit(
        env, "人民路和解放路路口的红绿灯坏了", domain="transport", urgency="high", kind="demand"
    )["reference"]
    proc = run(env, "case", "show", str(ref), "--json")
    assert proc.returncode == 0, proc.stderr
    view = json.loads(proc.stdout)
    assert view["reference"] == ref
    assert view["status"] == "routed" and view["outcome"] is None
    assert (view["domain"], view["urgency"], view["kind"]) == ("transport", "high", "demand")
    assert view["department"] == "transport_bureau"
    assert view["rating"] is None
    for key in ("created_at", "first_response_due_at", "resolution_due_at"):
        assert view[key]
    assert all(not isinstance(v, (dict, list)) for v in view.values())


def test_case_list_prints_a_json_array(env: dict[str, str]) -> None:
    submit(env, "垃圾两天没人收了", domain="environment", urgency="normal", kind="demand")
    submit(env, "建议在公园多放几张长椅", domain="environment", urgency="normal", kind="suggestion")
    proc = run(env, "case", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    views = json.loads(proc.stdout)
    assert isinstance(views, list) and len(views) == 2
    assert {v["kind"] for v in views} == {"demand", "suggestion"}


def test_resolve_from_the_cli_records_the_outcome_and_note(env: dict[str, str]) -> None:
    ref = str(
        submit(env, "小区门口的井盖不见了", domain="transport", urgency="high", kind="demand")[
            "reference"
        ]
    )
    proc = run(
        env, "case", "resolve", ref, "--note", "已补装井盖", "--outcome", "resolved", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    view = json.loads(run(env, "case", "show", ref, "--json").stdout)
    assert view["status"] == "resolved" and view["outcome"] == "resolved"
    assert view["resolution_note"] == "已补装井盖"


def test_accept_transfer_and_reopen_from_the_cli(env: dict[str, str]) -> None:
    ref = str(
        submit(env, "楼道里堆满杂物", domain="housing", urgency="normal", kind="complaint")[
            "reference"
        ]
    )
    assert run(env, "case", "accept", ref).returncode == 0
    proc = run(
        env,
        "case",
        "transfer",
        ref,
        "--to",
        "emergency_management",
        "--domain",
        "public_safety",
        "--reason",
        "堵塞消防通道属于公共安全",
    )
    assert proc.returncode == 0, proc.stderr
    assert run(env, "case", "resolve", ref, "--note", "已清理").returncode == 0
    assert run(env, "case", "reopen", ref, "--reason", "又堆上了").returncode == 0
    view = json.loads(run(env, "case", "show", ref, "--json").stdout)
    assert view["status"] == "in_progress" and view["department"] == "emergency_management"
    assert view["resolution_round"] == 2


def test_an_illegal_action_exits_1_with_a_clear_message(env: dict[str, str]) -> None:
    ref = str(
        submit(env, "噪音扰民", domain="environment", urgency="normal", kind="complaint")[
            "reference"
        ]
    )
    run(env, "case", "resolve", ref, "--note", "已处理")
    proc = run(env, "case", "accept", ref)
    assert proc.returncode == 1
    assert "cannot accept a case that is resolved" in proc.stderr
    assert proc.stdout == ""


def test_an_unknown_reference_exits_1_and_names_it(env: dict[str, str]) -> None:
    proc = run(env, "case", "show", "MS-2611-AAAAAA", "--json")
    assert proc.returncode == 1
    assert "MS-2611-AAAAAA" in proc.stderr and proc.stdout == ""


def test_a_broken_config_fails_every_command_the_same_way(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "city: {name_zh: x, name_en: x}\ndepartments: 5\nrouting: {}\n", encoding="utf-8"
    )
    for args in (["config", "check", str(bad)], ["--config", str(bad), "case", "list"]):
        proc = run(env, *args)
        assert proc.returncode == 2
        assert "departments: must be a list of departments, got 5" in proc.stderr


def test_staff_add_with_an_unknown_department_lists_the_valid_ids(
    env: dict[str, str],
) -> None:
    proc = run(env, "staff", "add", "--name", "王芳", "--department", "housing", "--role", "agent")
    assert proc.returncode == 2
    assert "unknown department 'housing'" in proc.stderr
    assert "housing_bureau" in proc.stderr and "住房和城乡建设局" in proc.stderr
    assert "hotline_12345" in proc.stderr and "(triage desk)" in proc.stderr
    assert proc.stdout == ""  # no credentials were made
    listed = run(env, "staff", "list", "--json")
    assert json.loads(listed.stdout) == []
