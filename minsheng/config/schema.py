"""The shape of config.yml as pydantic models; `settings` reads, checks and loads it."""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ConfigModel(BaseModel):
    """The base of every config model: unknown keys are errors and values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class City(ConfigModel):
    name_zh: str
    name_en: str
    timezone: str = "Asia/Shanghai"


class Department(ConfigModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    parent: str | None = None
    triage: bool = False


class LocationOverride(ConfigModel):
    department: str
    district: str | None = None
    street: str | None = None
    domains: list[str] | None = None


class RoutingRules(ConfigModel):
    low_confidence_threshold: float = Field(default=0.5, ge=0, le=1)
    max_bounces: int = Field(default=2, ge=0)
    location_overrides: list[LocationOverride] = []


class ResolutionOverride(ConfigModel):
    domain: str | None = None
    kind: str | None = None
    working_days: int = Field(gt=0)


class WorkingHours(ConfigModel):
    start: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(default="18:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class Survey(ConfigModel):
    reminder_after_days: float = Field(default=3, gt=0)
    close_unrated_after_days: float = Field(default=7, gt=0)


class Sla(ConfigModel):
    first_response_hours: dict[str, float | None] = {"urgent": 2, "high": 24, "normal": None}
    complaint_first_response_hours: float | None = Field(default=24, gt=0)
    resolution_working_days: int = Field(default=30, gt=0)
    resolution_overrides: list[ResolutionOverride] = []
    reopen_working_days: int = Field(default=15, gt=0)
    warn_at: list[float] = [0.5, 0.8]
    first_response_warn_hours_before: float = Field(default=1, ge=0)
    working_hours: WorkingHours = WorkingHours()
    min_sample: int = Field(default=5, ge=1)
    survey: Survey = Survey()


class CalendarCfg(ConfigModel):
    extra_file: str | None = None
    extra_holidays: list[datetime.date] = []
    extra_workdays: list[datetime.date] = []


class EmergencyNumber(ConfigModel):
    label_zh: str
    label_en: str
    number: str


class Advice(ConfigModel):
    zh: str
    en: str


class Emergency(ConfigModel):
    numbers: list[EmergencyNumber] = []
    advice: dict[str, Advice] = {}


class RasaCfg(ConfigModel):
    url: str | None = None
    timeout_s: float = Field(default=3.0, gt=0)
    retries: int = Field(default=2, ge=0)


class NluCfg(ConfigModel):
    backend: Literal["builtin", "rasa"] = "builtin"
    model_dir: str | None = None
    low_confidence_threshold: float = Field(default=0.5, ge=0, le=1)
    rasa: RasaCfg = RasaCfg()


class PrivacyCfg(ConfigModel):
    retention_months: int = Field(default=24, ge=1)


class LimitsCfg(ConfigModel):
    new_cases_per_window: int = Field(default=5, ge=1)
    window_minutes: float = Field(default=10, gt=0)
    max_text_chars: int = Field(default=2000, ge=50)
    # Inbound floods, counted in the database (or Redis when configured) so every replica
    # shares one count. A window is fixed: it starts when its first message arrives.
    messages_per_chat: int = Field(default=30, ge=1)
    messages_window_seconds: float = Field(default=60, gt=0)
    messages_per_address: int = Field(default=120, ge=1)
    chat_sessions_per_address: int = Field(default=20, ge=1)
    new_cases_per_address: int = Field(default=10, ge=1)
    address_window_minutes: float = Field(default=10, gt=0)


class AttachmentsCfg(ConfigModel):
    max_photo_bytes: int = Field(default=10_000_000, gt=0)
    max_document_bytes: int = Field(default=20_000_000, gt=0)
    max_per_case: int = Field(default=10, ge=0)


class WebhookCfg(ConfigModel):
    enabled: bool = False
    url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8443, gt=0, lt=65536)


class DeliveryCfg(ConfigModel):
    # A claim older than this belongs to a process that died; another sender takes it over.
    # It must exceed the longest send (rate-limit waits included), or a live send is repeated.
    stale_claim_seconds: float = Field(default=120, ge=5)


class WebCfg(ConfigModel):
    # Addresses whose X-Forwarded-For / X-Forwarded-Proto headers are believed: the TLS load
    # balancer's. "*" trusts every peer (only when nothing else can reach the port).
    forwarded_allow_ips: list[str] = ["127.0.0.1"]
    # auto: Secure when the request arrived over HTTPS (directly or via a trusted proxy).
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    # A resident's web chat is forgotten this long after its last message.
    chat_session_idle_days: float = Field(default=30, gt=0)
    # GET /open311/v2/requests.json: rows per page when the client does not say.
    open311_page_size: int = Field(default=100, ge=1, le=1000)


class DatabaseCfg(ConfigModel):
    url: str | None = None
    path: str = "var/minsheng.db"


class FileConfig(ConfigModel):
    """The shape of config.yml."""

    city: City
    database: DatabaseCfg = DatabaseCfg()
    departments: list[Department]
    routing: dict[str, str]
    routing_rules: RoutingRules = RoutingRules()
    sla: Sla = Sla()
    calendar: CalendarCfg = CalendarCfg()
    emergency: Emergency = Emergency()
    nlu: NluCfg = NluCfg()
    privacy: PrivacyCfg = PrivacyCfg()
    limits: LimitsCfg = LimitsCfg()
    attachments: AttachmentsCfg = AttachmentsCfg()
    webhook: WebhookCfg = WebhookCfg()
    delivery: DeliveryCfg = DeliveryCfg()
    web: WebCfg = WebCfg()
