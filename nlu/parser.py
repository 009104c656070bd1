"""The parser: one result per message, a superset of Rasa's /model/parse JSON.

Rasa's fields: text, intent, intent_ranking, entities. Ours on top:
  domain, urgency, kind   {"name", "confidence"} per axis (domain equals intent)
  rules                   safety rules that fired: {"id", "text", "start", "end", "advice"}
                          ("advice" is the rule's emergency-advice key, "default" when none fits)
  signals                 {"vulnerable_person": bool, "care_stopped": bool, "service_feedback": bool}:
                          someone who may not be able to help themselves is named; food, a carer or
                          medication has stopped; the message is feedback on the service itself
                          (the bot, app, 12345 hotline, service hall), which sets the domain to other
  language, low_confidence, backend
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

from nlu import entities as entity_rules
from nlu import label_rules
from nlu.errors import RasaUnavailableError
from nlu.model import LinearModel, Ranking
from nlu.normalize import Normalized, normalize
from nlu.rules import RULE_ADVICE, apply_rules, is_settled, signals

log = logging.getLogger(__name__)

# A fired safety rule sets urgency to urgent with at least this confidence; it is about the
# share of rule hits that human labellers also call urgent.
RULE_CONFIDENCE = 0.9

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


class RemoteParser(Protocol):
    def parse(self, text: str) -> dict[str, Any]: ...


def detect_language(text: str) -> str:
    """ "zh" when Chinese characters carry the message, else "en"."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if cjk and cjk * 4 >= latin else ("en" if latin else "zh")


def _label(ranking: Ranking | None) -> dict[str, Any] | None:
    if not ranking:
        return None
    name, confidence = ranking[0]
    return {"name": name, "confidence": round(confidence, 4)}


def _entities(norm: Normalized) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for found in entity_rules.extract(norm.text):
        start, end = norm.span_in_original(found.start, found.end)
        surface = norm.original[start:end]
        item: dict[str, Any] = {
            "entity": found.entity,
            "start": start,
            "end": end,
            "value": found.value if found.value is not None else surface,
            "extractor": entity_rules.EXTRACTOR,
        }
        if found.role is not None:
            item["role"] = found.role
        if found.number is not None:
            item["number"] = found.number
        out.append(item)
    return out


def _rules(norm: Normalized) -> list[dict[str, Any]]:
    fired = []
    for hit in apply_rules(norm.text):
        start, end = norm.span_in_original(hit.start, hit.end)
        fired.append(
            {
                "id": hit.rule_id,
                "text": norm.original[start:end],
                "start": start,
                "end": end,
                "advice": RULE_ADVICE.get(hit.rule_id, "default"),
            }
        )
    return fired


# Confidence given to `other` when the message is feedback on the service itself.
SERVICE_FEEDBACK_CONFIDENCE = 0.8


def _promote(ranking: Ranking, name: str, at_least: float) -> Ranking:
    """The ranking with `name` first at `at_least` or more; the others share the rest in proportion."""
    probs = dict(ranking)
    top = max(probs.get(name, 0.0), at_least)
    rest = sum(p for n, p in probs.items() if n != name)
    scale = (1.0 - top) / rest if rest > 0 else 0.0
    promoted = [(name, top)] + [(n, p * scale) for n, p in ranking if n != name]
    return sorted(promoted, key=lambda np_: -np_[1])


