"""From a resident's words to an Intake: the NLU's reading, with explicit choices on top."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue import Submit
from minsheng.services.bootstrap import App
from minsheng.services.casework.submission import Intake, route_decision
from routing import router

_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})(?!\d)")


def classify(app: App, text: str) -> dict[str, Any]:
    """The NLU's parse result (the Rasa-compatible superset)."""
    result: dict[str, Any] = app.nlu.parse(text)
    return result


def _name(result: dict[str, Any], axis: str, default: str) -> str:
    value = result.get(axis)
    if isinstance(value, dict) and value.get("name"):
        return str(value["name"])
    return default


def to_intake(
    result: dict[str, Any],
    *,
    channel: str,
    text: str,
    external_id: str | None = None,
    display_name: str | None = None,
    language: str | None = None,
    address: str | None = None,
    phone: str | None = None,
    domain: str | None = None,
    urgency: str | None = None,
    kind: str | None = None,
) -> Intake:
    """An Intake from an NLU result; explicit values (a resident's choice) win."""
    entities = list(result.get("entities") or [])
    chosen_domain = domain or _name(result, "domain", "other")
    confidence = 1.0 if domain else float((result.get("domain") or {}).get("confidence", 0.0))
    chosen_kind = kind or _name(result, "kind", "demand")
    if address is None:
        places = [str(e["value"]) for e in entities if e.get("entity") == "location"]
        address = "".join(dict.fromkeys(places)) or None
    if phone is None:
        phones = [str(e["value"]) for e in entities if e.get("entity") in ("phone", "phone_number")]
        if not phones and (m := _PHONE.search(text)):
            phones = [m.group(1)]
        phone = re.sub(r"[\s-]", "", phones[0]) if phones else None
    return Intake(
        text=text,
        domain=chosen_domain,
        urgency=urgency or _name(result, "urgency", "normal"),
        kind=chosen_kind,
        channel=channel,
        external_id=external_id,
        display_name=display_name,
        language=language or str(result.get("language") or "zh"),
        address=address,
        phone=phone,
        confidence=confidence,
        entities=entities,
        safety_rules=list(result.get("rules") or []),
        complaint_about_staff=router.looks_like_staff_complaint(chosen_kind, text),
        details={},
        predicted=predicted_labels(result),
    )


def preview_department(app: App, command: Submit) -> str:
    """The department a case from this draft would be routed to, as submission routes it."""
    draft = to_intake(
        {**command.nlu, "text": command.text},
        channel="preview",
        text=command.text,
        language=command.language,
        address=command.address,
        domain=command.domain if command.domain_chosen else None,
        urgency=command.urgency,
    )
    return route_decision(app, draft).department


def predicted_labels(result: dict[str, Any]) -> dict[str, str] | None:
    """The NLU's reading on each axis it gave, or None for a result without any."""
    found = {}
    for axis in ("domain", "urgency", "kind"):
        value = result.get(axis)
        if isinstance(value, dict) and value.get("name"):
            found[axis] = str(value["name"])
    return found or None
