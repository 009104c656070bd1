"""Staff channels in config.yml: departments' e-mail and Telegram group, notify.smtp, the
console's public address; `minsheng config check` names every problem by its key path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from minsheng.cli import main
from minsheng.config.settings import PROJECT_ROOT, load_settings

DEFAULT = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))


def _config(tmp_path: Path, **notify: object) -> tuple[Path, dict[str, object]]:
    data = yaml.safe_load(yaml.safe_dump(DEFAULT))
    if notify:
        data["notify"] = notify
    return tmp_path / "config.yml", data


def _check(path: Path, data: object, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code = main(["config", "check", str(path)])
    return code, capsys.readouterr().err


def test_departments_with_an_address_and_a_group_and_an_smtp_server_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = _config(
        tmp_path,
        console_url="https://minsheng.example.gov.cn/console",
        smtp={
            "host": "smtp.example.gov.cn",
            "port": 587,
            "from": "minsheng@example.gov.cn",
            "starttls": True,
            "username": "minsheng",
        },
    )
    data["departments"][4].update(
        email="housing@example.gov.cn", telegram_chat_id=-100123, language="en"
    )  # type: ignore[index]
    code, err = _check(path, data, capsys)
    assert (code, err) == (0, "")
    settings = load_settings(path, env={"MINSHENG_SMTP_PASSWORD": "s3cret"})
    assert (
        settings.smtp_password is not None and settings.smtp_password.get_secret_value() == "s3cret"
    )
    assert (
        settings.notify.smtp is not None
        and settings.notify.smtp.sender == "minsheng@example.gov.cn"
    )
    assert settings.department(data["departments"][4]["id"]).telegram_chat_id == -100123  # type: ignore[index]


def test_bad_staff_channel_settings_are_named_by_their_key_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = _config(
        tmp_path,
        console_url="minsheng.example.gov.cn",
        smtp={"port": 70000, "from": "not-an-address", "password": "hunter2"},
    )
    data["departments"][1]["email"] = "housing at example"  # type: ignore[index]
    data["departments"][2]["telegram_chat_id"] = "the group"  # type: ignore[index]
    code, err = _check(path, data, capsys)
    assert code == 2
    for expected in (
        "notify.smtp.password: secrets never go in the config file; set MINSHENG_SMTP_PASSWORD",
        "notify.smtp.host: is required",
        "notify.smtp.port: must be less than 65536",
        "notify.smtp.from: must be an e-mail address",
        "notify.console_url: must be an http:// or https:// address",
        "departments.1.email: must be an e-mail address",
        "departments.2.telegram_chat_id: must be a whole number",
    ):
        assert expected in err
    assert "hunter2" not in err


def test_an_address_without_an_smtp_server_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, data = _config(tmp_path)
    data["departments"][3]["email"] = "desk@example.gov.cn"  # type: ignore[index]
    code, err = _check(path, data, capsys)
    assert code == 2
    assert "departments.3.email: staff e-mail needs an SMTP server; set notify.smtp" in err
