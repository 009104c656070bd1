"""Where the shipped model and its training data live, and building the model when stale."""

from __future__ import annotations

from pathlib import Path

from nlu.errors import ModelError
from nlu.model import META_FILE, WEIGHTS_FILE, LinearModel

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = PACKAGE_DIR / "data"
DEFAULT_MODEL_DIR = PACKAGE_DIR / "_model"


# The code that turns a text into features and fits the weights. A model trained before one
# of these changed reads messages differently from the running code (a cue pattern that fires
# now and did not then), so it is stale like a model older than its data.
FEATURE_CODE = tuple(
    PACKAGE_DIR / name
    for name in (
        "features.py",
        "label_rules.py",
        "gloss.py",
        "normalize.py",
        "train.py",
        "fitting.py",
        "calibration.py",
    )
)


def default_model_is_stale(
    model_dir: Path = DEFAULT_MODEL_DIR,
    data_dir: Path = DEFAULT_DATA_DIR,
    code: tuple[Path, ...] = FEATURE_CODE,
) -> bool:
    """True when the model is missing or older than any training file or feature code."""
    files = [model_dir / META_FILE, model_dir / WEIGHTS_FILE]
    if not all(f.exists() for f in files):
        return True
    built = min(f.stat().st_mtime for f in files)
    sources = [*data_dir.glob("*.yml"), *(p for p in code if p.exists())]
    return any(p.stat().st_mtime > built for p in sources)


def build_default(force: bool = False, progress=None) -> bool:  # type: ignore[no-untyped-def]
    """Train the default model if missing or stale; returns whether it trained."""
    if not force and not default_model_is_stale():
        return False
    from nlu.train import train_to_directory

    train_to_directory([DEFAULT_DATA_DIR], DEFAULT_MODEL_DIR, progress=progress)
    return True


def load_model(
    model_dir: str | Path | None = None, *, build_if_missing: bool = True
) -> LinearModel:
    """Load a model directory, or the default model (training it first when it is missing)."""
    if model_dir is not None:
        return LinearModel.load(Path(model_dir))
    if build_if_missing and not (DEFAULT_MODEL_DIR / META_FILE).exists():
        build_default()
    if not (DEFAULT_MODEL_DIR / META_FILE).exists():
        raise ModelError(
            f"no default model in {DEFAULT_MODEL_DIR}; run `minsheng nlu build-default`"
        )
    return LinearModel.load(DEFAULT_MODEL_DIR)
