"""The stored classifier: per axis a vocabulary, IDF weights and one linear layer, scored with numpy.

Each axis has its own feature space (n-gram orders, vocabulary and IDF built from that axis's
own training texts), so adding examples for one axis does not shift the features another axis
was tuned on. Axes whose spaces were built alike still each keep their own.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from nlu.errors import ModelError
from nlu.features import FeatureConfig, head_mask, tokens, weigh

MODEL_FORMAT = 2
READABLE_FORMATS = (1, 2)
META_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"


@dataclass(frozen=True, slots=True)
class AxisHead:
    """The columns of a space's weight matrix that score one axis, and its calibration temperature."""

    axis: str
    labels: tuple[str, ...]
    first_column: int
    temperature: float
    space: int = 0


@dataclass(slots=True)
class FeatureSpace:
    """One vocabulary with its IDF and the weights of the heads scored in it."""

    config: FeatureConfig
    vocabulary: list[str]
    idf: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    is_head: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.idf = self.idf.astype(np.float32)
        self.is_head = head_mask(self.vocabulary)
        self.weights = np.ascontiguousarray(self.weights, dtype=np.float32)
        self.bias = self.bias.astype(np.float32)

    def scores_of(self, idx: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """Scores from this space's column indices and raw counts of one message."""
        if idx.size == 0:
            return self.bias.copy()
        values = weigh(idx, tf, self.idf, self.is_head, self.config)
        return values @ self.weights[idx] + self.bias


class _JointIndex:
    """One dictionary from token to row for all spaces, and per space the row's column (or -1).

    A message's tokens are looked up once, not once per space; the spaces' own dictionaries
    are never built, which also keeps memory down.
    """

    def __init__(self, spaces: list[FeatureSpace]) -> None:
        rows: dict[str, int] = {}
        placed = []
        for space in spaces:
            placed.append(
                np.fromiter(
                    (rows.setdefault(tok, len(rows)) for tok in space.vocabulary),
                    dtype=np.int64,
                    count=len(space.vocabulary),
                )
            )
        self.rows = rows
        self.columns = []
        for space, at in zip(spaces, placed, strict=True):
            column = np.full(len(rows), -1, dtype=np.int32)
            column[at] = np.arange(len(space.vocabulary), dtype=np.int32)
            self.columns.append(column)

    def lookup(self, counts: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
        """Rows and counts of the tokens any space knows."""
        get = self.rows.get
        found = [(r, n) for r, n in ((get(tok), n) for tok, n in counts.items()) if r is not None]
        rows = np.fromiter((r for r, _ in found), dtype=np.int64, count=len(found))
        tf = np.fromiter((n for _, n in found), dtype=np.float32, count=len(found))
        return rows, tf


Ranking = list[tuple[str, float]]


class LinearModel:
    """Scores a normalised message on every axis the model was trained for."""

    def __init__(
        self,
        spaces: list[FeatureSpace],
        heads: list[AxisHead],
        meta: dict[str, object] | None = None,
    ) -> None:
        if not spaces:
            raise ModelError("a model needs at least one feature space")
        self.spaces = spaces
        self.heads = heads
        self.meta = meta or {}
        self._covering: list[FeatureConfig] | None = None
        self._joint = _JointIndex(spaces)

    @property
    def axes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h.axis for h in self.heads))

    def raw_scores(self, text: str) -> list[np.ndarray]:
        """Scores per space, from as few tokenisations and look-ups as the settings allow."""
        cache: dict[FeatureConfig, tuple[np.ndarray, np.ndarray]] = {}
        out = []
        for n, (space, shared) in enumerate(zip(self.spaces, self._token_configs, strict=True)):
            found = cache.get(shared)
            if found is None:
                found = cache[shared] = self._joint.lookup(Counter(tokens(text, shared)))
            rows, tf = found
            columns = self._joint.columns[n][rows]
            known = columns >= 0
            out.append(space.scores_of(columns[known].astype(np.intp), tf[known]))
        return out

    @property
    def _token_configs(self) -> list[FeatureConfig]:
        # Spaces whose settings differ only in n-gram orders and cues can count the tokens of
        # one configuration that covers them all: a space ignores tokens outside its vocabulary.
        if self._covering is None:
            self._covering = covering_configs([s.config for s in self.spaces])
        return self._covering

    def rank(self, text: str) -> dict[str, Ranking]:
        """Calibrated label probabilities per axis, best first."""
        scores = self.raw_scores(text)
        summed: dict[str, tuple[tuple[str, ...], np.ndarray, int]] = {}
        specialists: list[tuple[AxisHead, np.ndarray]] = []
        for head in self.heads:
            cols = scores[head.space][head.first_column : head.first_column + len(head.labels)]
            probs = softmax(cols / head.temperature)
            if head.axis in summed and len(head.labels) < len(summed[head.axis][0]):
                specialists.append((head, probs))
            elif head.axis in summed:
                # Several spaces vote on one axis: average their probabilities.
                labels, total, n = summed[head.axis]
                summed[head.axis] = (labels, total + probs, n + 1)
            else:
                summed[head.axis] = (head.labels, probs, 1)
        result: dict[str, Ranking] = {}
        averaged = {axis: (labels, total / n) for axis, (labels, total, n) in summed.items()}
        for head, split in specialists:
            # A head over some of an axis's labels re-splits their share (see nlu.fitting.resplit).
            labels, probs = averaged[head.axis]
            picked = [labels.index(lab) for lab in head.labels]
            mass = float(probs[picked].sum())
            if mass > 0:
                probs = probs.copy()
                probs[picked] = mass * (probs[picked] / mass + split) / 2
                averaged[head.axis] = (labels, probs)
        for axis, (labels, probs) in averaged.items():
            order = np.argsort(-probs, kind="stable")
            result[axis] = [(labels[i], float(probs[i])) for i in order]
        return result

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        for n, space in enumerate(self.spaces):
            arrays[f"vocabulary_{n}"] = np.array(space.vocabulary, dtype=str)
            arrays[f"idf_{n}"] = space.idf
            arrays[f"weights_{n}"] = space.weights
            arrays[f"bias_{n}"] = space.bias
        np.savez_compressed(directory / WEIGHTS_FILE, **arrays)  # type: ignore[arg-type]
        meta = dict(self.meta)
        meta.update(
            {
                "format": MODEL_FORMAT,
                "spaces": [{"features": s.config.to_dict()} for s in self.spaces],
                "heads": [
                    {
                        "axis": h.axis,
                        "labels": list(h.labels),
                        "first_column": h.first_column,
                        "temperature": h.temperature,
                        "space": h.space,
                    }
                    for h in self.heads
                ],
            }
        )
        (directory / META_FILE).write_text(
            json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> LinearModel:
        meta_path = directory / META_FILE
        weights_path = directory / WEIGHTS_FILE
        if not meta_path.exists() or not weights_path.exists():
            raise ModelError(f"no model in {directory} (expected {META_FILE} and {WEIGHTS_FILE})")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("format") not in READABLE_FORMATS:
                raise ModelError(
                    f"{directory}: model format {meta.get('format')!r} is not supported"
                )
            # Format 1 kept one space for every axis, stored without a suffix.
            configs = (
                [meta["features"]]
                if meta["format"] == 1
                else [s["features"] for s in meta["spaces"]]
            )
            spaces = []
            with np.load(weights_path, allow_pickle=False) as data:
                for n, cfg in enumerate(configs):
                    sfx = "" if meta["format"] == 1 else f"_{n}"
                    spaces.append(
                        FeatureSpace(
                            FeatureConfig.from_dict(cfg),
                            data[f"vocabulary{sfx}"].tolist(),
                            data[f"idf{sfx}"],
                            data[f"weights{sfx}"],
                            data[f"bias{sfx}"],
                        )
                    )
            heads = [
                AxisHead(
                    h["axis"],
                    tuple(h["labels"]),
                    int(h["first_column"]),
                    float(h["temperature"]),
                    int(h.get("space", 0)),
                )
                for h in meta["heads"]
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{directory}: cannot read model ({exc})") from exc
        return cls(spaces, heads, meta)


def covering_configs(configs: list[FeatureConfig]) -> list[FeatureConfig]:
    """For each config, one that yields a superset of its tokens and is shared where possible."""
    groups: dict[tuple[object, ...], list[FeatureConfig]] = {}
    for cfg in configs:
        key = (cfg.char_min, cfg.words, cfg.head_limit, cfg.gloss)
        groups.setdefault(key, []).append(cfg)
    union = {
        key: replace(
            group[0],
            char_max=max(c.char_max for c in group),
            head_chars=max(c.head_chars for c in group),
            cues=any(c.cues for c in group),
            head_weight=1.0,
        )
        for key, group in groups.items()
    }
    return [union[(c.char_min, c.words, c.head_limit, c.gloss)] for c in configs]


def softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max()
    e = np.exp(z)
    return e / e.sum()
