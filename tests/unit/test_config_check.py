"""`minsheng config check`: exit 0 on a good config, exit 2 naming every problem otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from minsheng.cli import main
from minsheng.config.settings import PROJECT_ROOT, ConfigError, load_settings

DEFAULT = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["config", "check", str(path)])
    captured = capsys.readouterr()
    return code, captured.err


def _broken(**changes: object) -> dict[str, object]:
    data = yaml.safe_load(yaml.safe_dump(DEFAULT))
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return data


def test_the_shipped_config_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(PROJECT_ROOT / "config.yml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_the_shipped_config_has_a_dozen_departments_and_a_triage_desk() -> None:
    settings = load_settings(PROJECT_ROOT / "config.yml", env={})
    assert len(settings.departments) >= 12
    assert settings.triage_department.id == "hotline_12345"
    assert settings.routing["other"] == "hotline_12345"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"departments": 5}, "departments: must be a list of departments, got 5"),
        ({"routing__education": "edu"}, "routing.education: unknown department 'edu'"),
        ({"routing__educaton": "education_bureau"}, "routing.educaton: 'educaton' is not a domain"),
        (
            {"sla__resolution_working_days": -3},
            "sla.resolution_working_days: must be greater than 0",
        ),
        (
            {"sla__first_response_hours__urgent": -1},
            "sla.first_response_hours.urgent: must be a positive number",
        ),
        ({"sla__min_sample": "many"}, "sla.min_sample: must be a whole number, got 'many'"),
        ({"city__timezone": "Mars/Olympus"}, "city.timezone: unknown time zone 'Mars/Olympus'"),
        ({"nlu__backend": "spacy"}, "nlu.backend: must be one of"),
        ({"calendar__extra_holidays": ["2027-13-01"]}, "calendar.extra_holidays.0: must be an ISO"),
        ({"sla__warn_at": [0.5, 1.5]}, "sla.warn_at.1: must be a fraction between 0 and 1"),
    ],
)
def test_each_kind_of_broken_config_exits_2_and_names_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], changes: dict[str, object], expected: str
) -> None:
    code, err = _check(_write(tmp_path, _broken(**changes)), capsys)
    assert code == 2
    assert expected in err


def test_a_missing_sla_number_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _broken()
    del data["sla"]["first_response_hours"]["high"]  # type: ignore[index]
    code, err = _check(_write(tmp_path, data), capsys)
    assert code == 2 and "sla.first_response_hours.high: is required" in err


def test_a_missing_route_for_a_domain_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _broken()
    del data["routing"]["market"]  # type: ignore[index]
    code, err = _check(_write(tmp_path, data), capsys)
    assert code == 2 and "routing.market: is required" in err


def test_every_problem_is_listed_not_only_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _broken(
        routing__education="edu", sla__reopen_working_days=0, city__timezone="Nowhere/City"
    )
    code, err = _check(_write(tmp_path, data), capsys)
    assert code == 2
    assert "routing.education" in err and "sla.reopen_working_days" in err
    assert "city.timezone" in err
    assert "3 problem(s)" in err


def test_a_yaml_syntax_error_gives_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yml"
    path.write_text("city:\n  name_zh: 临江市\n  name_en: [unclosed\n", encoding="utf-8")
    code, err = _check(path, capsys)
    assert code == 2
    assert "line 4, column 1" in err or "line 3" in err


def test_a_secret_in_the_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _broken()
    data["telegram"] = {"token": "123:abc"}
    code, err = _check(_write(tmp_path, data), capsys)
    assert code == 2 and "telegram: secrets never go in the config file" in err


def test_a_route_to_an_unknown_parent_is_reported(tmp_path: Path) -> None:
    data = _broken()
    data["departments"][2]["parent"] = "nobody"  # type: ignore[index]
    with pytest.raises(ConfigError) as info:
        load_settings(_write(tmp_path, data), env={})
    assert "departments.2.parent: unknown department 'nobody'" in info.value.problems


def test_environment_variables_override_the_file(tmp_path: Path) -> None:
    settings = load_settings(
        PROJECT_ROOT / "config.yml",
        env={
            "MINSHENG_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "MINSHENG_REDIS_URL": "redis://127.0.0.1:6379/3",
            "MINSHENG_TELEGRAM_TOKEN": "123456:secret-token-value",
        },
    )
    assert settings.database_url == f"sqlite:///{tmp_path}/x.db"
    assert settings.redis_url == "redis://127.0.0.1:6379/3"
    assert settings.telegram_token is not None
    assert "secret-token-value" not in repr(settings)


def test_without_a_database_url_the_sqlite_file_lives_under_var() -> None:
    settings = load_settings(PROJECT_ROOT / "config.yml", env={})
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'minsheng.db'}"
    assert settings.redis_url is None


def test_a_broken_faq_entry_is_reported_with_its_key_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _broken()
    faq = data["faq"]
    assert isinstance(faq, list)
    faq[0]["patterns"]["zh"] = ["(入学"]
    faq[1]["domain"] = "schools"
    faq[2]["patterns"] = {"zh": [], "en": []}
    faq[3]["id"] = faq[4]["id"]
    code, err = _check(_write(tmp_path, data), capsys)
    assert code == 2
    assert "faq.0.patterns.zh.0: not a valid regular expression" in err
    assert "faq.1.domain: 'schools' is not a domain key of the taxonomy" in err
    assert "faq.2.patterns: needs at least one pattern" in err
    assert f"faq.4.id: duplicate FAQ id '{faq[4]['id']}'" in err


def test_the_shipped_faq_answers_ten_questions_in_both_languages() -> None:
    settings = load_settings(PROJECT_ROOT / "config.yml", env={})
    assert len(settings.faq) == 10
    assert all(
        e.answer.zh and e.answer.en and e.patterns.zh and e.patterns.en for e in settings.faq
    )
