"""How many messages one process works on at the same moment; the others wait their turn.

Python runs one thread at a time. With a database on the same machine a step waits on it for
well under a millisecond, so a third or fourth thread in the middle of a step adds no work
done, only switches between threads that each hold the interpreter for a moment: measured
with 8 threads per process in two processes on two cores, a message cost 2.5 ms of CPU and
its p99 was 84 ms; with 2 of them working and the rest waiting, 1.45 ms and 31 ms. `limits.steps_at_once` sets the
number; a database across a network leaves more time waiting and is worth a higher one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_KEY = "step_slots"


class StepSlots:
    """A fixed number of slots, handed to waiters first come, first served.

    `threading.Semaphore` lets a thread that just gave its slot back take it again before a
    woken waiter runs; under load some messages then waited 25 s while others went through.
    Here a released slot passes straight to the oldest waiter.
    """

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[threading.Lock] = deque()
        self._mine = threading.local()

    @contextmanager
    def held(self) -> Iterator[None]:
        """One slot for this thread; a thread already in a step does not take a second."""
        if getattr(self._mine, "held", False):
            yield
            return
        self._take()
        self._mine.held = True
        try:
            yield
        finally:
            self._mine.held = False
            self._give_back()

    def _take(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiting.append(gate)
        gate.acquire()  # opened by _give_back, which hands this thread its slot

    def _give_back(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1


def of(app: Any) -> StepSlots:
    """The process's slots, made once per app from its settings."""
    slots = app._cache.get(_KEY)
    if slots is None:
        slots = app._cache.setdefault(_KEY, StepSlots(app.settings.limits.steps_at_once))
    return slots  # type: ignore[no-any-return]
