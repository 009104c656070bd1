"""One typed settings object, loaded at the edges from config.yml and the environment.

Every problem is reported with the key path that holds it, so an operator can fix a
broken config in one pass instead of one error at a time.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr, ValidationError

from case_store.taxonomy import DOMAINS, KINDS, URGENCIES
from minsheng.config.schema import (
    AttachmentsCfg,
    CalendarCfg,
    City,
    ConfigModel,
    DeliveryCfg,
    Department,
    Emergency,
    FileConfig,
    LimitsCfg,
    NluCfg,
    PrivacyCfg,
    RoutingRules,
    Sla,
    WebCfg,
    WebhookCfg,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT_ROOT / "config.yml"


class ConfigError(Exception):
    """The configuration cannot be used; `problems` lists every reason, each led by its key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class Settings(ConfigModel):
    """Everything the running product needs, typed; built only by `load_settings`."""

    config_path: Path
    base_dir: Path
    city: City
    database_url: str
    redis_url: str | None
    telegram_token: SecretStr | None
    telegram_base_url: str | None
    departments: list[Department]
    routing: dict[str, str]
    routing_rules: RoutingRules
    sla: Sla
    calendar: CalendarCfg
    emergency: Emergency
    nlu: NluCfg
    privacy: PrivacyCfg = PrivacyCfg()
    limits: LimitsCfg = LimitsCfg()
    attachments: AttachmentsCfg = AttachmentsCfg()
    webhook: WebhookCfg = WebhookCfg()
    delivery: DeliveryCfg = DeliveryCfg()
    web: WebCfg = WebCfg()
    webhook_secret: SecretStr | None = None

    @property
    def var_dir(self) -> Path:
        return self.base_dir / "var"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.city.timezone)

    def department(self, dept_id: str) -> Department:
        for dept in self.departments:
            if dept.id == dept_id:
                return dept
        raise KeyError(dept_id)

    @property
    def triage_department(self) -> Department:
        return next(d for d in self.departments if d.triage)


_SECRET_KEYS = {"telegram", "token", "telegram_token", "secret", "password", "api_key"}


