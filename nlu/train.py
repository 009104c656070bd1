"""Training from Rasa NLU YAML: TF-IDF over our own tokens, a linear classifier per axis,
and a temperature per axis fitted on out-of-fold scores so confidences are calibrated.

The data is read in `training_data`, each axis fitted in `fitting` and calibrated in
`calibration`; here the axes are put together into one model and written to its directory.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nlu.calibration import choose_urgent_threshold
from nlu.features import FeatureConfig
from nlu.fitting import (
    PAIR_SPECIALISTS,
    Candidate,
    TrainOptions,
    best_ensemble,
    fit_linear,
    pair_specialist,
)
from nlu.model import AxisHead, FeatureSpace, LinearModel
from nlu.normalize import normalize
from nlu.rasa_yaml import Example
from nlu.training_data import data_fingerprint, label_order, read_training_sets

Progress = Callable[[str, float], None]


# Every candidate reads English words also through their Chinese glosses (nlu.gloss): most
# examples are Chinese, and an English message then shares features with them.
CANDIDATE_FEATURES: tuple[FeatureConfig, ...] = (
    FeatureConfig(char_max=2, head_chars=2, gloss=True),
    FeatureConfig(char_max=3, head_chars=2, gloss=True),
    FeatureConfig(char_max=4, head_chars=0, gloss=True),
)
# Kind also tries the cue tokens (nlu.label_rules.KIND_CUES): whether someone is named as
# failing to act is spread over a sentence, beyond what three characters see.
AXIS_CANDIDATES: dict[str, tuple[FeatureConfig, ...]] = {
    "kind": CANDIDATE_FEATURES
    + (
        FeatureConfig(char_max=3, head_chars=2, cues=True, gloss=True),
        FeatureConfig(char_max=4, head_chars=0, cues=True, gloss=True),
    ),
}


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
        labels = label_order(axis, examples)
        built: list[Candidate] = []
        for n, config in enumerate(plan[axis]):
            report(f"{axis} features {n + 1}/{len(plan[axis])}", done / steps)
            done += 1
            built.append(Candidate.build(config, normalised, examples, labels, options))
        report(f"training {axis}", done / steps)
        done += 1
        members, probs, f1 = best_ensemble(built)
        # The urgent cut-off works on the ensemble's probabilities: as scores, their logarithm.
        joint = np.log(np.clip(probs, 1e-9, 1.0))
        if axis == "urgency" and "urgent" in labels:
            meta["urgent_threshold"] = choose_urgent_threshold(
                joint, built[0].y, labels, 1.0, [normalised[ex.text] for ex in examples]
            )
        for member in members:
            w, b = fit_linear(member.x, member.y, len(labels), options)
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
            specialist = pair_specialist(axis, pair, examples, labels, probs, normalised, options)
            if specialist is not None:
                member, f1 = specialist
                w, b = fit_linear(member.x, member.y, len(pair), options)
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
