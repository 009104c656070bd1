"""Feature extraction shared by training and parsing, so both see exactly the same tokens.

Tokens are character n-grams of the lower-cased normalised text, English word unigrams and
bigrams, and n-grams of the opening sentence (a title or first sentence usually names the
subject) kept as a separate block. Each block is L2-normalised on its own so a long body
cannot drown the opening words; the head block is then scaled by `head_weight`.

With `cues`, a few tokens stand for patterns that span more than three characters and that
decide what the resident wants (see `nlu.label_rules.KIND_CUES`): someone named as failing to
act, a report or complaint word, indignation, a problem left for days, a request, a question.

With `gloss`, the character n-grams also run over the Chinese glosses of the English words the
message uses (`nlu.gloss`), so an English message shares features with the Chinese examples.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

from nlu.gloss import gloss
from nlu.label_rules import KIND_CUES

# Prefixes built from control characters, which normalisation removes from message text,
# so a marked token can never collide with a plain character n-gram.
WORD = "\x02"
BIGRAM = "\x03"
HEAD = "\x01"
CUE = "\x04"

_WORD = re.compile(r"[a-z][a-z0-9']*|\d+")
_FIRST_SENTENCE_END = re.compile(r"[。！？!?\n]")
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which tokens to extract; stored with each model."""

    char_min: int = 1
    char_max: int = 3
    words: bool = True
    head_chars: int = 0  # n-gram order for the first sentence; 0 disables it
    head_limit: int = 60
    head_weight: float = 1.0
    cues: bool = False
    gloss: bool = False  # character n-grams also over Chinese glosses of English words (nlu.gloss)

    def to_dict(self) -> dict[str, int | bool | float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, int | bool | float]) -> FeatureConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)  # type: ignore[arg-type]


def tokens(text: str, cfg: FeatureConfig) -> list[str]:
    """Tokens of one normalised message (with repeats: counts matter)."""
    s = _DIGITS.sub("0", text.lower())
    out: list[str] = []
    words = _WORD.findall(s) if cfg.words or cfg.gloss else []
    chars = s
    if cfg.gloss and words:
        glossed = [g for w in words for g in gloss(w)]
        if glossed:
            chars = s + " " + " ".join(glossed)
    n_chars = len(chars)
    for n in range(cfg.char_min, cfg.char_max + 1):
        out.extend([chars[i : i + n] for i in range(n_chars - n + 1)])
    if cfg.words and words:
        out.extend([WORD + w for w in words])
        out.extend([BIGRAM + a + " " + b for a, b in zip(words, words[1:])])
    if cfg.head_chars:
        match = _FIRST_SENTENCE_END.search(s, 0, cfg.head_limit)
        head = s[: match.start()] if match else s[: cfg.head_limit]
        for n in range(1, cfg.head_chars + 1):
            out.extend([HEAD + head[i : i + n] for i in range(len(head) - n + 1)])
    if cfg.cues:
        # Repeated so that a cue weighs about as much as a frequent n-gram after sublinear tf.
        out.extend([CUE + name for name, pattern in KIND_CUES if pattern.search(text)] * 3)
    return out


def head_mask(vocabulary: list[str]) -> np.ndarray:
    return np.array([tok.startswith(HEAD) for tok in vocabulary], dtype=bool)


def weigh(
    idx: np.ndarray, tf: np.ndarray, idf: np.ndarray, is_head: np.ndarray, cfg: FeatureConfig
) -> np.ndarray:
    """Sublinear TF-IDF values, each block (body, head) L2-normalised, the head scaled."""
    values = (1.0 + np.log(tf)) * idf[idx]
    if not cfg.head_chars:
        norm = float(np.sqrt(values @ values))
        return values / norm if norm > 0 else values
    in_head = is_head[idx]
    for mask, scale in ((in_head, cfg.head_weight), (~in_head, 1.0)):
        block = values[mask]
        norm = float(np.sqrt(block @ block))
        if norm > 0:
            values[mask] = block * (scale / norm)
    return values