def config_path_from_env(
    path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Path:
    env = os.environ if env is None else env
    if path:
        return Path(path)
    if env.get("MINSHENG_CONFIG"):
        return Path(env["MINSHENG_CONFIG"])
    return DEFAULT_CONFIG


def read_config_file(path: Path) -> dict[str, Any]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, ["file not found"]) from None
    except OSError as exc:
        raise ConfigError(source, [f"cannot be read: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(source, [f"YAML syntax error at {where}{exc.problem}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(source, [f"YAML syntax error: {exc}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, [f"(top level): must be a mapping of keys, got {_show(data)}"])
    return data


def check_config(data: dict[str, Any]) -> list[str]:
    """Every problem in a parsed config file, each led by its key path; [] when it is good."""
    problems: list[str] = []
    for key in data:
        if key in _SECRET_KEYS:
            problems.append(
                f"{key}: secrets never go in the config file; "
                "use environment variables such as MINSHENG_TELEGRAM_TOKEN"
            )
    clean = {k: v for k, v in data.items() if k not in _SECRET_KEYS}
    try:
        FileConfig.model_validate(clean)
    except ValidationError as exc:
        problems.extend(_describe(err) for err in exc.errors())
    problems.extend(_cross_check(clean))
    # Cross checks may restate a type error in their own words; keep each line once.
    return list(dict.fromkeys(problems))


def load_settings(
    path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    env = os.environ if env is None else env
    cfg_path = config_path_from_env(path, env).resolve()
    data = read_config_file(cfg_path)
    problems = check_config(data)
    if problems:
        raise ConfigError(str(cfg_path), problems)
    file_cfg = FileConfig.model_validate(data)
    base_dir = cfg_path.parent
    database_url = env.get("MINSHENG_DATABASE_URL") or file_cfg.database.url
    if not database_url:
        db_path = Path(file_cfg.database.path)
        if not db_path.is_absolute():
            db_path = base_dir / db_path
        database_url = f"sqlite:///{db_path}"
    token = env.get("MINSHENG_TELEGRAM_TOKEN") or None
    return Settings(
        config_path=cfg_path,
        base_dir=base_dir,
        city=file_cfg.city,
        database_url=database_url,
        redis_url=env.get("MINSHENG_REDIS_URL") or None,
        telegram_token=SecretStr(token) if token else None,
        telegram_base_url=env.get("MINSHENG_TELEGRAM_BASE_URL") or None,
        departments=file_cfg.departments,
        routing=file_cfg.routing,
        routing_rules=file_cfg.routing_rules,
        sla=file_cfg.sla,
        calendar=file_cfg.calendar,
        emergency=file_cfg.emergency,
        nlu=file_cfg.nlu,
        privacy=file_cfg.privacy,
        limits=file_cfg.limits,
        attachments=file_cfg.attachments,
        webhook=file_cfg.webhook,
        delivery=file_cfg.delivery,
        web=file_cfg.web,
        webhook_secret=SecretStr(secret)
        if (secret := env.get("MINSHENG_TELEGRAM_WEBHOOK_SECRET"))
        else None,
    )


# -- error wording -------------------------------------------------------------------------

_LIST_NOUNS = {
    "departments": "departments",
    "location_overrides": "overrides",
    "resolution_overrides": "overrides",
    "warn_at": "fractions between 0 and 1",
    "numbers": "emergency numbers",
    "extra_holidays": "ISO dates",
    "extra_workdays": "ISO dates",
    "domains": "domain keys",
}


def _show(value: Any) -> str:
    text = (
        repr(value)
        if isinstance(value, str)
        else yaml.safe_dump(value, default_flow_style=True, allow_unicode=True)
        .strip()
        .removesuffix("...")
        .strip()
    )
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(err: Mapping[str, Any]) -> str:
    loc = [str(part) for part in err["loc"] if not str(part).startswith("function-")]
    key = ".".join(loc) or "(top level)"
    kind = err["type"]
    got = err.get("input")
    ctx = err.get("ctx") or {}
    last = loc[-1] if loc else ""
    if kind == "missing":
        return f"{key}: is required"
    if kind == "extra_forbidden":
        return f"{key}: unknown key (check the spelling)"
    if kind == "list_type":
        noun = _LIST_NOUNS.get(last)
        return f"{key}: must be a list{' of ' + noun if noun else ''}, got {_show(got)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{key}: must be a mapping of keys, got {_show(got)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{key}: must be a whole number, got {_show(got)}"
    if kind in ("float_type", "float_parsing"):
        return f"{key}: must be a number, got {_show(got)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{key}: must be true or false, got {_show(got)}"
    if kind == "string_type":
        return f"{key}: must be text, got {_show(got)}"
    if kind == "greater_than":
        return f"{key}: must be greater than {ctx.get('gt')}, got {_show(got)}"
    if kind == "greater_than_equal":
        return f"{key}: must be at least {ctx.get('ge')}, got {_show(got)}"
    if kind == "less_than_equal":
        return f"{key}: must be at most {ctx.get('le')}, got {_show(got)}"
    if kind == "string_pattern_mismatch":
        if last == "id":
            return f"{key}: must be lower-case letters, digits and underscores, got {_show(got)}"
        return f"{key}: has the wrong format (expected HH:MM), got {_show(got)}"
    if kind == "literal_error":
        return f"{key}: must be one of {ctx.get('expected')}, got {_show(got)}"
    if kind.startswith("date_"):
        return f"{key}: must be an ISO date like 2027-01-01, got {_show(got)}"
    if kind == "string_too_short":
        return f"{key}: must not be empty"
    return f"{key}: {err.get('msg', 'is invalid')}, got {_show(got)}"


def _cross_check(data: dict[str, Any]) -> list[str]:
    """Checks that span keys: references between departments, routes, domains and numbers."""
    problems: list[str] = []
    depts = data.get("departments")
    ids: list[str] = []
    parents: dict[str, Any] = {}
    triage: list[str] = []
    if isinstance(depts, list):
        for i, dept in enumerate(depts):
            if not isinstance(dept, dict):
                problems.append(f"departments.{i}: must be a mapping with an id, got {_show(dept)}")
                continue
            dept_id = dept.get("id")
            if isinstance(dept_id, str):
                if dept_id in ids:
                    problems.append(f"departments.{i}.id: duplicate department id '{dept_id}'")
                ids.append(dept_id)
                parents[dept_id] = dept.get("parent")
                if dept.get("triage") is True:
                    triage.append(dept_id)
        for i, dept in enumerate(depts):
            if (
                isinstance(dept, dict)
                and isinstance(dept.get("parent"), str)
                and dept["parent"] not in ids
            ):
                problems.append(f"departments.{i}.parent: unknown department '{dept['parent']}'")
        if ids and not triage:
            problems.append("departments: one department must be the triage desk (triage: true)")
        elif len(triage) > 1:
            problems.append(f"departments: only one triage desk is allowed, got {triage}")
        for dept_id in ids:
            seen, cur = {dept_id}, parents.get(dept_id)
            while isinstance(cur, str) and cur in parents:
                if cur in seen:
                    problems.append(
                        f"departments: parent chain of '{dept_id}' loops back on itself"
                    )
                    break
                seen.add(cur)
                cur = parents.get(cur)
    known = set(ids)

    routing = data.get("routing")
    if isinstance(routing, dict):
        for domain, dept_id in routing.items():
            if domain not in DOMAINS:
                problems.append(
                    f"routing.{domain}: '{domain}' is not a domain key of the taxonomy "
                    f"(known: {', '.join(DOMAINS)})"
                )
            if isinstance(dept_id, str) and known and dept_id not in known:
                problems.append(f"routing.{domain}: unknown department '{dept_id}'")
        for domain in DOMAINS:
            if domain not in routing:
                problems.append(f"routing.{domain}: is required (every domain needs a department)")

    rules = data.get("routing_rules")
    if isinstance(rules, dict) and isinstance(rules.get("location_overrides"), list):
        for i, ov in enumerate(rules["location_overrides"]):
            if not isinstance(ov, dict):
                continue
            if not ov.get("district") and not ov.get("street"):
                problems.append(
                    f"routing_rules.location_overrides.{i}: needs a district or a street to match"
                )
            if isinstance(ov.get("department"), str) and known and ov["department"] not in known:
                problems.append(
                    f"routing_rules.location_overrides.{i}.department: "
                    f"unknown department '{ov['department']}'"
                )
            for dom in ov.get("domains") or []:
                if dom not in DOMAINS:
                    problems.append(
                        f"routing_rules.location_overrides.{i}.domains: "
                        f"'{dom}' is not a domain key of the taxonomy"
                    )

    sla = data.get("sla")
    if isinstance(sla, dict):
        frh = sla.get("first_response_hours")
        if isinstance(frh, dict):
            for urgency, hours in frh.items():
                if urgency not in URGENCIES:
                    problems.append(
                        f"sla.first_response_hours.{urgency}: '{urgency}' is not an "
                        f"urgency key (known: {', '.join(URGENCIES)})"
                    )
                elif isinstance(hours, (int, float)) and not isinstance(hours, bool) and hours <= 0:
                    problems.append(
                        f"sla.first_response_hours.{urgency}: must be a positive "
                        f"number of hours or null, got {_show(hours)}"
                    )
            for urgency in URGENCIES:
                if urgency not in frh:
                    problems.append(
                        f"sla.first_response_hours.{urgency}: is required "
                        "(a number of hours, or null for none)"
                    )
        for i, ov in enumerate(sla.get("resolution_overrides") or []):
            if isinstance(ov, dict):
                if ov.get("domain") is not None and ov["domain"] not in DOMAINS:
                    problems.append(
                        f"sla.resolution_overrides.{i}.domain: "
                        f"'{ov['domain']}' is not a domain key of the taxonomy"
                    )
                if ov.get("kind") is not None and ov["kind"] not in KINDS:
                    problems.append(
                        f"sla.resolution_overrides.{i}.kind: "
                        f"'{ov['kind']}' is not a kind key of the taxonomy"
                    )
        warn = sla.get("warn_at")
        if isinstance(warn, list):
            for i, frac in enumerate(warn):
                if not isinstance(frac, (int, float)) or isinstance(frac, bool) or not 0 < frac < 1:
                    problems.append(
                        f"sla.warn_at.{i}: must be a fraction between 0 and 1, got {_show(frac)}"
                    )

    city = data.get("city")
    if isinstance(city, dict) and isinstance(city.get("timezone"), str):
        try:
            zoneinfo.ZoneInfo(city["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(f"city.timezone: unknown time zone '{city['timezone']}'")

    return problems
