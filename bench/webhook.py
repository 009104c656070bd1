"""The Telegram webhook over real HTTP on loopback: requests/s and latency, offered and saturated.

Run:  .venv/bin/python bench/webhook.py [--workers 2] [--rate 150] [--seconds 15]
      [--concurrency 32] [--reads 100] [--database-url URL]
It starts `minsheng serve --workers N` in webhook mode on a fresh PostgreSQL schema (dropped
afterwards), with the fake Bot API of the end-to-end tests receiving the replies, and posts
each resident's updates — a problem, the contact answer, Confirm — with the secret header.
First at a fixed offered load (`--rate` requests/s, open loop: latency counts from when a
request was due, so a slow server cannot hide its queue), then at saturation (`--concurrency`
clients posting back to back). Each resident's updates go one after the other; the client
holds at most `--concurrency` requests in flight. Then the read side, on the cases those made:
`GET /open311/v2/requests.json` (its default page) and the staff queue `GET /api/v1/cases`,
one request at a time. Every phase prints the server's CPU per request (the `serve` process
and its workers, from /proc), whatever else the machine runs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import httpx
import sqlalchemy as sa
import yaml
from fake_bot_api import FakeBotApi

from case_store import migrate
from case_store.db import make_engine

DEFAULT_URL = os.environ.get(
    "MINSHENG_BENCH_POSTGRES_URL",
    os.environ.get(
        "MINSHENG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
)
TOKEN = "123456:BENCH-token"
SECRET = "bench-webhook-secret"
PATH = "/telegram/webhook"
MINSHENG = os.environ.get("MINSHENG_BENCH_COMMAND", str(Path(sys.executable).with_name("minsheng")))
TEXTS = (
    "幸福里小区3号楼门口的路灯坏了三天了",
    "小区物业不打扫楼道，垃圾堆了一个星期，东湖小区5栋",
    "解放路和人民路路口的红绿灯坏了，车辆乱成一团",
)


class Residents:
    """Each resident's three updates, handed out in order, a resident at a time."""

    def __init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._chats = itertools.count(9_000_000)
        self._ready: list[tuple[int, int]] = []  # (chat, next step)

    def next(self) -> tuple[int, int]:
        return self._ready.pop() if self._ready else (next(self._chats), 0)

    def done(self, chat: int, step: int) -> None:
        if step < 2:
            self._ready.append((chat, step + 1))

    def update(self, chat: int, step: int) -> dict[str, Any]:
        user = {"id": chat, "is_bot": False, "first_name": "Resident", "language_code": "zh"}
        uid = next(self._update_ids)
        if step == 0:
            message = {
                "message_id": uid,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private", "first_name": "Resident"},
                "from": user,
                "text": TEXTS[chat % len(TEXTS)],
            }
            return {"update_id": uid, "message": message}
        query = {
            "id": f"cbq-{uid}",
            "from": user,
            "chat_instance": f"ci-{chat}",
            "data": "ct:y" if step == 1 else "ok",
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
            },
        }
        return {"update_id": uid, "callback_query": query}


