"""Training from Rasa NLU YAML: TF-IDF over our own tokens, a linear classifier per axis,
and a temperature per axis fitted on out-of-fold scores so confidences are calibrated.

This module imports scikit-learn and scipy; parsing never imports it.
"""

from __future__ import annotations

import hashlib
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlu.errors import TrainingDataError
from nlu.features import FeatureConfig, head_mask, tokens, weigh
from nlu.model import AxisHead, FeatureSpace, LinearModel
from nlu.normalize import normalize
from nlu.rasa_yaml import Example, load_examples
from nlu.taxonomy import AXES, AXIS_LABELS

Progress = Callable[[str, float], None]


CANDIDATE_FEATURES: tuple[FeatureConfig, ...] = (
    FeatureConfig(char_max=2, head_chars=2),
    FeatureConfig(char_max=3, head_chars=2),
    FeatureConfig(char_max=4, head_chars=0),
)
# Kind also tries the cue tokens (nlu.label_rules.KIND_CUES): whether someone is named as
# failing to act is spread over a sentence, beyond what three characters see.
AXIS_CANDIDATES: dict[str, tuple[FeatureConfig, ...]] = {
    "kind": CANDIDATE_FEATURES
    + (
        FeatureConfig(char_max=3, head_chars=2, cues=True),
        FeatureConfig(char_max=4, head_chars=0, cues=True),
    ),
}


URGENT_BETA = 1.5
# Recall (rules included) the urgent cut-off must keep on out-of-fold scores. The product target
# is 0.97 on unseen text; the fold models see a fifth less data than the shipped one and miss
# a little more, so the out-of-fold figure runs slightly below what the final model reaches.
URGENT_RECALL_TARGET = 0.95


@dataclass(frozen=True, slots=True)
class TrainOptions:
    features: FeatureConfig | None = None  # None: pick from CANDIDATE_FEATURES by cross-validation
    min_df: int = 1
    c: float = 1.0
    folds: int = 5
    class_weight: str | None = "balanced"


def yaml_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yml", ".yaml")))
        elif path.exists():
            files.append(path)
        else:
            raise TrainingDataError(f"{path}: no such file or directory")
    if not files:
        raise TrainingDataError("no Rasa YAML files found in " + ", ".join(map(str, paths)))
    return files


def axis_of(path: Path, intents: set[str]) -> str:
    """Which axis a file trains: named by its file name, else by its label set, else domain."""
    if path.stem in AXES:
        return path.stem
    for axis in ("urgency", "kind"):
        if intents and intents <= set(AXIS_LABELS[axis]):
            return axis
    return "domain"


def read_training_sets(
    paths: Sequence[Path], extra: Sequence[Path] = ()
) -> dict[str, list[Example]]:
    """Examples per axis from one or more Rasa NLU files or directories.

    `extra` files (staff corrections exported by `minsheng nlu corrections`) add to the data:
    an example whose text is already labelled on the same axis replaces that label, because a
    person corrected the reading of exactly that message.
    """
    sets: dict[str, list[Example]] = {}
    for path in yaml_files(paths):
        for axis, examples in _by_axis(path).items():
            sets.setdefault(axis, []).extend(examples)
    for path in yaml_files(extra) if extra else []:
        for axis, examples in _by_axis(path).items():
            corrected = {ex.text: ex for ex in examples}
            kept = [ex for ex in sets.get(axis, []) if ex.text not in corrected]
            sets[axis] = kept + list(corrected.values())
    if "domain" not in sets:
        raise TrainingDataError("no domain (intent) examples found; nothing to train")
    return {axis: sets[axis] for axis in AXES if axis in sets}


def _by_axis(path: Path) -> dict[str, list[Example]]:
    examples = load_examples(path)
    if not examples:
        return {}
    file_axis = axis_of(path, {ex.intent for ex in examples if ex.axis is None})
    out: dict[str, list[Example]] = {}
    for ex in examples:
        axis = ex.axis or file_axis
        if axis not in AXES:
            raise TrainingDataError(f"{path}: intent {ex.intent!r}: unknown axis {axis!r}")
        out.setdefault(axis, []).append(ex)
    return out


