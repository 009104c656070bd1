"""One typed settings object, loaded at the edges from config.yml and the environment.

Every problem is reported with the key path that holds it, so an operator can fix a
broken config in one pass instead of one error at a time.
"""

from __future__ import annotations

import json
import os
import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr, ValidationError

from case_store.taxonomy import DOMAINS, KINDS, URGENCIES
from minsheng.config.schema import (
    AttachmentsCfg,
    Bilingual,
    CalendarCfg,
    City,
    ConfigModel,
    ConsoleCfg,
    DeliveryCfg,
    Department,
    Emergency,
    FaqEntry,
    FileConfig,
    LimitsCfg,
    NluCfg,
    NotifyCfg,
    PrivacyCfg,
    ProjectsCfg,
    RoutingRules,
    Sla,
    TaxonomyCfg,
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
    taxonomy: TaxonomyCfg = TaxonomyCfg()
    sla: Sla
    calendar: CalendarCfg
    emergency: Emergency
    nlu: NluCfg
    referral: Bilingual | None = None
    faq: list[FaqEntry] = []
    privacy: PrivacyCfg = PrivacyCfg()
    limits: LimitsCfg = LimitsCfg()
    attachments: AttachmentsCfg = AttachmentsCfg()
    webhook: WebhookCfg = WebhookCfg()
    delivery: DeliveryCfg = DeliveryCfg()
    console: ConsoleCfg = ConsoleCfg()
    projects: ProjectsCfg = ProjectsCfg()
    web: WebCfg = WebCfg()
    webhook_secret: SecretStr | None = None
    notify: NotifyCfg = NotifyCfg()
    smtp_password: SecretStr | None = None

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
    notify = clean.get("notify")
    smtp = notify.get("smtp") if isinstance(notify, dict) else None
    if isinstance(notify, dict) and isinstance(smtp, dict) and "password" in smtp:
        problems.append(
            "notify.smtp.password: secrets never go in the config file; "
            "set MINSHENG_SMTP_PASSWORD instead"
        )
        clean = {
            **clean,
            "notify": {**notify, "smtp": {k: v for k, v in smtp.items() if k != "password"}},
        }
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
    settings = Settings(
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
        taxonomy=file_cfg.taxonomy,
        sla=file_cfg.sla,
        calendar=file_cfg.calendar,
        emergency=file_cfg.emergency,
        referral=file_cfg.referral,
        faq=file_cfg.faq,
        nlu=file_cfg.nlu,
        privacy=file_cfg.privacy,
        limits=file_cfg.limits,
        attachments=file_cfg.attachments,
        webhook=file_cfg.webhook,
        delivery=file_cfg.delivery,
        console=file_cfg.console,
        projects=file_cfg.projects,
        web=file_cfg.web,
        webhook_secret=SecretStr(secret)
        if (secret := env.get("MINSHENG_TELEGRAM_WEBHOOK_SECRET"))
        else None,
        notify=file_cfg.notify,
        smtp_password=SecretStr(password)
        if (password := env.get("MINSHENG_SMTP_PASSWORD"))
        else None,
    )
    # A model trained on other categories than the config declares cannot route: say which.
    if model_problems := model_domain_problems(settings):
        raise ConfigError(str(cfg_path), model_problems)
    return settings


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
    "faq": "entries",
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
    if kind == "less_than":
        return f"{key}: must be less than {ctx.get('lt')}, got {_show(got)}"
    if kind == "less_than_equal":
        return f"{key}: must be at most {ctx.get('le')}, got {_show(got)}"
    if kind == "string_pattern_mismatch":
        if last == "id":
            return f"{key}: must be lower-case letters, digits and underscores, got {_show(got)}"
        if last in ("email", "from"):
            return f"{key}: must be an e-mail address like desk@example.gov.cn, got {_show(got)}"
        if last == "console_url":
            return f"{key}: must be an http:// or https:// address, got {_show(got)}"
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
        named: dict[str, str] = {}
        for i, dept in enumerate(depts):
            if not isinstance(dept, dict) or not isinstance(dept.get("aliases"), list):
                continue
            for alias in dept["aliases"]:
                if not isinstance(alias, str):
                    continue
                other = named.setdefault(alias.lower(), str(dept.get("id")))
                if other != str(dept.get("id")):
                    problems.append(
                        f"departments.{i}.aliases: '{alias}' is already an alias of '{other}' "
                        "(a complaint naming it must accuse one department)"
                    )
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
    domains, domain_problems = _domain_keys(data)
    problems.extend(domain_problems)
    problems.extend(_check_staff_channels(data))

    routing = data.get("routing")
    if isinstance(routing, dict):
        for domain, dept_id in routing.items():
            if domain not in domains:
                problems.append(
                    f"routing.{domain}: '{domain}' is not a domain key of the taxonomy "
                    f"(known: {', '.join(domains)})"
                )
            if isinstance(dept_id, str) and known and dept_id not in known:
                problems.append(f"routing.{domain}: unknown department '{dept_id}'")
        for domain in domains:
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
                if dom not in domains:
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
                if ov.get("domain") is not None and ov["domain"] not in domains:
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

    problems.extend(_check_faq(data.get("faq"), domains))

    city = data.get("city")
    if isinstance(city, dict) and isinstance(city.get("timezone"), str):
        try:
            zoneinfo.ZoneInfo(city["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(f"city.timezone: unknown time zone '{city['timezone']}'")

    return problems


def _domain_keys(data: dict[str, Any]) -> tuple[tuple[str, ...], list[str]]:
    """The config's domain keys (taxonomy.domains, else the shipped ones) and their problems."""
    taxonomy = data.get("taxonomy")
    entries = taxonomy.get("domains") if isinstance(taxonomy, dict) else None
    if not isinstance(entries, list):
        return DOMAINS, []
    keys = [e["key"] for e in entries if isinstance(e, dict) and isinstance(e.get("key"), str)]
    problems = [
        f"taxonomy.domains: duplicate domain key '{k}'"
        for k in sorted({k for k in keys if keys.count(k) > 1})
    ]
    if "other" not in keys:
        problems.append(
            "taxonomy.domains: needs the key 'other' (what the triage desk receives when "
            "nothing else fits)"
        )
    return tuple(dict.fromkeys(keys)), problems


def model_domain_problems(settings: Settings) -> list[str]:
    """The NLU model's domain labels against taxonomy.domains, naming unknown and missing keys.

    Only the builtin model carries its labels on disk; a Rasa server is not asked.
    """
    if settings.nlu.backend != "builtin":
        return []
    model_dir = (
        Path(settings.nlu.model_dir) if settings.nlu.model_dir else PROJECT_ROOT / "nlu" / "_model"
    )
    if not model_dir.is_absolute():
        model_dir = settings.base_dir / model_dir
    meta = model_dir / "model.json"
    try:
        heads = json.loads(meta.read_text(encoding="utf-8")).get("heads") or []
    except FileNotFoundError:
        return []  # no model yet: `minsheng nlu build-default` makes one, checked when loaded
    except (OSError, ValueError) as exc:
        return [f"nlu.model_dir: cannot read {meta}: {exc}"]
    labels = next((h.get("labels") for h in heads if h.get("axis") == "domain"), None)
    if not isinstance(labels, list):
        return [f"nlu.model_dir: {meta} has no domain labels"]
    keys = settings.taxonomy.keys
    problems = []
    unknown = [str(label) for label in labels if label not in keys]
    missing = [k for k in keys if k not in labels]
    if unknown:
        problems.append(
            f"taxonomy.domains: the NLU model predicts domain(s) the config does not declare: "
            f"{', '.join(unknown)} (add them to taxonomy.domains and routing)"
        )
    if missing:
        problems.append(
            f"taxonomy.domains: the NLU model never predicts: {', '.join(missing)} "
            "(retrain the model on these keys, or remove them)"
        )
    return problems


def _check_faq(faq: Any, domains: tuple[str, ...]) -> list[str]:
    """Each FAQ entry: a unique id, patterns that compile (at least one), a known domain."""
    problems: list[str] = []
    if not isinstance(faq, list):
        return problems
    seen: set[str] = set()
    for i, entry in enumerate(faq):
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("id"), str):
            if entry["id"] in seen:
                problems.append(f"faq.{i}.id: duplicate FAQ id '{entry['id']}'")
            seen.add(entry["id"])
        if entry.get("domain") is not None and entry["domain"] not in domains:
            problems.append(
                f"faq.{i}.domain: '{entry['domain']}' is not a domain key of the taxonomy"
            )
        patterns = entry.get("patterns")
        if not isinstance(patterns, dict):
            continue
        count = 0
        for lang in ("zh", "en"):
            values = patterns.get(lang)
            if not isinstance(values, list):
                continue
            for j, pattern in enumerate(values):
                if not isinstance(pattern, str):
                    continue
                count += 1
                try:
                    re.compile(pattern)
                except re.error as exc:
                    problems.append(
                        f"faq.{i}.patterns.{lang}.{j}: not a valid regular expression ({exc})"
                    )
        if count == 0:
            problems.append(f"faq.{i}.patterns: needs at least one pattern (zh or en)")
    return problems


def _check_staff_channels(data: dict[str, Any]) -> list[str]:
    """E-mail addresses need an SMTP server to send them through."""
    notify = data.get("notify")
    has_smtp = isinstance(notify, dict) and isinstance(notify.get("smtp"), dict)
    depts = data.get("departments")
    if has_smtp or not isinstance(depts, list):
        return []
    return [
        f"departments.{i}.email: staff e-mail needs an SMTP server; "
        "set notify.smtp (host, port, from)"
        for i, dept in enumerate(depts)
        if isinstance(dept, dict) and dept.get("email")
    ]
