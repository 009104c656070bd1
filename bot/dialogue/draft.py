"""The draft of a problem being taken in: built from the NLU's reading of the words, and the
language and greeting the first words settle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import texts
from bot.dialogue.common import label
from bot.dialogue.model import Context, State
from bot.texts import t


def empty_draft() -> dict[str, Any]:
    return {
        "text": "",
        "nlu": {},
        "domain": "other",
        "confidence": 0.0,
        "domain_chosen": False,
        "low_confidence": False,
        "urgency": "normal",
        "kind": "demand",
        "address": None,
        "location": None,
        "photo": False,
        "safety_answer": None,
    }


def make_draft(
    text: str, nlu: Mapping[str, Any], previous: Mapping[str, Any] | None
) -> dict[str, Any]:
    draft = empty_draft()
    if previous:  # a photo or location sent before the words
        draft["location"], draft["photo"] = previous.get("location"), previous.get("photo", False)
        draft["safety_answer"] = previous.get("safety_answer")
    domain, confidence = label(nlu, "domain", "other")
    places = [
        str(e.get("value")) for e in nlu.get("entities") or [] if e.get("entity") == "location"
    ]
    draft.update(
        text=text,
        nlu={
            k: nlu[k]
            for k in ("domain", "urgency", "kind", "entities", "rules", "language", "signals")
            if k in nlu
        },
        # Any key the model predicts: start-up checks its labels against the city's taxonomy.
        domain=domain or "other",
        confidence=confidence,
        low_confidence=bool(nlu.get("low_confidence")),
        urgency=label(nlu, "urgency", "normal")[0],
        kind=label(nlu, "kind", "demand")[0],
        address="".join(dict.fromkeys(places)) or None,
    )
    return draft


def replay_nlu(draft: Mapping[str, Any]) -> dict[str, Any]:
    nlu = dict(draft.get("nlu") or {})
    nlu["low_confidence"] = draft.get("low_confidence", False)
    return nlu


def detect_language(s: State, nlu: Mapping[str, Any]) -> None:
    if not s["lang_fixed"] and nlu.get("language") in texts.LANGUAGES:
        s["lang"] = nlu["language"]


def first_greeting(s: State, ctx: Context) -> str | None:
    if s["greeted"]:
        return None
    s["greeted"] = True
    return t(s["lang"], "greeting", city=ctx.city.get(s["lang"], ""))
