"""The training data: examples per axis read from Rasa NLU YAML files (and staff corrections),
the label order of each axis, and a fingerprint of the files a model was trained on."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from nlu.errors import TrainingDataError
from nlu.rasa_yaml import Example, load_examples
from nlu.taxonomy import AXES, AXIS_LABELS


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


def label_order(axis: str, examples: list[Example]) -> tuple[str, ...]:
    seen = set(ex.intent for ex in examples)
    known = AXIS_LABELS.get(axis, ())
    if seen <= set(known):
        return known
    if axis == "domain":
        return tuple(sorted(seen))  # a city's own categories
    raise TrainingDataError(
        f"{axis}: unknown labels {sorted(seen - set(known))}; expected {list(known)}"
    )
