"""Real Redis, real Celery worker and beat processes, and a local fake Bot API.

Tests use a Redis database other than 0 (MINSHENG_TEST_REDIS_URL, default db 15) with a Celery
queue of their own, deleted afterwards, so test runs sharing that Redis never meet; the test
that stops Redis runs a private redis-server on a free port.
"""

from __future__ import annotations

import collections
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "e2e"))
from fake_bot_api import FakeBotApi

PROJECT = Path(__file__).resolve().parents[3]
COMMAND = Path(sys.executable).with_name("minsheng")
TOKEN = "123456:TEST-token"
REDIS_URL = os.environ.get("MINSHENG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _unavailable(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    root = request.config.pluginmanager.get_plugin(str(PROJECT / "tests" / "conftest.py"))
    return root.service_unavailable  # type: ignore[no-any-return,union-attr]


class BotApi(FakeBotApi):
    """The fake Bot API, able to take its time over each send and to enforce a send rate
    (429 with retry_after when more than `rate` messages came in the last second)."""

    def __init__(self, *, delay: float = 0.0, rate: int | None = None) -> None:
        super().__init__(token=TOKEN)
        self.delay = delay
        self.rate = rate
        self.received: list[tuple[str, float]] = []  # (text, monotonic time) at arrival
        self.in_progress: collections.Counter[str] = collections.Counter()
        self.refused_429 = 0
        self._window: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def _dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method != "sendMessage":
            return super()._dispatch(method, params)
        text = str(params.get("text", ""))
        with self._lock:
            if self.rate is not None:
                now = time.monotonic()
                while self._window and self._window[0] <= now - 1.0:
                    self._window.popleft()
                if len(self._window) >= self.rate:
                    self.refused_429 += 1
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    }
                self._window.append(now)
            self.received.append((text, time.monotonic()))
            self.in_progress[text] += 1
        try:
            if self.delay:
                time.sleep(self.delay)
            return super()._dispatch(method, params)
        finally:
            with self._lock:
                self.in_progress[text] -= 1

    def delivered(self) -> collections.Counter[str]:
        """How many times each text was accepted (sent and answered with ok)."""
        return collections.Counter(
            c.text for c in self.calls_of("sendMessage") if "_error" not in c.params
        )

    def arrived_before(self, moment: float) -> set[str]:
        with self._lock:
            return {text for text, at in self.received if at <= moment}

    def unfinished(self) -> set[str]:
        with self._lock:
            return {text for text, n in self.in_progress.items() if n > 0}


class Process:
    """One `minsheng` process in its own session, so kill -9 takes its pool children too."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.log = log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(
            [str(COMMAND), *args],
            env=env,
            cwd=PROJECT,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # Only one C call runs between fork and exec.
            preexec_fn=_end_with_parent,
        )

    def kill9(self) -> None:
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()
        # The pool's children may outlive a warm shutdown cut short: end the whole session.
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._out.close()

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 30.0, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.text().count(needle) >= count:
                return
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.args[0]} exited:\n{self.text()[-3000:]}")
            time.sleep(0.1)
        raise AssertionError(f"no {needle!r} in the {self.args[0]} log:\n{self.text()[-3000:]}")


_PRCTL = ctypes.CDLL(None, use_errno=True).prctl
_PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """Ask Linux to stop the child (warmly) if the test process dies without cleaning up."""
    _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


def new_queue() -> str:
    return f"minsheng-test-{secrets.token_hex(4)}"


def drop_queue(redis_url: str, queue: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        client.delete(queue, f"_kombu.binding.{queue}")
    except redis.RedisError:
        pass
    finally:
        client.close()


STALE_CLAIM_S = 15


def short_claim_config(folder: Path) -> Path:
    """The shipped config with a short stale-claim time, so a takeover test waits seconds."""
    data = yaml.safe_load((PROJECT / "config.yml").read_text(encoding="utf-8"))
    data.setdefault("delivery", {})["stale_claim_seconds"] = STALE_CLAIM_S
    path = folder / "config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


class Stack:
    """Starts worker and beat processes against one database, one Redis and one fake Bot API."""

    def __init__(self, database_url: str, redis_url: str, fake: BotApi, logs: Path) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.fake = fake
        self.logs = logs
        self.queue = new_queue()
        self.processes: list[Process] = []
        self.config = short_claim_config(logs)
        self.stale_claim_seconds = STALE_CLAIM_S

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
        env.update(
            MINSHENG_DATABASE_URL=self.database_url,
            MINSHENG_REDIS_URL=self.redis_url,
            MINSHENG_TELEGRAM_TOKEN=TOKEN,
            MINSHENG_TELEGRAM_BASE_URL=self.fake.base_url,
            MINSHENG_CONFIG=str(self.config),
        )
        return env

    def start(self, kind: str, *args: str) -> Process:
        process = Process(
            [kind, "--queue", self.queue, *args],
            self.env,
            self.logs / f"{kind}-{len(self.processes)}.log",
        )
        self.processes.append(process)
        process.wait_for_log("ready." if kind == "worker" else "beat: Starting", timeout=60)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            process.stop()
        drop_queue(self.redis_url, self.queue)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """A redis-server of our own, which a test may stop and start again (no persistence)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/3"

    def start(self) -> None:
        self.popen = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_redis(self.url)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(10)
        self.popen = None


def _wait_for_redis(url: str, timeout: float = 10.0) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
        finally:
            client.close()


@pytest.fixture
def shared_redis(request: pytest.FixtureRequest) -> str:
    """MINSHENG_TEST_REDIS_URL (never db 0); each test keeps to queues and keys of its own."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(request)("Redis", type(exc).__name__)
    finally:
        client.close()
    if client.connection_pool.connection_kwargs.get("db", 0) == 0:
        pytest.fail("MINSHENG_TEST_REDIS_URL must name a Redis database other than 0")
    return REDIS_URL


@pytest.fixture
def test_queue(shared_redis: str) -> Iterator[str]:
    """A Celery queue name no other test run uses, deleted afterwards."""
    queue = new_queue()
    yield queue
    drop_queue(shared_redis, queue)


@pytest.fixture
def private_redis(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        _unavailable(request)("redis-server", "not installed")
    server = PrivateRedis(tmp_path / "redis")
    server.directory.mkdir()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bot_api() -> Iterator[Callable[..., BotApi]]:
    started: list[BotApi] = []

    def start(**kwargs: Any) -> BotApi:
        fake = BotApi(**kwargs).start()
        assert isinstance(fake, BotApi)
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def stack_factory(tmp_path: Path) -> Iterator[Callable[[str, str, BotApi], Stack]]:
    stacks: list[Stack] = []

    def make(database_url: str, redis_url: str, fake: BotApi) -> Stack:
        stack = Stack(database_url, redis_url, fake, tmp_path)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop_all()
