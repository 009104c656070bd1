"""One typed settings object, loaded at the edges from config.yml and the environment.

Every problem is reported with the key path that holds it, so an operator can fix a
broken config in one pass instead of one error at a time.
"""

from __future__ import annotations

import json
import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from minsheng.config.checks import check_config, show
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
        raise ConfigError(source, [f"(top level): must be a mapping of keys, got {show(data)}"])
    return data


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
