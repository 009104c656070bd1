"""The case use cases under their old names, kept for the command line until it imports the
modules that hold them: submission, staff_actions and views."""

from __future__ import annotations

from minsheng.services.casework.staff_actions import (
    accept,
    ask_resident,
    reopen,
    reply,
    resolve,
    start,
    transfer,
)
from minsheng.services.casework.submission import Intake, submit
from minsheng.services.casework.views import events, list_all, show

__all__ = [
    "Intake", "accept", "ask_resident", "events", "list_all", "reopen", "reply", "resolve",
    "show", "start", "submit", "transfer",
]
