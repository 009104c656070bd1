"""Test-only: kill this process at a named point of the intake path, to prove nothing is lost.

Off unless MINSHENG_TEST_CRASH_AT is set (never set it in production). Its value is a point
name, optionally with the occurrence to die at: "step-saved" or "step-saved:3". The process
then sends itself SIGKILL there, as a power cut or an OOM kill would: no cleanup, no flush.

Points, in the order one message passes them: "update-claimed", "state-read", "step-written",
"step-before-commit", "step-saved" (the step committed), then for a step with commands
"command-started", "case-created", "command-before-commit", "command-done" (committed).
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "MINSHENG_TEST_CRASH_AT"
POINTS = (
    "update-claimed",
    "state-read",
    "step-written",
    "step-before-commit",
    "step-saved",
    "command-started",
    "case-created",
    "command-before-commit",
    "command-done",
)

_seen: dict[str, int] = {}
_lock = threading.Lock()


def reached(point: str) -> None:
    armed = os.environ.get(ENV)
    if not armed:
        return
    name, _, nth = armed.partition(":")
    if name != point:
        return
    with _lock:
        _seen[point] = _seen.get(point, 0) + 1
        if _seen[point] == int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)
