"""Explicit safety rules: phrases that make a message urgent whatever the model thinks.

The rules themselves are data in `nlu.safety_table`; this module compiles and applies them.
A trigger match counts unless it is negated right before ("没有煤气味", "no smoke"), sits in a
clause that is hypothetical, preventive or about a drill ("如果着火", "消防演练", "fire drill"),
or in a clause about the past ("去年着火过") or a near miss ("差点摔了", "almost fell"), or its
sentence contains one of the trigger's own exclusions ("煤气费"). Some triggers also need one or
two kinds of context near the match (a fall needs an elderly or disabled person and a sign of
harm, solitude or immediacy).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nlu import safety_table

_FLAGS = re.IGNORECASE


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


@dataclass(frozen=True, slots=True)
class Trigger:
    pattern: re.Pattern[str]
    requires: re.Pattern[str] | None = None  # must match within CONTEXT_WINDOW of the trigger
    also_requires: re.Pattern[str] | None = (
        None  # a second, independent context that must also be near
    )
    excludes: re.Pattern[str] | None = None  # vetoes the trigger when found in its sentence
    negatable: bool = True


@dataclass(frozen=True, slots=True)
class SafetyRule:
    id: str
    description: str
    triggers: tuple[Trigger, ...] = field(default=())
    advice: str = "default"


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that fired, with the span it matched in the normalised text."""

    rule_id: str
    start: int
    end: int


CONTEXT_WINDOW = 80
CONTEXT_WINDOW_LATIN = 160  # English needs about twice the characters for the same content

_CLAUSE_END = re.compile(r"[，,。！？!?；;\n]")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_NEGATION_BEFORE = _rx(safety_table.VETOES["negation_before"])
_HYPOTHETICAL = _rx(safety_table.VETOES["hypothetical"])
_NEAR_MISS_BEFORE = _rx(safety_table.VETOES["near_miss_before"])
_PAST = _rx(safety_table.VETOES["past"])
_STILL = _rx(safety_table.VETOES["still"])
_MESSAGE_VETO = _rx(safety_table.VETOES["message"])

_TRIGGER_KEYS = {"pattern", "requires", "also_requires", "excludes", "negatable"}
_RULE_KEYS = {"id", "description", "advice", "triggers"}


def _compile_trigger(spec: Mapping[str, Any], rule_id: str) -> Trigger:
    unknown = set(spec) - _TRIGGER_KEYS
    if unknown or "pattern" not in spec:
        raise ValueError(
            f"safety rule {rule_id}: bad trigger keys {sorted(unknown) or 'no pattern'}"
        )

    def optional(key: str) -> re.Pattern[str] | None:
        value = spec.get(key)
        return _rx(value) if value else None

    return Trigger(
        _rx(spec["pattern"]),
        requires=optional("requires"),
        also_requires=optional("also_requires"),
        excludes=optional("excludes"),
        negatable=bool(spec.get("negatable", True)),
    )


def compile_rules(table: tuple[Mapping[str, Any], ...]) -> tuple[SafetyRule, ...]:
    """Compiled rules from a table in the format of `nlu.safety_table.RULES`."""
    rules = []
    for spec in table:
        unknown = set(spec) - _RULE_KEYS
        if unknown:
            raise ValueError(f"safety rule {spec.get('id')}: unknown keys {sorted(unknown)}")
        triggers = tuple(_compile_trigger(t, spec["id"]) for t in spec["triggers"])
        rules.append(
            SafetyRule(spec["id"], spec["description"], triggers, spec.get("advice", "default"))
        )
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ValueError("safety rule ids must be unique")
    return tuple(rules)


RULES: tuple[SafetyRule, ...] = compile_rules(safety_table.RULES)
RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)
RULE_ADVICE: dict[str, str] = {rule.id: rule.advice for rule in RULES}


def _bounds(text: str, start: int, end: int, boundary: re.Pattern[str]) -> tuple[int, int]:
    left = 0
    for m in boundary.finditer(text, 0, start):
        left = m.end()
    right_match = boundary.search(text, end)
    return left, right_match.start() if right_match else len(text)


_CJK = re.compile(r"[\u3400-\u9fff]")


def _mostly_latin(text: str) -> bool:
    return len(_CJK.findall(text)) * 4 < len(text)


def _vetoed(text: str, match: re.Match[str], trigger: Trigger) -> bool:
    start, end = match.span()
    clause_start, clause_end = _bounds(text, start, end, _CLAUSE_END)
    clause = text[clause_start:clause_end]
    if trigger.negatable and _NEGATION_BEFORE.search(text[clause_start:start]):
        return True
    if _NEAR_MISS_BEFORE.search(text[clause_start:start]):
        return True
    if _HYPOTHETICAL.search(clause):
        return True
    if _PAST.search(clause) and not _STILL.search(clause):
        return True
    if trigger.excludes is not None:
        sent_start, sent_end = _bounds(text, start, end, _SENTENCE_END)
        if trigger.excludes.search(text, sent_start, sent_end):
            return True
    window = CONTEXT_WINDOW_LATIN if _mostly_latin(text) else CONTEXT_WINDOW
    lo, hi = max(0, start - window), min(len(text), end + window)
    for needed in (trigger.requires, trigger.also_requires):
        if needed is not None and not needed.search(text, lo, hi):
            return True
    return False


def _first_hit(text: str, rule: SafetyRule) -> RuleHit | None:
    for trigger in rule.triggers:
        for match in trigger.pattern.finditer(text):
            if not _vetoed(text, match, trigger):
                return RuleHit(rule.id, match.start(), match.end())
    return None


def is_settled(text: str) -> bool:
    """True when a normalised message is a suggestion or says the problem is already over.

    Such a message is never an emergency, whatever the model thinks of its words.
    """
    return bool(_MESSAGE_VETO.search(text))


_VULNERABLE = _rx(safety_table.VULNERABLE)
_CARE_STOPPED = _rx(safety_table.CARE_STOPPED)


def signals(text: str) -> dict[str, bool]:
    """Facts about a normalised message the dialogue can act on whether or not a rule fired.

    vulnerable_person: the message names someone who may not be able to help themselves
    (very old, disabled, bedridden, living alone, an infant, a chronic patient).
    care_stopped: it says food, a carer or medication has stopped or run out.
    """
    return {
        "vulnerable_person": bool(_VULNERABLE.search(text)),
        "care_stopped": bool(_CARE_STOPPED.search(text)),
    }


def apply_rules(text: str, rules: tuple[SafetyRule, ...] = RULES) -> list[RuleHit]:
    """Every safety rule that fires on a normalised message (at most one hit per rule)."""
    if is_settled(text):
        return []
    hits = []
    for rule in rules:
        hit = _first_hit(text, rule)
        if hit is not None:
            hits.append(hit)
    return hits