def data_fingerprint(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in yaml_files(paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class _Vectorizer:
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


def _fit(
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


def _out_of_fold_scores(x: Any, y: np.ndarray, n_labels: int, options: TrainOptions) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    counts = np.bincount(y, minlength=n_labels)
    folds = min(options.folds, int(counts[counts > 0].min()))
    scores = np.zeros((x.shape[0], n_labels), dtype=np.float32)
    if folds < 2:
        return scores
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=7)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        w, b = _fit(x[train_idx], y[train_idx], n_labels, options)
        scores[test_idx] = x[test_idx] @ w + b
    return scores


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


def train_model(
    sets: dict[str, list[Example]],
    options: TrainOptions | None = None,
    progress: Progress | None = None,
) -> LinearModel:
    """Train one model scoring every axis present in `sets`.

    Each axis gets its own feature space: a vocabulary and IDF from its own examples, and,
    without fixed features, the candidate feature set with the best out-of-fold macro-F1 on
    that axis (long titled letters and short chat messages prefer different n-gram orders,
    and kind gains from cue tokens that domain does not need).
    """
    options = options or TrainOptions()
    report = progress or (lambda _msg, _frac: None)
    normalised = {ex.text: normalize(ex.text).text for examples in sets.values() for ex in examples}
    plan = {
        axis: [options.features]
        if options.features is not None
        else list(AXIS_CANDIDATES.get(axis, CANDIDATE_FEATURES))
        for axis in sets
    }
    steps = sum(len(c) for c in plan.values()) + len(sets)
    done = 0
    spaces: list[FeatureSpace] = []
    heads: list[AxisHead] = []
    f1s: dict[str, float] = {}
    chosen: dict[str, list[dict[str, int | bool | float]]] = {}  # per axis; pair specialists too
    meta: dict[str, object] = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "examples": {axis: len(examples) for axis, examples in sets.items()},
    }
    for axis, examples in sets.items():
        labels = _label_order(axis, examples)
        built: list[_Candidate] = []
        for n, config in enumerate(plan[axis]):
            report(f"{axis} features {n + 1}/{len(plan[axis])}", done / steps)
            done += 1
            built.append(_Candidate.build(config, normalised, examples, labels, options))
        report(f"training {axis}", done / steps)
        done += 1
        members, probs, f1 = _best_ensemble(built)
        # The urgent cut-off works on the ensemble's probabilities: as scores, their logarithm.
        joint = np.log(np.clip(probs, 1e-9, 1.0))
        if axis == "urgency" and "urgent" in labels:
            meta["urgent_threshold"] = choose_urgent_threshold(
                joint, built[0].y, labels, 1.0, [normalised[ex.text] for ex in examples]
            )
        for member in members:
            w, b = _fit(member.x, member.y, len(labels), options)
            heads.append(AxisHead(axis, labels, 0, member.temperature, space=len(spaces)))
            spaces.append(
                FeatureSpace(
                    member.config, member.vectorizer.vocabulary, member.vectorizer.idf, w, b
                )
            )
        f1s[axis] = round(f1, 4)
        chosen[axis] = [m.config.to_dict() for m in members]
        pair = PAIR_SPECIALISTS.get(axis) if options.features is None else None
        if pair is not None and set(pair) <= set(labels):
            specialist = _pair_specialist(axis, pair, examples, labels, probs, normalised, options)
            if specialist is not None:
                member, f1 = specialist
                w, b = _fit(member.x, member.y, len(pair), options)
                heads.append(AxisHead(axis, pair, 0, member.temperature, space=len(spaces)))
                spaces.append(
                    FeatureSpace(
                        member.config, member.vectorizer.vocabulary, member.vectorizer.idf, w, b
                    )
                )
                f1s[axis] = round(f1, 4)
                chosen[axis + ":" + "|".join(pair)] = [member.config.to_dict()]
    report("done", 1.0)
    meta["out_of_fold_macro_f1"] = f1s
    meta["chosen_features"] = chosen
    if "domain" in f1s:
        meta["out_of_fold_domain_macro_f1"] = f1s["domain"]
    return LinearModel(spaces, heads, meta)


@dataclass
class _Candidate:
    """One feature set on one axis: its vectoriser, matrix and out-of-fold scores."""

    config: FeatureConfig
    vectorizer: _Vectorizer
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
    ) -> _Candidate:
        token_cache = {t: tokens(t, config) for t in {normalised[ex.text] for ex in examples}}
        vectorizer = _Vectorizer(list(token_cache.values()), options.min_df, config)
        index = {lab: i for i, lab in enumerate(labels)}
        x = vectorizer.matrix([token_cache[normalised[ex.text]] for ex in examples])
        y = np.array([index[ex.intent] for ex in examples])
        oof = _out_of_fold_scores(x, y, len(labels), options)
        temperature = fit_temperature(oof, y)
        z = oof / temperature
        z = z - z.max(axis=1, keepdims=True)
        probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return cls(
            config, vectorizer, x, y, oof, _macro_f1(y, oof.argmax(axis=1)), temperature, probs
        )


