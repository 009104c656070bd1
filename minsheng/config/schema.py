"""The shape of config.yml as pydantic models; `settings` reads, checks and loads it."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from case_store.taxonomy import DOMAIN_NAMES, DOMAINS


class ConfigModel(BaseModel):
    """The base of every config model: unknown keys are errors and values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class City(ConfigModel):
    name_zh: str
    name_en: str
    timezone: str = "Asia/Shanghai"


class DomainCfg(ConfigModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


def _shipped_domains() -> list[DomainCfg]:
    return [
        DomainCfg(key=k, name_zh=DOMAIN_NAMES[k][0], name_en=DOMAIN_NAMES[k][1]) for k in DOMAINS
    ]


class TaxonomyCfg(ConfigModel):
    """The city's domain keys (the NLU model's domain labels); the shipped 12 by default."""

    domains: list[DomainCfg] = Field(default_factory=_shipped_domains)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.domains)

    def names(self) -> dict[str, tuple[str, str]]:
        return {d.key: (d.name_zh, d.name_en) for d in self.domains}


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Department(ConfigModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    parent: str | None = None
    triage: bool = False
    # What residents call it: a complaint naming one of these accuses this department's staff.
    aliases: list[str] = []
    # Where staff notices go: an e-mail address (needs notify.smtp) and a Telegram group.
    email: str | None = Field(default=None, pattern=EMAIL_PATTERN)
    telegram_chat_id: int | None = None
    language: Literal["zh", "en"] = "zh"
    # Texts a clerk of this department can pick on the case page to start a reply.
    reply_templates: list[Annotated[str, StringConstraints(min_length=1, max_length=2000)]] = Field(
        default=[], max_length=50
    )


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


class Bilingual(ConfigModel):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Emergency(ConfigModel):
    numbers: list[EmergencyNumber] = []
    advice: dict[str, Advice] = {}


class FaqPatterns(ConfigModel):
    # Regular expressions, matched case-insensitively anywhere in the resident's words.
    zh: list[str] = []
    en: list[str] = []


class FaqAnswer(ConfigModel):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class FaqEntry(ConfigModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    patterns: FaqPatterns
    answer: FaqAnswer
    domain: str | None = None  # only for questions the NLU does not place in another area


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
    # Messages one process works on at once (minsheng.services.residents.step_slots).
    steps_at_once: int = Field(default=2, ge=1, le=64)


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
    # Telegram takes about 30 messages a second from one bot; a little below, so it never
    # answers 429. Celery workers share it through Redis; any other process keeps it alone.
    telegram_per_second: float = Field(default=28, gt=0, le=1000)


class SignInCfg(ConfigModel):
    window_minutes: float = Field(default=15, gt=0)
    free_failures: int = Field(default=5, ge=1)
    delay_seconds: float = Field(default=2, gt=0)
    lock_failures: int = Field(default=10, ge=2)
    address_failures: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _lock_after_delay(self) -> SignInCfg:
        if self.lock_failures <= self.free_failures:
            raise ValueError("lock_failures must be greater than free_failures")
        return self


class ConsoleCfg(ConfigModel):
    session_hours: float = Field(default=8, gt=0, le=24 * 30)
    idle_minutes: float = Field(default=30, gt=0)
    two_factor_roles: list[Literal["agent", "supervisor", "triage", "admin", "evaluator"]] = [
        "supervisor",
        "admin",
        "evaluator",
    ]
    sign_in: SignInCfg = SignInCfg()


class SmtpCfg(ConfigModel):
    host: str = Field(min_length=1)
    port: int = Field(default=587, gt=0, lt=65536)
    sender: str = Field(alias="from", pattern=EMAIL_PATTERN)
    starttls: bool = True
    username: str | None = None
    timeout_s: float = Field(default=30, gt=0)


class NotifyCfg(ConfigModel):
    # The console's public address, for the links in staff notices.
    console_url: str = Field(default="http://127.0.0.1:8000/console", pattern=r"^https?://\S+$")
    smtp: SmtpCfg | None = None


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


class MilestoneStep(ConfigModel):
    """One default milestone: `percent` of the work done by month-day of the plan year."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    percent: int = Field(gt=0, le=100)


class ProjectsCfg(ConfigModel):
    """Livelihood projects (民生实事): milestones, early warnings, the rating sample."""

    schedule: list[MilestoneStep] = [
        MilestoneStep(month=6, day=30, percent=50),
        MilestoneStep(month=9, day=30, percent=80),
        MilestoneStep(month=12, day=31, percent=100),
    ]
    warning_working_days: int = Field(default=10, ge=0)
    min_sample: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _increasing(self) -> ProjectsCfg:
        if not self.schedule:
            raise ValueError("schedule needs at least one milestone")
        steps = [(m.month, m.day, m.percent) for m in self.schedule]
        for (m1, d1, p1), (m2, d2, p2) in zip(steps, steps[1:]):
            if (m2, d2) <= (m1, d1) or p2 <= p1:
                raise ValueError("schedule dates and percents must both increase")
        return self


class FileConfig(ConfigModel):
    """The shape of config.yml."""

    city: City
    database: DatabaseCfg = DatabaseCfg()
    departments: list[Department]
    taxonomy: TaxonomyCfg = TaxonomyCfg()
    routing: dict[str, str]
    routing_rules: RoutingRules = RoutingRules()
    sla: Sla = Sla()
    calendar: CalendarCfg = CalendarCfg()
    emergency: Emergency = Emergency()
    referral: Bilingual | None = None
    faq: list[FaqEntry] = []
    nlu: NluCfg = NluCfg()
    privacy: PrivacyCfg = PrivacyCfg()
    limits: LimitsCfg = LimitsCfg()
    attachments: AttachmentsCfg = AttachmentsCfg()
    webhook: WebhookCfg = WebhookCfg()
    delivery: DeliveryCfg = DeliveryCfg()
    console: ConsoleCfg = ConsoleCfg()
    projects: ProjectsCfg = ProjectsCfg()
    notify: NotifyCfg = NotifyCfg()
    web: WebCfg = WebCfg()
