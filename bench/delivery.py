"""10,000 queued notifications drained by real Celery workers through a rate-limited Bot API.

Run:  .venv/bin/python bench/delivery.py [--count 10000] [--workers 2] [--concurrency 2]
      [--send-rate 28] [--redis-url redis://127.0.0.1:6379/14] [--database-url URL]

The fake Bot API (tests/e2e/fake_bot_api.py) enforces Telegram's limit of 30 messages a
second with 429 answers carrying retry_after. The notifications are committed to the outbox
first; then one `minsheng beat` (whose relay queues the deliveries) and --workers
`minsheng worker` processes start, and the clock runs until every row is sent. It prints how
many messages were lost (never accepted by the fake) and duplicated (accepted more than once),
the 429s met and the time taken. The Redis database named is flushed before and after; use
one nothing else uses. Without --database-url, SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(PROJECT / "tests" / "e2e"))

import redis
from fake_bot_api import FakeBotApi
from sqlalchemy import func, select

from case_store import migrate
from case_store.models import OutboxMessage
from minsheng.config.settings import load_settings
from minsheng.services.bootstrap import App, bootstrap
from minsheng.services.messaging import outbox

TOKEN = "123456:BENCH-token"
LIMIT_PER_S = 30


class LimitedBotApi(FakeBotApi):
    """Accepts at most LIMIT_PER_S sendMessage calls in any one second; 429 beyond that."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN)
        self.refused = 0
        self._window: collections.deque[float] = collections.deque()
        self._gate = threading.Lock()

    def _dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage":
            with self._gate:
                now = time.monotonic()
                while self._window and self._window[0] <= now - 1.0:
                    self._window.popleft()
                if len(self._window) >= LIMIT_PER_S:
                    self.refused += 1
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    }
                self._window.append(now)
        return super()._dispatch(method, params)


def queue_notifications(app: App, count: int) -> None:
    now = app.now()
    with app.uow() as uow:
        for i in range(count):
            outbox.enqueue(
                uow.session,
                key=f"bench:{i}",
                channel="telegram",
                recipient=str(100_000 + i % 2000),
                payload={
                    "type": "accepted",
                    "reference": None,
                    "text": f"notification {i}",
                    "buttons": [],
                },
                now=now,
            )
        uow.commit()


def unsent(app: App) -> int:
    with app.uow() as uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != "sent")
            )
            or 0
        )


def start(kind: str, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("minsheng")), kind, *args],
        env=env,
        cwd=PROJECT,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
            process.wait(wait)
            return
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--send-rate", type=float, default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--database-url")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    flush = redis.Redis.from_url(args.redis_url)
    if flush.connection_pool.connection_kwargs.get("db", 0) == 0:
        parser.error("--redis-url must name a Redis database other than 0")
    flush.flushdb()
    folder = Path(tempfile.mkdtemp(prefix="minsheng-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    app = bootstrap(
        load_settings(PROJECT / "config.yml", env={}).model_copy(update={"database_url": url})
    )
    migrate.upgrade(app.engine)
    queue_notifications(app, args.count)
    fake = LimitedBotApi().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update(
        MINSHENG_DATABASE_URL=url,
        MINSHENG_REDIS_URL=args.redis_url,
        MINSHENG_TELEGRAM_TOKEN=TOKEN,
        MINSHENG_TELEGRAM_BASE_URL=fake.base_url,
    )
    worker_args = ["--concurrency", str(args.concurrency), "--loglevel", "WARNING"]
    if args.send_rate:
        worker_args += ["--send-rate", str(args.send_rate)]
    print(
        f"{args.count} notifications queued; {args.workers} worker(s) x {args.concurrency} "
        f"process(es); the fake Bot API accepts {LIMIT_PER_S}/s",
        flush=True,
    )

    started = time.monotonic()
    processes = [start("beat", ["--loglevel", "WARNING"], env, folder / "beat.log")]
    processes += [
        start("worker", worker_args, env, folder / f"worker-{i}.log") for i in range(args.workers)
    ]
    try:
        while unsent(app) and time.monotonic() - started < args.timeout:
            time.sleep(1.0)
        elapsed = time.monotonic() - started
    finally:
        for process in processes:
            stop(process)
        fake.stop()
        flush.flushdb()

    accepted = collections.Counter(
        c.text for c in fake.calls_of("sendMessage") if "_error" not in c.params
    )
    expected = {f"notification {i}" for i in range(args.count)}
    lost = len(expected - set(accepted))
    duplicated = sum(1 for text in expected if accepted[text] > 1)
    print(f"sent:        {sum(accepted.values())}")
    print(f"lost:        {lost}")
    print(f"duplicated:  {duplicated}")
    print(f"429 answers: {fake.refused}")
    print(
        f"time:        {elapsed:.1f} s from starting the processes "
        f"({args.count / elapsed:.1f} messages/s)"
    )
    print(f"logs:        {folder}")
    app.dispose()
    return 0 if lost == 0 and duplicated == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
