"""Test-only: kill this process at a named point of the intake path, to prove nothing is lost.

Off unless MINSHENG_TEST_CRASH_AT or MINSHENG_TEST_CRASH_FILE is set when the process starts
(never set either in production). The value, or the file's current content, is a point name,
optionally with the occurrence to die at: "step-saved" or "step-saved:3". The process then
sends itself SIGKILL there, as a power cut or an OOM kill would: no cleanup, no flush. The
file lets a test arm a running process again without restarting it; occurrences count from
the moment it changed.

Points, in the order one message passes them: "update-claimed", "state-read", "step-written",
"step-before-commit", "step-saved" (the step committed), then for a step with commands
"command-started", "case-created", "command-before-commit", "command-done" (committed).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

ENV = "MINSHENG_TEST_CRASH_AT"
FILE_ENV = "MINSHENG_TEST_CRASH_FILE"
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
_armed_from_file = ""
_lock = threading.Lock()


def _armed() -> str:
    global _armed_from_file
    path = os.environ.get(FILE_ENV)
    if not path:
        return os.environ.get(ENV, "")
    try:
        armed = Path(path).read_text().strip()
    except OSError:
        armed = ""
    with _lock:
        if armed != _armed_from_file:
            _armed_from_file = armed
            _seen.clear()
    return armed


# Read once: a message passes a dozen points, and the environment is the process's own.
_ENABLED = bool(os.environ.get(ENV) or os.environ.get(FILE_ENV))


def reached(point: str) -> None:
    if not _ENABLED:
        return
    armed = _armed()
    name, _, nth = armed.partition(":")
    if not armed or name != point:
        return
    with _lock:
        _seen[point] = _seen.get(point, 0) + 1
        if _seen[point] == int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)
