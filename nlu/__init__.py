"""Natural-language understanding for resident messages: domain, urgency, kind, entities.

Public API: `load_parser(...) -> Parser`, `Parser.parse(text) -> dict`, and the label keys
`DOMAINS`, `URGENCIES`, `KINDS`. Heavy modules load on first use so `import nlu` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nlu.taxonomy import DOMAINS, KINDS, URGENCIES

if TYPE_CHECKING:
    from nlu.parser import Parser

__all__ = ["DOMAINS", "KINDS", "URGENCIES", "Parser", "load_parser"]


def load_parser(
    model_dir: str | None = None,
    *,
    backend: str = "builtin",
    rasa_url: str | None = None,
    rasa_timeout_s: float = 3.0,
    rasa_retries: int = 2,
    low_confidence_threshold: float = 0.5,
) -> Parser:
    """A ready parser; without `model_dir` the shipped default model (built if missing)."""
    from nlu.defaults import load_model
    from nlu.parser import Parser

    if backend == "builtin":
        return Parser(load_model(model_dir), low_confidence_threshold=low_confidence_threshold)
    if backend != "rasa":
        raise ValueError(f"unknown NLU backend {backend!r}; use 'builtin' or 'rasa'")
    if not rasa_url:
        raise ValueError("the 'rasa' backend needs rasa_url")
    from nlu.errors import ModelError
    from nlu.rasa_client import RasaClient

    try:
        fallback = load_model(model_dir, build_if_missing=False)
    except ModelError:
        fallback = None  # no local model: Rasa errors then reach the caller
    remote = RasaClient(rasa_url, timeout_s=rasa_timeout_s, retries=rasa_retries)
    return Parser(fallback, low_confidence_threshold=low_confidence_threshold, remote=remote)


def __getattr__(name: str) -> Any:
    if name == "Parser":
        from nlu.parser import Parser

        return Parser
    raise AttributeError(f"module 'nlu' has no attribute {name!r}")
