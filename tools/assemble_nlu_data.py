#!/usr/bin/env python3
"""Assemble labelled drafts (JSON lines) into the three Rasa training files under nlu/data/.

usage: assemble_nlu_data.py [DRAFTS_DIR] [--out DIR]

Each draft line is {"text": "...[span](entity)...", "domain": ..., "urgency": ..., "kind": ...,
"lang": ...}. Lines are validated, duplicates (same text after normalisation) merged by
majority label per axis, and each axis written as its own Rasa 3.1 nlu.yml with intents in
taxonomy order and examples sorted by text, so reruns on grown drafts give small diffs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from nlu.normalize import normalize  # noqa: E402
from nlu.rasa_yaml import EntitySpan, Example, dump_examples, parse_annotated  # noqa: E402
from nlu.taxonomy import AXES, AXIS_DESCRIPTIONS, AXIS_LABELS  # noqa: E402

DEFAULT_DRAFTS = PROJECT_ROOT.parent / "nlu_drafts"
DEFAULT_OUT = PROJECT_ROOT / "nlu" / "data"


@dataclass
class Merged:
    text: str
    entities: tuple[EntitySpan, ...]
    votes: dict[str, Counter[str]] = field(
        default_factory=lambda: {axis: Counter() for axis in AXES}
    )


def read_drafts(drafts: Path) -> tuple[dict[str, Merged], Counter[str]]:
    merged: dict[str, Merged] = {}
    problems: Counter[str] = Counter()
    for path in sorted(drafts.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                problems["not JSON"] += 1
                continue
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                problems["no text"] += 1
                continue
            if any(row.get(axis) not in AXIS_LABELS[axis] for axis in AXES):
                problems["unknown label"] += 1
                continue
            text, spans = parse_annotated(" ".join(row["text"].split()))
            if not text.strip():
                problems["empty text"] += 1
                continue
            key = normalize(text).text.lower()
            item = merged.get(key)
            if item is None:
                item = merged[key] = Merged(text, spans)
            elif len(spans) > len(item.entities):
                item.text, item.entities = text, spans
            for axis in AXES:
                item.votes[axis][row[axis]] += 1
    return merged, problems


def examples_for(axis: str, merged: dict[str, Merged]) -> list[Example]:
    order = {label: i for i, label in enumerate(AXIS_LABELS[axis])}
    examples = [
        Example(item.text, item.votes[axis].most_common(1)[0][0], item.entities)
        for item in merged.values()
    ]
    return sorted(examples, key=lambda ex: (order[ex.intent], ex.text))


def header(axis: str, examples: list[Example]) -> str:
    counts = Counter(ex.intent for ex in examples)
    return "\n".join(
        [
            f"Minsheng NLU training data, axis: {axis}",
            AXIS_DESCRIPTIONS[axis],
            "Each intent below is one label of this axis; the same messages appear in domain.yml,",
            "urgency.yml and kind.yml. Entities are marked [text](entity).",
            "Assembled by tools/assemble_nlu_data.py; edit the drafts and rerun it rather than editing here.",
            "Examples per label: "
            + ", ".join(f"{lab} {counts.get(lab, 0)}" for lab in AXIS_LABELS[axis]),
        ]
    )


def write_if_changed(path: Path, content: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == content:
        return False
    path.write_text(content, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    cli.add_argument("drafts", nargs="?", type=Path, default=DEFAULT_DRAFTS)
    cli.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = cli.parse_args(argv)
    if not args.drafts.is_dir():
        print(f"no drafts directory at {args.drafts}", file=sys.stderr)
        return 2
    merged, problems = read_drafts(args.drafts)
    args.out.mkdir(parents=True, exist_ok=True)
    for axis in AXES:
        examples = examples_for(axis, merged)
        changed = write_if_changed(
            args.out / f"{axis}.yml", dump_examples(examples, header(axis, examples))
        )
        print(
            f"{axis}.yml: {len(examples)} examples{' (updated)' if changed else ''}",
            file=sys.stderr,
        )
    if problems:
        print(
            "skipped lines: " + ", ".join(f"{k} {v}" for k, v in problems.items()), file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
