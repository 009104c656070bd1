"""A real SMTP server on 127.0.0.1 (aiosmtpd), able to go down and come back on its port.

Importable as `fake_smtp` from the tests that put tests/e2e on the path (as for fake_bot_api).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import socket
import threading
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

# The server's own chatter ("connection lost") comes from its thread after a test's log
# capture has closed; it says nothing a test checks.
logging.getLogger("mail.log").propagate = False
logging.getLogger("mail.log").addHandler(logging.NullHandler())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """What the SMTP server accepted, in order; `delay` makes each DATA take that long."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def subjects(self) -> list[str]:
        with self._lock:
            return [str(m["Subject"]) for m in self.messages]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