async def _post(
    client: httpx.AsyncClient, residents: Residents, latencies: list[float], due: float
) -> int:
    chat, step = residents.next()
    try:
        response = await client.post(
            PATH,
            json=residents.update(chat, step),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        status = response.status_code
    except httpx.TransportError:
        status = 0  # counted as an error, as Telegram would count it (and retry)
    finally:
        residents.done(chat, step)
    latencies.append(time.perf_counter() - due)
    return status


async def offered(base: str, rate: float, seconds: float, bound: int) -> dict[str, Any]:
    residents = Residents()
    latencies: list[float] = []
    statuses: list[int] = []
    gate = asyncio.Semaphore(bound)
    limits = httpx.Limits(max_connections=bound, max_keepalive_connections=bound)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        start = time.perf_counter()
        tasks = []
        for i in range(int(rate * seconds)):
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            await gate.acquire()

            async def one(due: float = due) -> None:
                try:
                    statuses.append(await _post(client, residents, latencies, due))
                finally:
                    gate.release()

            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return _figures(latencies, statuses, elapsed)


async def saturated(base: str, seconds: float, clients: int) -> dict[str, Any]:
    residents = Residents()
    latencies: list[float] = []
    statuses: list[int] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        start = time.perf_counter()
        stop = start + seconds

        async def loop() -> None:
            while time.perf_counter() < stop:
                statuses.append(await _post(client, residents, latencies, time.perf_counter()))

        await asyncio.gather(*(loop() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return _figures(latencies, statuses, elapsed)


def _figures(latencies: list[float], statuses: list[int], elapsed: float) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rps": len(ordered) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "errors": sum(1 for s in statuses if s != 200),
    }


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by `pid` and its child processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
        todo += children.get(current, [])
    return total


async def reads(base: str, path: str, count: int, headers: dict[str, str]) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: list[int] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        start = time.perf_counter()
        for _ in range(count):
            began = time.perf_counter()
            response = await client.get(path, headers=headers)
            latencies.append(time.perf_counter() - began)
            statuses.append(response.status_code)
        elapsed = time.perf_counter() - start
    return _figures(latencies, statuses, elapsed)


def _drained(url: str, timeout: float) -> None:
    engine = make_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                waiting = conn.execute(
                    sa.text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
                ).scalar_one()
            if not waiting:
                return
            time.sleep(0.5)
    finally:
        engine.dispose()


def _staff_token(env: dict[str, str], department: str) -> str:
    out = subprocess.run(
        [MINSHENG, "staff", "add", "--name", "Bench", "--department", department]
        + ["--role", "admin", "--json"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    token: str = json.loads(out)["token"]
    return token


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--rate", type=float, default=150.0, help="offered requests/s")
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--reads", type=int, default=100, help="requests per read endpoint")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()

    schema = f"bench_{secrets.token_hex(4)}"
    admin = make_engine(args.database_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in args.database_url else "?"
    url = f"{args.database_url}{sep}options={quote(f'-csearch_path={schema}')}"
    fake = FakeBotApi(token=TOKEN).start()
    folder = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    port = _free_port()
    process = None
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
        config["webhook"].update(enabled=True, url=f"http://127.0.0.1:{port}{PATH}")
        config["limits"]["new_cases_per_window"] = 1000
        # The fake Bot API is not Telegram: replies go out as fast as they are queued, so the
        # server's CPU per request includes sending them (at Telegram's pace most would be
        # sent after the phase ends, and not be counted).
        config["delivery"]["telegram_per_second"] = 1000
        (folder / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
        env.update(
            MINSHENG_CONFIG=str(folder / "config.yml"),
            MINSHENG_DATABASE_URL=url,
            MINSHENG_TELEGRAM_TOKEN=TOKEN,
            MINSHENG_TELEGRAM_BASE_URL=fake.base_url,
            MINSHENG_TELEGRAM_WEBHOOK_SECRET=SECRET,
        )
        log = (folder / "serve.log").open("w")
        workers = ["--workers", str(args.workers)] if args.workers > 1 else []
        process = subprocess.Popen(
            [MINSHENG, "serve", "--port", str(port), *workers],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"minsheng serve did not start; see {folder / 'serve.log'}")
        asyncio.run(saturated(base, 3.0, 8))  # warm up: NLU, pools, JIT-free caches

        def measured(run: Any) -> dict[str, Any]:
            before = _tree_cpu(process.pid)
            figures: dict[str, Any] = asyncio.run(run)
            figures["cpu_ms"] = (_tree_cpu(process.pid) - before) / max(1, figures["requests"])
            figures["cpu_ms"] *= 1000
            return figures

        at_rate = measured(offered(base, args.rate, args.seconds, args.concurrency))
        at_max = measured(saturated(base, args.seconds, args.concurrency))
        # The read phases start once the load's replies are all sent: the server's CPU is
        # then theirs alone.
        _drained(url, timeout=120)
        department = str(config["departments"][0]["id"])
        bearer = {"Authorization": f"Bearer {_staff_token(env, department)}"}
        open311 = measured(reads(base, "/open311/v2/requests.json", args.reads, {}))
        queue = measured(reads(base, "/api/v1/cases", args.reads, bearer))
        print(f"minsheng serve --workers {args.workers}, webhook over loopback HTTP")
        for name, f in (
            (f"offered {args.rate:g} requests/s", at_rate),
            (f"saturation ({args.concurrency} in flight)", at_max),
            ("GET /open311/v2/requests.json, one at a time", open311),
            ("GET /api/v1/cases (staff queue), one at a time", queue),
        ):
            print(
                f"{name}: {f['rps']:,.0f} requests/s, p50 {f['p50']:.0f} ms, "
                f"p99 {f['p99']:.0f} ms, server CPU {f['cpu_ms']:.1f} ms per request, "
                f"{f['requests']} requests, {f['errors']} errors"
            )
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        fake.stop()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
