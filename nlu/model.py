"""The stored classifier: a vocabulary, IDF weights and one linear layer per axis, scored with numpy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlu.errors import ModelError
from nlu.features import FeatureConfig, head_mask, tokens, weigh

MODEL_FORMAT = 1
META_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"


@dataclass(frozen=True, slots=True)
class AxisHead:
    """The columns of the weight matrix that score one axis, and its calibration temperature."""

    axis: str
    labels: tuple[str, ...]
    first_column: int
    temperature: float


Ranking = list[tuple[str, float]]


class LinearModel:
    """Scores a normalised message on every axis the model was trained for."""

    def __init__(
        self,
        config: FeatureConfig,
        vocabulary: list[str],
        idf: np.ndarray,
        weights: np.ndarray,
        bias: np.ndarray,
        heads: list[AxisHead],
        meta: dict[str, object] | None = None,
    ) -> None:
        self.config = config
        self.vocabulary = vocabulary
        self._index = {tok: i for i, tok in enumerate(vocabulary)}
        self.idf = idf.astype(np.float32)
        self.is_head = head_mask(vocabulary)
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.bias = bias.astype(np.float32)
        self.heads = heads
        self.meta = meta or {}

    @property
    def axes(self) -> tuple[str, ...]:
        return tuple(h.axis for h in self.heads)

    def vectorize(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and TF-IDF values (sublinear tf, L2-normalised) of one message."""
        counts: dict[int, int] = {}
        get = self._index.get
        for tok in tokens(text, self.config):
            j = get(tok)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        return idx, weigh(idx, tf, self.idf, self.is_head, self.config)

    def raw_scores(self, text: str) -> np.ndarray:
        idx, values = self.vectorize(text)
        if idx.size == 0:
            return self.bias.copy()
        return values @ self.weights[idx] + self.bias

    def rank(self, text: str) -> dict[str, Ranking]:
        """Calibrated label probabilities per axis, best first."""
        scores = self.raw_scores(text)
        result: dict[str, Ranking] = {}
        for head in self.heads:
            cols = scores[head.first_column : head.first_column + len(head.labels)]
            probs = softmax(cols / head.temperature)
            order = np.argsort(-probs, kind="stable")
            result[head.axis] = [(head.labels[i], float(probs[i])) for i in order]
        return result

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            directory / WEIGHTS_FILE,
            vocabulary=np.array(self.vocabulary, dtype=str),
            idf=self.idf,
            weights=self.weights,
            bias=self.bias,
        )
        meta = dict(self.meta)
        meta.update(
            {
                "format": MODEL_FORMAT,
                "features": self.config.to_dict(),
                "heads": [
                    {
                        "axis": h.axis,
                        "labels": list(h.labels),
                        "first_column": h.first_column,
                        "temperature": h.temperature,
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
            if meta.get("format") != MODEL_FORMAT:
                raise ModelError(
                    f"{directory}: model format {meta.get('format')!r} is not supported"
                )
            with np.load(weights_path, allow_pickle=False) as data:
                vocabulary = data["vocabulary"].tolist()
                idf, weights, bias = data["idf"], data["weights"], data["bias"]
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{directory}: cannot read model ({exc})") from exc
        heads = [
            AxisHead(h["axis"], tuple(h["labels"]), int(h["first_column"]), float(h["temperature"]))
            for h in meta["heads"]
        ]
        config = FeatureConfig.from_dict(meta["features"])
        return cls(config, vocabulary, idf, weights, bias, heads, meta)


def softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max()
    e = np.exp(z)
    return e / e.sum()
