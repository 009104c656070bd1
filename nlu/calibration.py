"""Calibration: the softmax temperature of an axis fitted on out-of-fold scores, and the
urgent cut-off chosen together with the safety rules."""

from __future__ import annotations

import math

import numpy as np

URGENT_BETA = 1.5
# Recall (rules included) the urgent cut-off must keep on out-of-fold scores. The product target
# is 0.97 on unseen text; the fold models see a fifth less data than the shipped one and miss
# a little more, so the out-of-fold figure runs slightly below what the final model reaches.
URGENT_RECALL_TARGET = 0.95


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that minimises the negative log-likelihood of held-out scores."""
    if not scores.any():
        return 1.0
    best_t, best_nll = 1.0, math.inf
    for t in np.exp(np.linspace(math.log(0.02), math.log(5.0), 120)):
        z = scores / t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll = -float(log_p[np.arange(len(y)), y].mean())
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


def choose_urgent_threshold(
    oof: np.ndarray, y: np.ndarray, labels: tuple[str, ...], temperature: float, texts: list[str]
) -> float:
    """The P(urgent) cut-off used together with the safety rules, chosen on held-out scores.

    The highest cut-off whose recall (rules included) still reaches URGENT_RECALL_TARGET: a missed
    emergency costs more than a false alarm, but every extra false alarm teaches staff to ignore
    the flag. When no cut-off reaches the target, the one with the best F-beta (beta = URGENT_BETA,
    recall weighed above precision) is kept.
    """
    from nlu.rules import apply_rules, is_settled

    if not oof.any():
        return 0.5
    urgent = labels.index("urgent")
    z = oof / temperature
    z = z - z.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    ruled = np.array([bool(apply_rules(t)) for t in texts])
    settled = np.array([is_settled(t) for t in texts])
    truth = y == urgent
    b2 = URGENT_BETA**2
    best_t, best_f = 0.5, -1.0
    reaching: list[float] = []
    for t in np.arange(0.10, 0.61, 0.025):
        flagged = ruled | ((probs[:, urgent] >= t) & ~settled)
        tp = float(np.sum(flagged & truth))
        precision = tp / max(1, int(flagged.sum()))
        recall = tp / max(1, int(truth.sum()))
        if recall >= URGENT_RECALL_TARGET:
            reaching.append(float(t))
        f = (1 + b2) * precision * recall / (b2 * precision + recall) if tp else 0.0
        if f > best_f + 1e-9:
            best_t, best_f = float(t), f
    return round(max(reaching) if reaching else best_t, 3)
