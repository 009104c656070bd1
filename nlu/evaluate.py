"""Scoring a parser against labelled JSONL: accuracy, macro-F1, per-class figures, calibration."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

GOLD_KEYS = {"domain": ("domain", "intent"), "urgency": ("urgency",), "kind": ("kind",)}


def read_gold(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise ValueError(f"{path}:{number}: each line needs a 'text' string")
        rows.append(row)
    return rows


def classification_report(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    labels = sorted(set(gold) | set(predicted))
    index = {lab: i for i, lab in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted):
        matrix[index[g]][index[p]] += 1
    per_class: dict[str, dict[str, float]] = {}
    f1s = []
    for lab in labels:
        i = index[lab]
        tp = matrix[i][i]
        predicted_n = sum(row[i] for row in matrix)
        support = sum(matrix[i])
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[lab] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
        if support:
            f1s.append(f1)
    correct = sum(matrix[i][i] for i in range(len(labels)))
    return {
        "n": len(gold),
        "accuracy": correct / len(gold) if gold else 0.0,
        "macro_f1": sum(f1s) / len(f1s) if f1s else 0.0,
        "per_class": per_class,
        "labels": labels,
        "confusion": matrix,
    }


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins."""
    total = len(confidences)
    if not total:
        return 0.0
    error = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if lo < c <= hi or (b == 0 and c == 0)]
        if members:
            acc = sum(correct[i] for i in members) / len(members)
            conf = sum(confidences[i] for i in members) / len(members)
            error += len(members) / total * abs(acc - conf)
    return error


def evaluate(
    rows: Iterable[dict[str, Any]], parse: Callable[[str], dict[str, Any]]
) -> dict[str, Any]:
    """Parse every labelled row and score each axis that has gold labels and predictions."""
    pairs: dict[str, tuple[list[str], list[str], list[float]]] = {
        a: ([], [], []) for a in GOLD_KEYS
    }
    n_rows = 0
    rules_fired = 0
    for row in rows:
        n_rows += 1
        result = parse(row["text"])
        rules_fired += bool(result.get("rules"))
        for axis, keys in GOLD_KEYS.items():
            gold = next((row[k] for k in keys if isinstance(row.get(k), str)), None)
            predicted = result.get(axis) or (result.get("intent") if axis == "domain" else None)
            if gold is None or not predicted:
                continue
            pairs[axis][0].append(gold)
            pairs[axis][1].append(predicted["name"])
            pairs[axis][2].append(float(predicted["confidence"]))
    report: dict[str, Any] = {"messages": n_rows, "messages_with_rules": rules_fired, "axes": {}}
    for axis, (gold, predicted, confidence) in pairs.items():
        if not gold:
            continue
        axis_report = classification_report(gold, predicted)
        axis_report["ece"] = expected_calibration_error(
            confidence, [g == p for g, p in zip(gold, predicted)]
        )
        if axis == "urgency":
            urgent = axis_report["per_class"].get("urgent")
            axis_report["urgent_recall"] = urgent["recall"] if urgent else None
            axis_report["urgent_precision"] = urgent["precision"] if urgent else None
        report["axes"][axis] = axis_report
    return report


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"messages: {report['messages']}  (safety rules fired on {report['messages_with_rules']})"
    ]
    for axis, r in report["axes"].items():
        lines.append("")
        lines.append(
            f"== {axis} ==  accuracy {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}  ECE {r['ece']:.3f}  (n={r['n']})"
        )
        if axis == "urgency" and r.get("urgent_recall") is not None:
            lines.append(
                f"urgent recall {r['urgent_recall']:.3f}  urgent precision {r['urgent_precision']:.3f}"
            )
        lines.append(f"{'class':<18}{'precision':>10}{'recall':>10}{'f1':>8}{'support':>9}")
        for lab, c in r["per_class"].items():
            lines.append(
                f"{lab:<18}{c['precision']:>10.3f}{c['recall']:>10.3f}{c['f1']:>8.3f}{c['support']:>9}"
            )
        labels = r["labels"]
        width = max(6, max(len(lab) for lab in labels) + 1)
        lines.append("confusion (rows = gold, columns = predicted):")
        lines.append(" " * width + "".join(f"{lab[:5]:>6}" for lab in labels))
        for lab, row in zip(labels, r["confusion"]):
            lines.append(f"{lab:<{width}}" + "".join(f"{v:>6}" for v in row))
    return "\n".join(lines)
