"""`minsheng sla deadline` as an operator runs it: the installed command in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = Path(sys.executable).with_name("minsheng")


def run_sla(
    args: list[str], cwd: Path, env_config: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MINSHENG_CONFIG"}
    if env_config is not None:
        env["MINSHENG_CONFIG"] = str(env_config)
    return subprocess.run(
        [str(COMMAND), "sla", "deadline", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def write_config(folder: Path, text: str) -> Path:
    path = folder / "config.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_mid_autumn_example_prints_12_november_and_nothing_on_stderr(tmp_path):
    result = run_sla(["--start", "2026-09-25T10:00:00+08:00", "--working-days", "30"], tmp_path)
    assert result.returncode == 0
    assert result.stdout == '{"deadline": "2026-11-12T23:59:59+08:00", "provisional": false}\n'
    assert result.stderr == ""


def test_thirty_working_days_is_the_default(tmp_path):
    result = run_sla(["--start", "2026-09-25T10:00:00+08:00"], tmp_path)
    assert json.loads(result.stdout)["deadline"] == "2026-11-12T23:59:59+08:00"


def test_a_naive_start_is_read_in_the_city_time_zone_from_config(tmp_path):
    config = write_config(tmp_path, "city:\n  name: Urumqi\n  timezone: Asia/Urumqi\n")
    result = run_sla(["--start", "2026-09-25T10:00:00", "--config", str(config)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["deadline"] == "2026-11-12T23:59:59+06:00"


def test_config_yml_in_the_current_folder_is_used_when_no_path_is_given(tmp_path):
    write_config(tmp_path, "city:\n  timezone: Asia/Urumqi\n")
    result = run_sla(["--start", "2026-09-25T10:00:00"], tmp_path)
    assert json.loads(result.stdout)["deadline"].endswith("+06:00")


def test_the_minsheng_config_variable_names_the_config(tmp_path):
    config_dir = tmp_path / "etc"
    config_dir.mkdir()
    config = write_config(config_dir, "city:\n  timezone: Asia/Urumqi\n")
    result = run_sla(["--start", "2026-09-25T10:00:00"], tmp_path, env_config=config)
    assert json.loads(result.stdout)["deadline"].endswith("+06:00")


def test_a_deadline_in_a_year_without_data_is_provisional_with_a_warning(tmp_path):
    result = run_sla(["--start", "2026-12-20T10:00:00+08:00"], tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "deadline": "2027-01-29T23:59:59+08:00",
        "provisional": True,
    }
    assert "2027" in result.stderr and "provisional" in result.stderr


@pytest.mark.parametrize(
    "start", ["1999-06-01T10:00:00+08:00", "2031-06-01T10:00:00+08:00", "2100-06-01T10:00:00+08:00"]
)
def test_distant_years_give_a_provisional_answer_rather_than_an_error(tmp_path, start):
    result = run_sla(["--start", start], tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["provisional"] is True


def test_an_operator_calendar_file_settles_a_2027_deadline(tmp_path):
    (tmp_path / "calendar_2027.json").write_text(
        json.dumps(
            {
                "format": 1,
                "years": {"2027": {"holidays": {"2027-01-01": "New Year's Day"}, "workdays": {}}},
            }
        ),
        encoding="utf-8",
    )
    config = write_config(tmp_path, "calendar:\n  extra_file: calendar_2027.json\n")
    result = run_sla(["--start", "2026-12-20T10:00:00+08:00", "--config", str(config)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "deadline": "2027-02-01T23:59:59+08:00",
        "provisional": False,
    }
    assert result.stderr == ""


def test_extra_holidays_in_config_push_the_deadline_back(tmp_path):
    config = write_config(tmp_path, "calendar:\n  extra_holidays: ['2026-11-12']\n")
    result = run_sla(["--start", "2026-09-25T10:00:00+08:00", "--config", str(config)], tmp_path)
    assert json.loads(result.stdout)["deadline"] == "2026-11-13T23:59:59+08:00"


def test_a_bad_operator_file_is_reported_with_its_path_and_the_offending_date(tmp_path):
    bad = tmp_path / "calendar_2027.json"
    bad.write_text(
        json.dumps({"format": 1, "years": {"2027": {"holidays": {"2027-02-30": "x"}}}}),
        encoding="utf-8",
    )
    config = write_config(tmp_path, f"calendar:\n  extra_file: {bad}\n")
    result = run_sla(["--start", "2026-12-20T10:00:00+08:00", "--config", str(config)], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(bad) in result.stderr and "2027-02-30" in result.stderr


def test_a_start_that_is_not_a_date_is_a_usage_error(tmp_path):
    result = run_sla(["--start", "next tuesday"], tmp_path)
    assert result.returncode == 2
    assert "--start" in result.stderr
