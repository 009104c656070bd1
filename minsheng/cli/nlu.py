"""`minsheng nlu`: delegated whole to nlu.cli, which has its own parser."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def register(sub: Any) -> None:
    # Listed for `minsheng --help` only; main() hands `nlu ...` to nlu.cli before parsing.
    sub.add_parser("nlu", help="classify, train and evaluate (see `minsheng nlu --help`)")


def main(argv: Sequence[str]) -> int:
    from nlu.cli import main as nlu_main

    return nlu_main(list(argv))
