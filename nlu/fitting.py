"""Fitting one axis: the vocabulary and IDF of a feature set, a linear SVM per feature set with
its out-of-fold scores, the ensemble of the best sets, and the pair specialist that re-splits
the costliest confusion.

This module imports scikit-learn and scipy (inside the functions that need them); parsing
never imports it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nlu.calibration import fit_temperature
from nlu.features import FeatureConfig, head_mask, tokens, weigh
from nlu.rasa_yaml import Example


@dataclass(frozen=True, slots=True)
class TrainOptions:
    features: FeatureConfig | None = None  # None: pick from CANDIDATE_FEATURES by cross-validation
    min_df: int = 1
    c: float = 1.0
    folds: int = 5
    class_weight: str | None = "balanced"


class Vectorizer:
    """Vocabulary and IDF built from training texts; rows match LinearModel.vectorize."""

    def __init__(self, docs: list[list[str]], min_df: int, config: FeatureConfig) -> None:
        self.config = config
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        self.vocabulary = sorted(tok for tok, n in df.items() if n >= min_df)
        self.index = {tok: i for i, tok in enumerate(self.vocabulary)}
        n_docs = len(docs)
        self.idf = np.array(
            [math.log((1 + n_docs) / (1 + df[tok])) + 1.0 for tok in self.vocabulary],
            dtype=np.float32,
        )
        self.is_head = head_mask(self.vocabulary)

    def matrix(self, docs: list[list[str]]) -> Any:  # a scipy.sparse.csr_matrix
        from scipy.sparse import csr_matrix

        indptr, indices, values = [0], [], []
        for doc in docs:
            counts = Counter(self.index[t] for t in doc if t in self.index)
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            vals = weigh(idx, tf, self.idf, self.is_head, self.config) if idx.size else tf
            indices.extend(idx.tolist())
            values.extend(vals.tolist())
            indptr.append(len(indices))
        return csr_matrix(
            (
                np.array(values, dtype=np.float32),
                np.array(indices, dtype=np.int64),
                np.array(indptr),
            ),
            shape=(len(docs), len(self.vocabulary)),
        )


def fit_linear(
    x: Any, y: np.ndarray, n_labels: int, options: TrainOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (features × labels) and bias of a one-vs-rest linear SVM."""
    from sklearn.svm import LinearSVC

    present = np.unique(y)
    weights = np.zeros((x.shape[1], n_labels), dtype=np.float32)
    bias = np.full(n_labels, -10.0, dtype=np.float32)  # labels never seen are never chosen
    if present.size == 1:
        bias[present[0]] = 10.0
        return weights, bias
    clf = LinearSVC(C=options.c, class_weight=options.class_weight)
    clf.fit(x, y)
    coef = clf.coef_.T.astype(np.float32)
    intercept = clf.intercept_.astype(np.float32)
    if present.size == 2:  # scikit-learn returns one column for two classes
        coef = np.hstack([-coef, coef]) / 2
        intercept = np.array([-intercept[0], intercept[0]]) / 2
    weights[:, present] = coef
    bias[present] = intercept
    return weights, bias


def out_of_fold_scores(x: Any, y: np.ndarray, n_labels: int, options: TrainOptions) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    counts = np.bincount(y, minlength=n_labels)
    folds = min(options.folds, int(counts[counts > 0].min()))
    scores = np.zeros((x.shape[0], n_labels), dtype=np.float32)
    if folds < 2:
        return scores
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=7)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        w, b = fit_linear(x[train_idx], y[train_idx], n_labels, options)
        scores[test_idx] = x[test_idx] @ w + b
    return scores


def macro_f1(y: np.ndarray, predicted: np.ndarray) -> float:
    f1s = []
    for label in np.unique(y):
        tp = float(np.sum((predicted == label) & (y == label)))
        precision = tp / max(1, int(np.sum(predicted == label)))
        recall = tp / max(1, int(np.sum(y == label)))
        f1s.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return float(np.mean(f1s)) if f1s else 0.0


