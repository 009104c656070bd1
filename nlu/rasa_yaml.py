"""Reading and writing Rasa 3.x `nlu.yml` training data, entity annotations included."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlu.errors import TrainingDataError

RASA_VERSION = "3.1"

# [text](entity), [text](entity:value) or [text]{"entity": ..., "value": ...}
_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+?)\](?:\((?P<short>[^()]+)\)|(?P<json>\{[^{}]*\}))")


_LINE_BREAKS = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\u2028": " ", "\u2029": " "})


@dataclass(frozen=True, slots=True)
class EntitySpan:
    entity: str
    start: int
    end: int
    value: str
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """One training message: plain text, its intent and the entities marked in it."""

    text: str
    intent: str
    entities: tuple[EntitySpan, ...] = field(default=())
    # The axis named in the intent's `metadata: {axis: ...}`; None lets the file decide.
    axis: str | None = None


def parse_annotated(annotated: str) -> tuple[str, tuple[EntitySpan, ...]]:
    """Strip Rasa entity markup, returning the plain text and the marked spans."""
    plain: list[str] = []
    spans: list[EntitySpan] = []
    pos = 0
    length = 0
    for match in _ANNOTATION.finditer(annotated):
        before = annotated[pos : match.start()]
        plain.append(before)
        length += len(before)
        surface = match.group("text")
        entity, value, role = _annotation_target(match, surface)
        if entity is None:
            plain.append(match.group(0))
            length += len(match.group(0))
        else:
            spans.append(EntitySpan(entity, length, length + len(surface), value, role))
            plain.append(surface)
            length += len(surface)
        pos = match.end()
    plain.append(annotated[pos:])
    return "".join(plain), tuple(spans)


def _annotation_target(match: re.Match[str], surface: str) -> tuple[str | None, str, str | None]:
    short = match.group("short")
    if short is not None:
        entity, _, value = short.partition(":")
        entity = entity.strip()
        if not entity or " " in entity:
            return None, surface, None  # a Markdown link or prose in brackets, not markup
        return entity, value.strip() or surface, None
    try:
        data = json.loads(match.group("json"))
    except json.JSONDecodeError:
        return None, surface, None
    if not isinstance(data, dict) or not isinstance(data.get("entity"), str):
        return None, surface, None
    role = data.get("role")
    return data["entity"], str(data.get("value", surface)), role if isinstance(role, str) else None


def annotate(text: str, entities: Sequence[EntitySpan]) -> str:
    """Write plain text and spans back in Rasa markup (the inverse of parse_annotated)."""
    out: list[str] = []
    pos = 0
    for span in sorted(entities, key=lambda e: e.start):
        if span.start < pos:
            continue  # overlapping spans cannot be expressed in markup
        out.append(text[pos : span.start])
        surface = text[span.start : span.end]
        if span.role is None and span.value == surface:
            out.append(f"[{surface}]({span.entity})")
        else:
            data: dict[str, str] = {"entity": span.entity}
            if span.value != surface:
                data["value"] = span.value
            if span.role is not None:
                data["role"] = span.role
            out.append(f"[{surface}]" + json.dumps(data, ensure_ascii=False))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def load_examples(path: Path) -> list[Example]:
    """Read every intent example of one Rasa NLU YAML file."""
    import yaml  # training-time only: keeps parsing start-up light

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TrainingDataError(f"{path}: cannot read Rasa YAML ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("nlu"), list):
        raise TrainingDataError(f"{path}: no 'nlu:' list; is this a Rasa nlu.yml?")
    examples: list[Example] = []
    for item in doc["nlu"]:
        if not isinstance(item, dict) or "intent" not in item:
            continue  # synonyms, regexes and lookup tables carry no labelled examples
        intent = str(item["intent"])
        metadata = item.get("metadata")
        axis = metadata.get("axis") if isinstance(metadata, dict) else None
        for raw in _example_lines(item.get("examples"), path, intent):
            text, spans = parse_annotated(raw)
            if text.strip():
                examples.append(
                    Example(
                        text=text,
                        intent=intent,
                        entities=spans,
                        axis=str(axis) if axis is not None else None,
                    )
                )
    return examples


def _example_lines(block: Any, path: Path, intent: str) -> Iterable[str]:
    if block is None:
        return []
    if isinstance(block, str):
        lines = []
        for line in block.splitlines():
            stripped = line.strip()
            if stripped.startswith("- "):
                lines.append(stripped[2:].strip())
            elif stripped == "-":
                continue
            elif stripped:
                raise TrainingDataError(
                    f"{path}: intent {intent!r}: example line without '- ': {line!r}"
                )
        return lines
    if isinstance(block, list):
        # The extended form: a list of {"text": ..., "metadata": ...}
        return [str(entry["text"]) if isinstance(entry, dict) else str(entry) for entry in block]
    raise TrainingDataError(f"{path}: intent {intent!r}: 'examples' must be a block of '- ' lines")


def dump_examples(examples: Sequence[Example], header_comment: str = "") -> str:
    """Render examples as a Rasa 3.1 nlu.yml document, intents in first-seen order.

    Examples that carry an axis are grouped per (axis, intent) and the axis is written as the
    intent's metadata, so one file can hold labels of several axes.
    """
    by_intent: dict[tuple[str | None, str], list[Example]] = {}
    for ex in examples:
        by_intent.setdefault((ex.axis, ex.intent), []).append(ex)
    lines: list[str] = []
    for comment in header_comment.splitlines():
        lines.append(f"# {comment}".rstrip())
    lines.append(f'version: "{RASA_VERSION}"')
    lines.append("nlu:")
    for (axis, intent), items in by_intent.items():
        lines.append(f"- intent: {intent}")
        if axis is not None:
            lines.append("  metadata:")
            lines.append(f"    axis: {axis}")
        lines.append("  examples: |")
        for ex in items:
            # One-for-one replacement keeps entity offsets valid on the way back in.
            one_line = annotate(ex.text, ex.entities).translate(_LINE_BREAKS).strip()
            lines.append(f"    - {one_line}")
    return "\n".join(lines) + "\n"
