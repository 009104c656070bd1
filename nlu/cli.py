"""`minsheng nlu ...`: parse, train, evaluate and build-default.

Only argparse and json load at start-up; the model, numpy and scikit-learn load when a
command needs them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, BinaryIO, TextIO, cast


def _parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="minsheng nlu", description="Classify resident messages.")
    sub = root.add_subparsers(dest="command", required=True)

    parse = sub.add_parser("parse", help="classify messages (JSON lines on stdin with --jsonl)")
    parse.add_argument("texts", nargs="*", help="messages to parse (when not using --jsonl)")
    parse.add_argument("--model", help="model directory (default: the shipped model)")
    parse.add_argument("--jsonl", action="store_true", help='read {"text": ...} lines on stdin')
    parse.add_argument("--backend", choices=("builtin", "rasa"), default="builtin")
    parse.add_argument("--rasa-url", help="Rasa server URL for --backend rasa")
    parse.add_argument(
        "--threshold", type=float, default=0.5, help="low-confidence threshold on the domain"
    )

    train = sub.add_parser("train", help="train a model from Rasa nlu.yml files")
    train.add_argument(
        "--data", nargs="+", required=True, type=Path, help="Rasa NLU YAML files or directories"
    )
    train.add_argument("--out", required=True, type=Path, help="directory to write the model to")
    train.add_argument(
        "--extra",
        nargs="+",
        default=[],
        type=Path,
        help="more Rasa NLU YAML (e.g. `minsheng nlu corrections` output); its labels win",
    )

    evaluate = sub.add_parser("evaluate", help="score a model on labelled JSON lines")
    evaluate.add_argument(
        "--data", required=True, type=Path, help="JSONL with text and domain/urgency/kind"
    )
    evaluate.add_argument("--model", help="model directory (default: the shipped model)")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")

    build = sub.add_parser("build-default", help="train the shipped model if missing or stale")
    build.add_argument("--force", action="store_true", help="train even when up to date")
    return root


def _load(
    model: str | None, backend: str = "builtin", rasa_url: str | None = None, threshold: float = 0.5
) -> Any:
    from nlu import load_parser

    return load_parser(
        model, backend=backend, rasa_url=rasa_url, low_confidence_threshold=threshold
    )


def _parse_jsonl(parser: Any, stdin: BinaryIO, stdout: TextIO) -> None:
    for raw in stdin:
        try:
            item = json.loads(raw)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected an object with a "text" string')
            out = parser.parse(item["text"])
        except Exception as exc:  # one bad line must never stop the stream
            out = {"error": f"{type(exc).__name__}: {exc}"}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()


def _cmd_parse(args: argparse.Namespace) -> int:
    parser = _load(args.model, args.backend, args.rasa_url, args.threshold)
    if args.jsonl:
        _parse_jsonl(parser, sys.stdin.buffer, sys.stdout)
        return 0
    texts = args.texts or [line.rstrip("\n") for line in sys.stdin]
    for text in texts:
        print(json.dumps(parser.parse(text), ensure_ascii=False))
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    import time

    from nlu.train import terminal_progress, train_to_directory

    started = time.perf_counter()
    model = train_to_directory(args.data, args.out, progress=terminal_progress(), extra=args.extra)
    examples = cast(dict[str, int], model.meta.get("examples") or {})
    counts = ", ".join(f"{axis}: {n}" for axis, n in examples.items())
    print(
        f"trained {', '.join(model.axes)} ({counts}) in {time.perf_counter() - started:.1f}s -> {args.out}",
        file=sys.stderr,
    )
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from nlu.evaluate import evaluate, format_report, read_gold

    parser = _load(args.model)
    report = evaluate(read_gold(args.data), parser.parse)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else format_report(report))
    return 0


def _cmd_build_default(args: argparse.Namespace) -> int:
    from nlu.defaults import DEFAULT_MODEL_DIR, build_default
    from nlu.train import terminal_progress

    trained = build_default(force=args.force, progress=terminal_progress())
    print(
        f"default model {'trained' if trained else 'up to date'}: {DEFAULT_MODEL_DIR}",
        file=sys.stderr,
    )
    return 0


_COMMANDS = {
    "parse": _cmd_parse,
    "train": _cmd_train,
    "evaluate": _cmd_evaluate,
    "build-default": _cmd_build_default,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from nlu.errors import ModelError, RasaUnavailableError, TrainingDataError

    try:
        return _COMMANDS[args.command](args)
    except (ModelError, TrainingDataError, RasaUnavailableError, ValueError, OSError) as exc:
        print(f"minsheng nlu {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
