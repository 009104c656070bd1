"""The database schema, as SQLAlchemy 2 typed models. Alembic migrations create it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UtcDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Resident(Base):
    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_residents_channel_ext"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    deliverable: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime]
    forgotten_at: Mapped[dt.datetime | None]


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_department_status", "department", "status"),
        Index("ix_cases_next_due_at", "next_due_at"),
        Index("ix_cases_resident_created", "resident_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    domain: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    department: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), index=True)
    outcome: Mapped[str | None] = mapped_column(String(24))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    hide_identity_from: Mapped[str | None] = mapped_column(String(64))
    identity_withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_at: Mapped[dt.datetime | None]
    bounce_count: Mapped[int] = mapped_column(Integer, default=0)
    resolution_round: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    routed_at: Mapped[dt.datetime | None]
    first_response_due_at: Mapped[dt.datetime | None]
    first_responded_at: Mapped[dt.datetime | None]
    resolution_started_at: Mapped[dt.datetime | None]
    resolution_due_at: Mapped[dt.datetime | None]
    resolution_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    next_due_at: Mapped[dt.datetime | None]
    # The case whose handling answers this one too (0011): set by staff, never a chain.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    resident: Mapped[Resident | None] = relationship(lazy="joined")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan", lazy="select"
    )


class CaseEvent(Base):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="events")


class Message(Base):
    """The transcript of a case: what the resident, staff and the bot said."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime]
    author: Mapped[str] = mapped_column(String(16))  # resident | staff | bot
    author_name: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship()


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(String(16))  # photo | document | location
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    storage_path: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    case: Mapped[Case] = relationship()


class Transfer(Base):
    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    from_department: Mapped[str | None] = mapped_column(String(64))
    to_department: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    from_domain: Mapped[str | None] = mapped_column(String(32))
    to_domain: Mapped[str | None] = mapped_column(String(32))

    case: Mapped[Case] = relationship()


