#!/usr/bin/env python3
"""NLU figures: load time, resident memory, per-message latency, CLI throughput, accuracy.

usage:
  bench/nlu.py [--model DIR]           speed and memory of the parser and of `minsheng nlu parse`
  bench/nlu.py --holdout               train on a deterministic 80% of every nlu/data file, score the other 20%
  bench/nlu.py --holdout --errors AXIS also list the held-out messages misread on AXIS (gold -> predicted)
  bench/nlu.py --teddy                 retrain on the real-message split (needs ../shared) and score it
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
SHARED = PROJECT_ROOT.parent / "shared"
MINSHENG = Path(sys.executable).parent / "minsheng"
NLU_CMD = [str(MINSHENG), "nlu"] if MINSHENG.exists() else [sys.executable, "-m", "nlu"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sample_texts() -> list[str]:
    dev = SHARED / "data" / "dev_nlu.jsonl"
    if dev.exists():
        return [
            json.loads(line)["text"]
            for line in dev.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    from nlu.rasa_yaml import load_examples

    return [ex.text for ex in load_examples(PROJECT_ROOT / "nlu" / "data" / "domain.yml")][:500]


def bench_speed(model: str | None) -> None:
    rss_before = rss_mb()
    started = time.perf_counter()
    from nlu import load_parser

    parser = load_parser(model)
    load_s = time.perf_counter() - started
    texts = sample_texts()
    for text in texts[:20]:
        parser.parse(text)
    latencies = []
    rounds = max(1, 2000 // len(texts))
    for _ in range(rounds):
        for text in texts:
            t0 = time.perf_counter()
            parser.parse(text)
            latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"load (import + model): {load_s * 1000:.0f} ms")
    print(f"resident memory: {rss_mb():.0f} MB (interpreter before import: {rss_before:.0f} MB)")
    print(
        f"latency over {len(latencies)} parses: p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {latencies[-1]:.2f} ms"
    )
    print(f"in-process throughput: {1000 / statistics.mean(latencies):.0f} messages/s")
    bench_cli(model, texts)


def bench_cli(model: str | None, texts: list[str]) -> None:
    extra = ["--model", model] if model else []
    one = json.dumps({"text": texts[0]}, ensure_ascii=False) + "\n"
    t0 = time.perf_counter()
    subprocess.run(
        NLU_CMD + ["parse", *extra, "--jsonl"],
        input=one,
        capture_output=True,
        text=True,
        check=True,
    )
    startup = time.perf_counter() - t0
    many = "".join(
        json.dumps({"text": t}, ensure_ascii=False) + "\n"
        for t in (texts * (3000 // len(texts) + 1))[:3000]
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        NLU_CMD + ["parse", *extra, "--jsonl"],
        input=many,
        capture_output=True,
        text=True,
        check=True,
    )
    total = time.perf_counter() - t0
    n = len(done.stdout.splitlines())
    print(f"CLI start-up + one message: {startup:.2f} s")
    print(
        f"CLI --jsonl: {n} messages in {total:.2f} s = {(total - startup) / n * 1000:.3f} ms/message after start-up "
        f"({total / n * 1000:.3f} ms/message including start-up)"
    )


def split_key(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % 5


def bench_holdout(errors: str | None = None) -> None:
    from nlu.evaluate import evaluate, format_report
    from nlu.parser import Parser
    from nlu.train import train_model
    from nlu.training_data import read_training_sets

    sets = read_training_sets([PROJECT_ROOT / "nlu" / "data"])
    train = {axis: [ex for ex in exs if split_key(ex.text) != 0] for axis, exs in sets.items()}
    gold: dict[str, dict[str, str]] = {}
    for axis, exs in sets.items():
        for ex in exs:
            if split_key(ex.text) == 0:
                gold.setdefault(ex.text, {"text": ex.text})[axis] = ex.intent
    t0 = time.perf_counter()
    model = train_model(train)
    print(
        f"held-out split: {sum(1 for _ in train['domain'])} train / {len(gold)} test; trained in {time.perf_counter() - t0:.1f} s"
    )
    parse = Parser(model).parse
    print(format_report(evaluate(gold.values(), parse)))
    # Messages labelled on all three axes: the part of the split that existed before single-axis files.
    full = [row for row in gold.values() if len(row) == 4]
    if len(full) < len(gold):
        print(f"\n--- held-out messages labelled on all three axes only ({len(full)}) ---")
        print(format_report(evaluate(full, parse)))
    if errors:
        print(f"\n--- held-out messages misread on {errors} (gold -> predicted) ---")
        for row in gold.values():
            if errors not in row:
                continue
            predicted = (parse(row["text"]).get(errors) or {}).get("name")
            if predicted != row[errors]:
                print(f"{row[errors]} -> {predicted}\t{row['text']}")


def bench_teddy() -> None:
    tool = SHARED / "tools" / "teddy_split.py"
    if not tool.exists():
        print("../shared is absent; skipping the real-message retraining run")
        return
    from nlu.evaluate import classification_report

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        subprocess.run([sys.executable, str(tool), str(d)], check=True)
        t0 = time.perf_counter()
        subprocess.run(
            NLU_CMD + ["train", "--data", str(d / "train.yml"), "--out", str(d / "model")],
            check=True,
        )
        train_s = time.perf_counter() - t0
        done = subprocess.run(
            NLU_CMD + ["parse", "--model", str(d / "model"), "--jsonl"],
            input=(d / "test.jsonl").read_text(encoding="utf-8"),
            capture_output=True,
            text=True,
            check=True,
        )
        predicted = [json.loads(line)["intent"]["name"] for line in done.stdout.splitlines()]
        gold = [
            json.loads(line)["intent"]
            for line in (d / "gold.jsonl").read_text(encoding="utf-8").splitlines()
        ]
    report = classification_report(gold, predicted)
    print(
        f"teddy2020 split: train {train_s:.1f} s (CLI, incl. start-up); "
        f"accuracy {report['accuracy']:.3f}, macro-F1 {report['macro_f1']:.3f} on {len(gold)} messages"
    )


def main() -> None:
    cli = argparse.ArgumentParser(description="NLU benchmark figures")
    cli.add_argument("--model", help="model directory (default: the shipped model)")
    cli.add_argument("--holdout", action="store_true")
    cli.add_argument("--teddy", action="store_true")
    cli.add_argument(
        "--errors",
        choices=("domain", "urgency", "kind"),
        help="with --holdout: list the held-out messages misread on this axis",
    )
    args = cli.parse_args()
    if args.holdout:
        bench_holdout(args.errors)
    elif args.teddy:
        bench_teddy()
    else:
        bench_speed(args.model)


if __name__ == "__main__":
    main()