class Parser:
    """Classifies messages on domain, urgency and kind and extracts entities."""

    def __init__(
        self,
        model: LinearModel | None,
        *,
        low_confidence_threshold: float = 0.5,
        remote: RemoteParser | None = None,
    ) -> None:
        if model is None and remote is None:
            raise ValueError("a parser needs a model, a remote backend or both")
        self.model = model
        self.remote = remote
        self.low_confidence_threshold = low_confidence_threshold
        meta = model.meta if model is not None else {}
        self.urgent_threshold = float(meta.get("urgent_threshold", 0.5))  # type: ignore[arg-type]

    def parse(self, text: str) -> dict[str, Any]:
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        norm = normalize(text)
        rankings = self.model.rank(norm.text) if self.model is not None else {}
        result = self._builtin_result(text, norm, rankings)
        if self.remote is not None:
            result = self._merge_remote(result, norm)
        return result

    def _builtin_result(
        self, text: str, norm: Normalized, rankings: dict[str, Ranking]
    ) -> dict[str, Any]:
        rules = _rules(norm)
        found = signals(norm.text)
        found["service_feedback"] = not rules and label_rules.is_service_feedback(norm.text)
        domain = rankings.get("domain")
        if found["service_feedback"] and domain:
            domain = _promote(domain, "other", SERVICE_FEEDBACK_CONFIDENCE)
        kind = rankings.get("kind")
        if kind and kind[0][0] in ("demand", "inquiry") and label_rules.names_wrongdoing(norm.text):
            p_complaint = dict(kind).get("complaint", 0.0)
            if p_complaint >= label_rules.COMPLAINT_MIN_PROBABILITY:
                kind = _promote(kind, "complaint", kind[0][1])
        result: dict[str, Any] = {
            "text": text,
            "intent": _label(domain),
            "intent_ranking": [{"name": n, "confidence": round(p, 4)} for n, p in domain or []],
            "domain": _label(domain),
            "urgency": self._urgency(rankings.get("urgency"), rules, is_settled(norm.text)),
            "kind": _label(kind),
            "entities": _entities(norm),
            "rules": rules,
            "signals": found,
            "language": detect_language(norm.text),
            "low_confidence": bool(domain and domain[0][1] < self.low_confidence_threshold),
            "backend": "builtin",
        }
        return result

    def _urgency(
        self, ranking: Ranking | None, rules: list[dict[str, Any]], settled: bool = False
    ) -> dict[str, Any] | None:
        if not ranking:
            return None
        probs = dict(ranking)
        p_urgent = probs.get("urgent", 0.0)
        if rules:
            return {"name": "urgent", "confidence": round(max(p_urgent, RULE_CONFIDENCE), 4)}
        if p_urgent >= self.urgent_threshold and not settled:
            return {"name": "urgent", "confidence": round(p_urgent, 4)}
        name, confidence = max(
            ((n, p) for n, p in ranking if n != "urgent"), key=lambda np_: np_[1]
        )
        return {"name": name, "confidence": round(confidence, 4)}

    def _merge_remote(self, result: dict[str, Any], norm: Normalized) -> dict[str, Any]:
        assert self.remote is not None
        try:
            remote = self.remote.parse(norm.original)
        except RasaUnavailableError as exc:
            if self.model is None:
                raise
            log.warning("Rasa server unavailable, using the built-in model: %s", exc)
            result["backend"] = "builtin_fallback"
            return result
        intent = remote.get("intent") or {}
        ranking = remote.get("intent_ranking") or []
        if intent.get("name"):
            label = {
                "name": intent["name"],
                "confidence": round(float(intent.get("confidence") or 0.0), 4),
            }
            result["intent"] = label
            result["domain"] = dict(label)
            result["intent_ranking"] = [
                {"name": r["name"], "confidence": round(float(r.get("confidence") or 0.0), 4)}
                for r in ranking
                if isinstance(r, dict) and "name" in r
            ] or [dict(label)]
            result["low_confidence"] = label["confidence"] < self.low_confidence_threshold
        remote_entities = [e for e in remote.get("entities") or [] if isinstance(e, dict)]
        ours = [
            e
            for e in result["entities"]
            if all(
                e["end"] <= r.get("start", 0) or e["start"] >= r.get("end", 0)
                for r in remote_entities
            )
        ]
        result["entities"] = sorted(remote_entities + ours, key=lambda e: e.get("start", 0))
        result["backend"] = "rasa"
        return result