@dataclass
class Candidate:
    """One feature set on one axis: its vectoriser, matrix and out-of-fold scores."""

    config: FeatureConfig
    vectorizer: Vectorizer
    x: Any
    y: np.ndarray
    oof: np.ndarray
    f1: float
    temperature: float = 1.0
    probs: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def build(
        cls,
        config: FeatureConfig,
        normalised: dict[str, str],
        examples: list[Example],
        labels: tuple[str, ...],
        options: TrainOptions,
    ) -> Candidate:
        token_cache = {t: tokens(t, config) for t in {normalised[ex.text] for ex in examples}}
        vectorizer = Vectorizer(list(token_cache.values()), options.min_df, config)
        index = {lab: i for i, lab in enumerate(labels)}
        x = vectorizer.matrix([token_cache[normalised[ex.text]] for ex in examples])
        y = np.array([index[ex.intent] for ex in examples])
        oof = out_of_fold_scores(x, y, len(labels), options)
        temperature = fit_temperature(oof, y)
        z = oof / temperature
        z = z - z.max(axis=1, keepdims=True)
        probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return cls(
            config, vectorizer, x, y, oof, macro_f1(y, oof.argmax(axis=1)), temperature, probs
        )


# A second opinion on the confusion that costs most: a model trained on these two labels alone
# re-splits their share of the probability (nlu.model.LinearModel.rank). Kept only when it
# raises the axis's out-of-fold macro-F1.
PAIR_SPECIALISTS: dict[str, tuple[str, ...]] = {"kind": ("complaint", "demand")}
PAIR_CANDIDATES: tuple[FeatureConfig, ...] = (
    FeatureConfig(char_max=3, head_chars=2, cues=True, gloss=True),
    FeatureConfig(char_max=4, head_chars=0, cues=True, gloss=True),
)


def pair_specialist(
    axis: str,
    pair: tuple[str, ...],
    examples: list[Example],
    labels: tuple[str, ...],
    probs: np.ndarray,
    normalised: dict[str, str],
    options: TrainOptions,
) -> tuple[Candidate, float] | None:
    inside = [i for i, ex in enumerate(examples) if ex.intent in pair]
    subset = [examples[i] for i in inside]
    y = np.array([labels.index(ex.intent) for ex in examples])
    base = macro_f1(y, probs.argmax(axis=1))
    cols = [labels.index(lab) for lab in pair]
    best: tuple[Candidate, float] | None = None
    for config in PAIR_CANDIDATES:
        member = Candidate.build(config, normalised, subset, pair, options)
        blended = probs.copy()
        rows = np.array(inside)
        blended[rows[:, None], cols] = resplit(probs[rows][:, cols], member.probs)
        score = macro_f1(y, blended.argmax(axis=1))
        if score > base + ENSEMBLE_MIN_GAIN and (best is None or score > best[1]):
            best = (member, score)
    return best


def resplit(main: np.ndarray, specialist: np.ndarray) -> np.ndarray:
    """The labels' joint share from the main model, split as the mean of both models' splits."""
    mass = main.sum(axis=-1, keepdims=True)
    share = main / np.clip(mass, 1e-12, None)
    out: np.ndarray = mass * (share + specialist) / 2
    return out


# At most this many feature spaces vote on one axis: each costs memory and parse time.
MAX_ENSEMBLE = 2
# A second member must raise out-of-fold macro-F1 by this much to be worth its cost.
ENSEMBLE_MIN_GAIN = 0.003


def best_ensemble(built: list[Candidate]) -> tuple[list[Candidate], np.ndarray, float]:
    """The candidates whose averaged out-of-fold probabilities score best (the best alone
    unless a pair beats it clearly), with those probabilities and their macro-F1."""
    y = built[0].y
    best = max(built, key=lambda c: c.f1)
    chosen, probs, f1 = [best], best.probs, best.f1
    if MAX_ENSEMBLE < 2:
        return chosen, probs, f1
    for i, a in enumerate(built):
        for b in built[i + 1 :]:
            joint = (a.probs + b.probs) / 2
            score = macro_f1(y, joint.argmax(axis=1))
            if score > f1 + ENSEMBLE_MIN_GAIN and score > best.f1 + ENSEMBLE_MIN_GAIN:
                chosen, probs, f1 = [a, b], joint, score
    return chosen, probs, f1