class CaseCorrection(Base):
    """A label staff changed on one axis, kept beside the NLU's original reading.

    Append-only; a case corrected twice on one axis has two rows and the later one wins when
    the corrections are exported as training data.
    """

    __tablename__ = "case_corrections"
    __table_args__ = (
        CheckConstraint("axis IN ('domain', 'urgency', 'kind')", name="axis"),
        Index("ix_case_corrections_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # transfer | triage | console | api
    axis: Mapped[str] = mapped_column(String(16))
    predicted: Mapped[str | None] = mapped_column(String(32))  # the NLU's reading at intake
    before: Mapped[str] = mapped_column(String(32))
    after: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship()


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("case_id", "round", name="uq_ratings_case_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[dt.datetime]

    case: Mapped[Case] = relationship()


class OutboxMessage(Base):
    """A message to send after commit; `key` makes each case event's message unique."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_available", "status", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # telegram | web | console | staff
    recipient: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]
    claimed_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class DialogueSession(Base):
    __tablename__ = "dialogue_sessions"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_dialogue_channel_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The commands of the step saved last, until they are carried out (0005): whoever comes
    # next — this process after the commit, another replica, the sweep — runs them once.
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pending_at: Mapped[dt.datetime | None] = mapped_column(index=True)

    __mapper_args__ = {"version_id_col": version}


class ProcessedUpdate(Base):
    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    processed_at: Mapped[dt.datetime]
    # Which chat sent it, so erasing a resident's data can find their rows (0003).
    chat_id: Mapped[str | None] = mapped_column(String(128), index=True)


class CaseAlert(Base):
    """An SLA warning or breach already raised: one row per case and alert key, never two."""

    __tablename__ = "case_alerts"
    __table_args__ = (UniqueConstraint("case_id", "key", name="uq_case_alerts_case_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime]


class TrainingExample(Base):
    """A settled transfer, kept as text → final domain so routing mistakes teach the NLU."""

    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32), default="transfer")
    at: Mapped[dt.datetime]


class JobRun(Base):
    """When each periodic job last finished; /healthz reports the sweep's age."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    finished_at: Mapped[dt.datetime]
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Staff(Base):
    """A department clerk, supervisor, triage officer or administrator."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    login: Mapped[str | None] = mapped_column(String(100), unique=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))  # agent | supervisor | triage | admin
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]
    # Base32 TOTP secret once two-factor sign-in is enrolled; the last accepted time step
    # stops a code from being used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    password_changed_at: Mapped[dt.datetime | None]


class StaffTelegramLink(Base):
    """A staff login's Telegram account, linked once with a one-time code from the console,
    so the member can act (accept) from the department's group. Only the code's hash is kept."""

    __tablename__ = "staff_telegram_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), unique=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[dt.datetime | None]
    linked_at: Mapped[dt.datetime | None]


class ApiKey(Base):
    """A key for Open311 clients that submit requests."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]


class WebSession(Base):
    """A browser session (a staff login or a resident's web chat); only the token's hash is kept."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # staff | resident
    subject: Mapped[str] = mapped_column(String(128))
    csrf_token: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    last_seen_at: Mapped[dt.datetime | None]


class SignInFailure(Base):
    """One failed console sign-in, counted per account and per client address."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # account | address
    key: Mapped[str] = mapped_column(String(128))  # the login, or a keyed hash of the address
    at: Mapped[dt.datetime]


class RateCounter(Base):
    """How many events (inbound messages, new chats) one key had in one fixed time window.

    Kept in the database so every replica counts together; old windows are purged by the
    periodic housekeeping.
    """

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class AuditLog(Base):
    """Append-only record of privacy-relevant acts (data exports, erasures, retention runs)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# -- livelihood projects (民生实事) -------------------------------------------------------------
#
# Rows that count residents (backings, ratings, announcements) keep their row when the resident
# is forgotten and lose only the link (resident_id becomes NULL): totals, means and rates stay
# right with plain COUNT/AVG and per-period queries, and nothing left points at a person.


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        Index("ix_projects_plan_year_stage", "plan_year", "stage"),
        CheckConstraint("progress_percent BETWEEN 0 AND 100", name="progress_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text)
    area: Mapped[str | None] = mapped_column(String(200), index=True)
    # In fen (0.01 yuan), so sums are exact on every backend.
    budget_fen: Mapped[int | None] = mapped_column(BigInteger)
    plan_year: Mapped[int] = mapped_column(Integer)
    lead_department: Mapped[str | None] = mapped_column(String(64), index=True)
    stage: Mapped[str] = mapped_column(String(24), index=True)
    proposed_by: Mapped[str] = mapped_column(String(200))
    rejection_note: Mapped[str | None] = mapped_column(Text)
    milestones: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{due, percent}]
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    supervised_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    published_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    events: Mapped[list[ProjectEvent]] = relationship(
        back_populates="project",
        order_by="ProjectEvent.id",
        cascade="all, delete-orphan",
        lazy="select",
    )


class ProjectEvent(Base):
    """Append-only, like case events."""

    __tablename__ = "project_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(String(24))
    after: Mapped[str | None] = mapped_column(String(24))
    review: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    project: Mapped[Project] = relationship(back_populates="events")


class ProjectCase(Base):
    """A case that asked for (or is answered by) a project."""

    __tablename__ = "project_cases"
    __table_args__ = (UniqueConstraint("project_id", "case_id", name="uq_project_cases_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    linked_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime]


class ProjectBacking(Base):
    """One resident's backing of an open project, from the chat or recorded offline by staff."""

    __tablename__ = "project_backings"
    __table_args__ = (
        UniqueConstraint("project_id", "resident_id", name="uq_project_backings_resident"),
        CheckConstraint("source IN ('chat', 'offline')", name="source"),
        CheckConstraint("source = 'chat' OR recorded_by IS NOT NULL", name="offline_recorder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    # NULL once the resident is forgotten, or for an offline backer without a chat account.
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[dt.datetime]


class ProjectProgress(Base):
    """A progress report; the project row carries the latest percentage."""

    __tablename__ = "project_progress"
    __table_args__ = (CheckConstraint("percent BETWEEN 0 AND 100", name="percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    percent: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    attachment_path: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime]


class ProjectRating(Base):
    __tablename__ = "project_ratings"
    __table_args__ = (
        UniqueConstraint("project_id", "resident_id", name="uq_project_ratings_resident"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # chat | offline
    at: Mapped[dt.datetime]


class ProjectEvaluation(Base):
    """A third-party evaluator's score (0–100) of a completed project."""

    __tablename__ = "project_evaluations"
    __table_args__ = (CheckConstraint("score BETWEEN 0 AND 100", name="score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    evaluator: Mapped[str] = mapped_column(String(200))
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime]


class DemandTopic(Base):
    """A cluster of similar demands (nlu.clusters); its id is the clustering's stable topic id."""

    __tablename__ = "demand_topics"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(32), index=True)
    covered_by_project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    # A manual merge points the absorbed topic here, so re-clustering that finds it again
    # files its cases under the surviving topic.
    merged_into_id: Mapped[str | None] = mapped_column(
        ForeignKey("demand_topics.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class DemandTopicCase(Base):
    """Which topic a case belongs to; `manual` rows are staff overrides re-clustering keeps."""

    __tablename__ = "demand_topic_cases"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    topic_id: Mapped[str] = mapped_column(ForeignKey("demand_topics.id"), index=True)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    set_by: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[dt.datetime]


class Subscription(Base):
    """A resident's wish to hear about projects in an area or a domain."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("resident_id", "kind", "value", name="uq_subscriptions_resident_kind"),
        CheckConstraint("kind IN ('area', 'domain')", name="kind"),
        Index("ix_subscriptions_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A subscription is only the person's wish: forgetting them removes it outright.
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]


class Announcement(Base):
    """A project event told to one resident; delivered/opened times measure awareness."""

    __tablename__ = "announcements"
    __table_args__ = (
        UniqueConstraint(
            "project_id", "resident_id", "event_key", name="uq_announcements_project_resident_event"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    event_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    delivered_at: Mapped[dt.datetime | None]
    opened_at: Mapped[dt.datetime | None]


class WebChatLine(Base):
    """One line of a resident's web chat, both ways, so a reloaded page shows the conversation."""

    __tablename__ = "web_chat_lines"
    __table_args__ = (Index("ix_web_chat_lines_chat_id_id", "chat_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime]
    author: Mapped[str] = mapped_column(String(16))  # resident | bot
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(JSON, default=list)


class CaseRead(Base):
    """When a staff member last opened a case: the queue marks details added after it."""

    __tablename__ = "case_reads"

    staff_public_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[dt.datetime]
