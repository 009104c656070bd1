"""`minsheng chat`: the resident's dialogue in a terminal, on the same database as the bot.

Buttons are numbered; typing the number taps the button. Messages the departments send to
this terminal resident (replies, the rating question...) are shown before each prompt.
"""

from __future__ import annotations

import getpass
import itertools
import secrets
import sys
from collections.abc import Callable
from typing import IO, Any

from sqlalchemy import select, update

from bot.dialogue import Button, Reply
from case_store.models import OutboxMessage
from minsheng.services.bootstrap import App

CHANNEL = "console"


def run(
    app: App,
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    chat_id: str | None = None,
) -> int:
    from minsheng.services.residents.conversation import Inbound, handle_inbound

    read = stdin or sys.stdin
    out = stdout or sys.stdout
    chat = chat_id or _user()
    updates = itertools.count(1)
    buttons: list[Button] = []
    prefix = f"{chat}:{secrets.token_hex(4)}"  # update ids unique per terminal session

    def show(replies: list[Reply]) -> None:
        nonlocal buttons
        buttons = []
        for reply in replies:
            print(f"\n{reply.text}", file=out)
            buttons += _print_buttons(reply, len(buttons), out)

    def send(**fields: Any) -> None:
        inbound = Inbound(
            channel=CHANNEL,
            chat_id=chat,
            update_id=f"{prefix}:{next(updates)}",
            display_name=chat,
            language_hint=None,
            **fields,
        )
        show(handle_inbound(app, inbound))

    print(
        "民生 · Minsheng — 输入您的问题；数字选按钮；Ctrl-D 退出。"
        " Type your problem; numbers tap buttons; Ctrl-D quits.",
        file=out,
    )
    send(text="/start")
    while True:
        show_pending(app, chat, show)
        print("\n> ", end="", file=out, flush=True)
        line = read.readline()
        if not line:
            print(file=out)
            return 0
        line = line.strip()
        if not line:
            continue
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            send(callback_data=buttons[int(line) - 1].data)
        else:
            send(text=line)


def _print_buttons(reply: Reply, start: int, out: IO[str]) -> list[Button]:
    flat = [b for row in reply.buttons for b in row]
    if flat:
        labels = "  ".join(f"[{start + i + 1}] {b.label}" for i, b in enumerate(flat))
        print(labels, file=out)
    return flat


def show_pending(app: App, chat_id: str, show: Callable[[list[Reply]], None]) -> int:
    """Print this resident's queued notifications, each once, and mark them sent."""
    now = app.now()
    replies: list[Reply] = []
    with app.uow() as uow:
        s = uow.session
        rows = list(
            s.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.channel == CHANNEL,
                    OutboxMessage.recipient == chat_id,
                    OutboxMessage.status == "pending",
                )
                .order_by(OutboxMessage.id)
            )
        )
        for row in rows:
            # Claim by a conditional update so a second terminal never shows it too.
            claimed = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.status == "pending")
                .values(status="sent", sent_at=now, claimed_by="console", claimed_at=now)
                .returning(OutboxMessage.id)
            ).first()
            if claimed is None:
                continue
            payload = row.payload
            buttons = tuple(
                tuple(Button(b["label"], b["data"]) for b in line)
                for line in payload.get("buttons") or []
            )
            replies.append(Reply(str(payload.get("text", "")), buttons))
        uow.commit()
    if replies:
        show(replies)
    return len(replies)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "resident"
