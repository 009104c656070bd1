"""What goes into the dialogue engine and what comes out of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.dialogue.project_commands import ProjectCommand
from case_store.lifecycle import OPEN_STATES
from case_store.taxonomy import DOMAIN_NAMES, DOMAINS


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes


@dataclass(frozen=True)
class Reply:
    text: str  # plain text; adapters escape it
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class Event:
    """One inbound message or button tap, with the NLU's reading of free text."""

    text: str | None = None
    callback: str | None = None
    location: tuple[float, float] | None = None
    has_photo: bool = False
    language_hint: str | None = None
    nlu: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class CaseBrief:
    """What the dialogue needs to know about one of the resident's cases."""

    reference: str
    status: str
    domain: str
    department: str | None
    created: dt.date
    resolution_due: dt.date | None = None
    working_days_left: int | None = None
    rating: int | None = None
    resolution_due_provisional: bool = False
    outcome: str | None = None
    title: str = ""  # the start of the description, for buttons
    address: str | None = None
    last_message_at: dt.datetime | None = None  # the resident's latest message on it


@dataclass(frozen=True)
class FaqEntry:
    """A configured answer to a common question; `patterns` are regexes per language."""

    id: str
    patterns: Mapping[str, tuple[str, ...]]
    answer: Mapping[str, str]
    domain: str | None = None


@dataclass(frozen=True)
class Context:
    """Settings and facts the engine reads; built by the caller for every event."""

    today: dt.date
    city: Mapping[str, str] = field(default_factory=lambda: {"zh": "本市", "en": "the city"})
    advice: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    routing: Mapping[str, str] = field(default_factory=dict)
    department_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    cases: tuple[CaseBrief, ...] = ()  # the resident's cases, newest first
    low_confidence_threshold: float = 0.5
    # the city's domain keys and (zh, en) names, in button order; empty: the shipped taxonomy
    domains: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def domain_keys(self) -> tuple[str, ...]:
        return tuple(self.domains) if self.domains else DOMAINS

    def domain_name(self, lang: str, domain: str) -> str:
        names = self.domains.get(domain) or DOMAIN_NAMES.get(domain) or (domain, domain)
        return names[1] if lang == "en" else names[0]

    now: dt.datetime | None = None
    # The department the router would choose for a draft (routing is the service's to do).
    route: Callable[[Submit], str | None] | None = None
    first_response_hours: Mapping[str, float | None] = field(default_factory=dict)
    faq: tuple[FaqEntry, ...] = ()
    # Words sent this soon after the resident's last message on an open case may continue it.
    follow_up_minutes: float = 30.0

    def department(self, lang: str, dept_id: str | None) -> str:
        if dept_id is None:
            return "—"
        names = self.department_names.get(dept_id)
        if names is None:
            return dept_id
        return names[1] if lang == "en" else names[0]

    def open_cases(self) -> list[CaseBrief]:
        return [c for c in self.cases if c.status in OPEN_STATES]

    def case(self, reference: str) -> CaseBrief | None:
        return next((c for c in self.cases if c.reference == reference), None)


@dataclass(frozen=True)
class Submit:
    text: str
    domain: str
    domain_chosen: bool
    urgency: str
    kind: str
    language: str
    address: str | None
    consent: bool
    location: tuple[float, float] | None
    has_photo: bool
    nlu: Mapping[str, Any]
    safety_answer: str | None = None  # "yes"/"no" to the safety question, when it was asked


@dataclass(frozen=True)
class AddContact:
    """The place or callback number given after an urgent case was created."""

    reference: str
    address: str | None = None
    phone: str | None = None
    location: tuple[float, float] | None = None


@dataclass(frozen=True)
class AddDetails:
    reference: str
    text: str


@dataclass(frozen=True)
class Rate:
    reference: str
    score: int


@dataclass(frozen=True)
class Comment:
    reference: str
    text: str


@dataclass(frozen=True)
class Reopen:
    reference: str
    reason: str


@dataclass(frozen=True)
class Withdraw:
    reference: str


@dataclass(frozen=True)
class SetLanguage:
    language: str


@dataclass(frozen=True)
class MyData:
    """Show the resident everything stored about them."""


@dataclass(frozen=True)
class Forget:
    """Erase the resident's personal data (asked for, then confirmed)."""


Command = (
    Submit
    | AddContact
    | AddDetails
    | Rate
    | Comment
    | Reopen
    | Withdraw
    | SetLanguage
    | MyData
    | Forget
    | ProjectCommand
)


@dataclass(frozen=True)
class Result:
    """A command's outcome. `error`: not_found, already_rated, not_ratable, not_open, failed."""

    ok: bool
    data: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


State = dict[str, Any]
Turn = tuple[State, list[Reply], list[Command]]


def new_state() -> State:
    return {
        "lang": None,
        "lang_fixed": False,
        "greeted": False,
        "step": "idle",
        "draft": None,
        "consent": None,
        "survey": None,
    }