# A second opinion on the confusion that costs most: a model trained on these two labels alone
# re-splits their share of the probability (nlu.model.LinearModel.rank). Kept only when it
# raises the axis's out-of-fold macro-F1.
PAIR_SPECIALISTS: dict[str, tuple[str, ...]] = {"kind": ("complaint", "demand")}
PAIR_CANDIDATES: tuple[FeatureConfig, ...] = (
    FeatureConfig(char_max=3, head_chars=2, cues=True),
    FeatureConfig(char_max=4, head_chars=0, cues=True),
)


def _pair_specialist(
    axis: str,
    pair: tuple[str, ...],
    examples: list[Example],
    labels: tuple[str, ...],
    probs: np.ndarray,
    normalised: dict[str, str],
    options: TrainOptions,
) -> tuple[_Candidate, float] | None:
    inside = [i for i, ex in enumerate(examples) if ex.intent in pair]
    subset = [examples[i] for i in inside]
    y = np.array([labels.index(ex.intent) for ex in examples])
    base = _macro_f1(y, probs.argmax(axis=1))
    cols = [labels.index(lab) for lab in pair]
    best: tuple[_Candidate, float] | None = None
    for config in PAIR_CANDIDATES:
        member = _Candidate.build(config, normalised, subset, pair, options)
        blended = probs.copy()
        rows = np.array(inside)
        blended[rows[:, None], cols] = resplit(probs[rows][:, cols], member.probs)
        score = _macro_f1(y, blended.argmax(axis=1))
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


def _best_ensemble(built: list[_Candidate]) -> tuple[list[_Candidate], np.ndarray, float]:
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
            score = _macro_f1(y, joint.argmax(axis=1))
            if score > f1 + ENSEMBLE_MIN_GAIN and score > best.f1 + ENSEMBLE_MIN_GAIN:
                chosen, probs, f1 = [a, b], joint, score
    return chosen, probs, f1


def _macro_f1(y: np.ndarray, predicted: np.ndarray) -> float:
    f1s = []
    for label in np.unique(y):
        tp = float(np.sum((predicted == label) & (y == label)))
        precision = tp / max(1, int(np.sum(predicted == label)))
        recall = tp / max(1, int(np.sum(y == label)))
        f1s.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return float(np.mean(f1s)) if f1s else 0.0


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


def _label_order(axis: str, examples: list[Example]) -> tuple[str, ...]:
    seen = set(ex.intent for ex in examples)
    known = AXIS_LABELS.get(axis, ())
    if seen <= set(known):
        return known
    if axis == "domain":
        return tuple(sorted(seen))  # a city's own categories
    raise TrainingDataError(
        f"{axis}: unknown labels {sorted(seen - set(known))}; expected {list(known)}"
    )


def train_to_directory(
    data: Sequence[Path],
    out: Path,
    options: TrainOptions | None = None,
    progress: Progress | None = None,
    extra: Sequence[Path] = (),
) -> LinearModel:
    sets = read_training_sets(data, extra)
    model = train_model(sets, options, progress)
    model.meta["data_fingerprint"] = data_fingerprint([*data, *extra])
    if extra:
        model.meta["extra_data"] = [str(p) for p in extra]
    model.save(out)
    return model


def terminal_progress(stream=sys.stderr) -> Progress | None:  # type: ignore[no-untyped-def]
    """A one-line progress bar on stderr when it is a terminal; None otherwise."""
    if not stream.isatty():
        return None

    def show(message: str, fraction: float) -> None:
        width = 30
        filled = round(fraction * width)
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {message:<20}")
        if fraction >= 1.0:
            stream.write("\n")
        stream.flush()

    return show
