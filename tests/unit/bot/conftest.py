"""A resident talking to the pure dialogue engine: messages in, replies and commands out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from bot import dialogue
from bot.dialogue import CaseBrief, Context, Event, FaqEntry, Reply, Result
from minsheng.config.settings import Settings

TODAY = dt.date(2026, 11, 2)


def nlu_result(
    domain: str,
    confidence: float = 0.92,
    *,
    urgency: str = "normal",
    kind: str = "demand",
    language: str = "zh",
    places: Sequence[str] = (),
    rules: Sequence[str] = (),
    low_confidence: bool = False,
    vulnerable: bool = False,
) -> dict[str, Any]:
    """An NLU parse as the NLU returns it, for the parts the dialogue reads."""
    return {
        "text": "",
        "intent": {"name": domain, "confidence": confidence},
        "domain": {"name": domain, "confidence": confidence},
        "urgency": {"name": urgency, "confidence": 0.9},
        "kind": {"name": kind, "confidence": 0.9},
        "entities": [
            {"entity": "location", "start": 0, "end": len(p), "value": p, "extractor": "test"}
            for p in places
        ],
        "rules": [{"id": r, "text": "", "start": 0, "end": 0} for r in rules],
        "language": language,
        "low_confidence": low_confidence,
        "signals": {
            "vulnerable_person": vulnerable,
            "care_stopped": False,
            "service_feedback": False,
        },
    }


class Chat:
    """One resident's conversation; `commands` holds what the last message asked for."""

    def __init__(self, ctx: Context, language_hint: str | None = None) -> None:
        self.ctx = ctx
        self.state: dict[str, Any] | None = None
        self.commands: list[dialogue.Command] = []
        self.language_hint = language_hint

    def _run(self, event: Event) -> list[Reply]:
        self.state, replies, self.commands = dialogue.handle(self.state, event, self.ctx)
        for reply in replies:
            for row in reply.buttons:
                for button in row:
                    assert len(button.data.encode()) <= 64, button
        return replies

    def say(self, text: str, nlu: dict[str, Any] | None = None) -> list[Reply]:
        event = Event(text=text, language_hint=self.language_hint)
        if dialogue.wants_nlu(event):
            event = Event(
                text=text,
                language_hint=self.language_hint,
                nlu=nlu if nlu is not None else nlu_result("other", 0.9),
            )
        return self._run(event)

    def tap(self, data: str) -> list[Reply]:
        return self._run(Event(callback=data, language_hint=self.language_hint))

    def send(self, **event: Any) -> list[Reply]:
        return self._run(Event(language_hint=self.language_hint, **event))

    def complete(self, result: Result, index: int = 0) -> list[Reply]:
        """Feed back the outcome of the last message's command."""
        assert self.state is not None
        self.state, replies = dialogue.after(self.state, self.commands[index], result, self.ctx)
        return replies

    @property
    def step(self) -> str:
        assert self.state is not None
        return str(self.state["step"])


def buttons(reply: Reply) -> list[tuple[str, str]]:
    return [(b.label, b.data) for row in reply.buttons for b in row]


@pytest.fixture
def context(base_settings: Settings) -> Callable[..., Context]:
    def make(cases: Sequence[CaseBrief] = (), **extra: Any) -> Context:
        s = base_settings
        return Context(
            today=TODAY,
            city={"zh": s.city.name_zh, "en": s.city.name_en},
            advice={k: {"zh": a.zh, "en": a.en} for k, a in s.emergency.advice.items()},
            routing=dict(s.routing),
            department_names={d.id: (d.name_zh, d.name_en) for d in s.departments},
            cases=tuple(cases),
            low_confidence_threshold=s.routing_rules.low_confidence_threshold,
            first_response_hours=dict(s.sla.first_response_hours),
            faq=tuple(
                FaqEntry(
                    id=e.id,
                    patterns={"zh": tuple(e.patterns.zh), "en": tuple(e.patterns.en)},
                    answer={"zh": e.answer.zh, "en": e.answer.en},
                    domain=e.domain,
                )
                for e in s.faq
            ),
            **extra,
        )

    return make


@pytest.fixture
def chat(context: Callable[..., Context]) -> Callable[..., Chat]:
    def make(
        cases: Sequence[CaseBrief] = (), language_hint: str | None = None, **extra: Any
    ) -> Chat:
        return Chat(context(cases, **extra), language_hint)

    return make


@pytest.fixture
def helpers() -> Any:
    class H:
        nlu = staticmethod(nlu_result)
        buttons = staticmethod(buttons)
        today = TODAY

        @staticmethod
        def case(
            ref: str = "MS-2611-ABC123",
            status: str = "routed",
            domain: str = "transport",
            department: str = "transport_bureau",
            due: dt.date | None = dt.date(2026, 12, 14),
            left: int | None = 29,
            rating: int | None = None,
            title: str = "小区门口的路灯坏了三天了",
            address: str | None = None,
            created: dt.date = TODAY,
            last_message_at: dt.datetime | None = None,
        ) -> CaseBrief:
            return CaseBrief(
                reference=ref,
                status=status,
                domain=domain,
                department=department,
                created=created,
                resolution_due=due,
                working_days_left=left,
                rating=rating,
                title=title,
                address=address,
                last_message_at=last_message_at,
            )

        @staticmethod
        def created(
            ref: str = "MS-2611-ABC123",
            department: str = "transport_bureau",
            first: dt.datetime | None = None,
            urgency: str = "normal",
            working_days: int = 30,
        ) -> Result:
            return Result(
                ok=True,
                data={
                    "reference": ref,
                    "department": department,
                    "working_days": working_days,
                    "resolution_due": dt.date(2026, 12, 14),
                    "first_response_due": first,
                    "urgency": urgency,
                },
            )

    return H
