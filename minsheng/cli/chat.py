"""`minsheng chat`: talk to the intake bot in this terminal, as a resident."""

from __future__ import annotations

import argparse
from typing import Any

from minsheng.cli.common import app_for


def register(sub: Any) -> None:
    chat = sub.add_parser("chat", help="talk to the intake bot in this terminal, as a resident")
    chat.set_defaults(func=_chat)


def _chat(args: argparse.Namespace) -> int:
    from minsheng.channels import terminal as console

    return console.run(app_for(args))
