"""A send rate shared by every worker process through Redis; a process without Redis (the bot,
`serve`, the webhook) keeps it alone.

Each caller reserves the next free slot (a GCRA-style "theoretical arrival time" kept in one
Redis key) and sleeps until it comes, so N processes together stay under the rate. A 429 from
the channel pushes the next free slot past its retry_after, so every process waits.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

# Redis's own clock is used so that workers on several hosts agree on "now".
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local after = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], after, 'PX', math.floor(after - now + 60000))
return tat - now
"""
_HOLD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = now + tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > tat then redis.call('SET', KEYS[1], until_, 'PX', math.floor(until_ - now + 60000)) end
return 0
"""


class SharedRateLimiter:
    """At most `rate` acquisitions per second across all processes sharing `key`."""

    def __init__(self, redis_client: Any | None, key: str, rate: float) -> None:
        self._redis = redis_client
        self._key = key
        self._interval_ms = max(1, round(1000.0 / rate))
        self._local_lock = threading.Lock()
        self._local_next = 0.0
        self._warned = False
        self._reserve = redis_client.register_script(_RESERVE) if redis_client else None
        self._hold = redis_client.register_script(_HOLD) if redis_client else None

    def acquire(self) -> None:
        """Block until this caller may send one message."""
        wait_ms = self._shared_wait()
        if wait_ms is None:
            wait_ms = self._local_wait()
        if wait_ms > 0:
            time.sleep(wait_ms / 1000.0)

    def hold(self, seconds: float) -> None:
        """The channel said "wait": nobody sends for `seconds`."""
        if self._hold is not None:
            try:
                self._hold(keys=[self._key], args=[int(seconds * 1000)])
                return
            except Exception as exc:
                self._warn(exc)
        with self._local_lock:
            self._local_next = max(self._local_next, time.monotonic() + seconds)

    def _shared_wait(self) -> float | None:
        if self._reserve is None:
            return None
        try:
            wait = float(self._reserve(keys=[self._key], args=[self._interval_ms]))
            self._warned = False
            return wait
        except Exception as exc:
            self._warn(exc)
            return None

    def _local_wait(self) -> float:
        with self._local_lock:
            now = time.monotonic()
            slot = max(now, self._local_next)
            self._local_next = slot + self._interval_ms / 1000.0
            return (slot - now) * 1000.0

    def _warn(self, exc: Exception) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "the shared send rate is unavailable (%s); pacing this process alone",
                type(exc).__name__,
            )
