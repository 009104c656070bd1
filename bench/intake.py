"""Simulated residents through the full intake at once: messages/s and latency per message.

Run:  .venv/bin/python bench/intake.py [--residents 10000] [--workers 64] [--processes 1]
      [--database-url URL]
Each resident writes a problem, answers the contact question and taps Confirm (urgent ones get
their case at once), through minsheng.services.residents.conversation.handle_inbound with the shipped NLU. By
default it works in a fresh schema of the PostgreSQL server named by MINSHENG_BENCH_POSTGRES_URL
(or the test server), dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and bench/nlu.py would shadow the
# nlu package that the service layer imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import sqlalchemy as sa

from case_store import migrate
from case_store.db import make_engine
from minsheng.config.settings import PROJECT_ROOT, load_settings
from minsheng.services.bootstrap import App, bootstrap
from minsheng.services.residents.conversation import Inbound, handle_inbound

DEFAULT_URL = os.environ.get(
    "MINSHENG_BENCH_POSTGRES_URL",
    os.environ.get(
        "MINSHENG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
)
MESSAGES = (
    "幸福里小区3号楼门口的路灯坏了三天了",
    "学校食堂饭菜不卫生，孩子吃了拉肚子",
    "The street light outside Building 3 of Xingfuli Estate has been broken for three days",
    "解放路和人民路路口的红绿灯坏了，车辆乱成一团",
    "我家厨房有很浓的煤气味",
    "小区物业不打扫楼道，垃圾堆了一个星期",
    "my pension has not been paid for two months",
    "楼下烧烤店每天晚上吵到凌晨两点，东湖小区5栋",
)


def one_resident(app: App, n: int, latencies: list[float], lock: threading.Lock) -> int:
    """Drive one intake to a case; returns the messages sent."""
    chat = f"bench-{n}"
    update = 0
    replies = None

    def send(**fields: object) -> list[object]:
        nonlocal update
        update += 1
        started = time.perf_counter()
        out = handle_inbound(
            app, Inbound(channel="bench", chat_id=chat, update_id=f"{chat}:{update}", **fields)
        )  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
        return list(out)

    replies = send(text=MESSAGES[n % len(MESSAGES)])
    for _ in range(6):  # answer whatever is asked until the reference arrives
        last = replies[-1] if replies else None
        if last is None or "MS-" in last.text:  # type: ignore[attr-defined]
            break
        data = [b.data for row in last.buttons for b in row]  # type: ignore[attr-defined]
        if "ct:y" in data:
            replies = send(callback_data="ct:y")
        elif "ok" in data:
            replies = send(callback_data="ok")
        elif any(d.startswith("d:") for d in data):
            replies = send(callback_data="d:other")
        else:
            replies = send(text="幸福里小区3号楼")
    return update


def _fresh_schema(url: str) -> tuple[str, str]:
    schema = f"bench_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return schema, f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


def _drive(url: str, first: int, count: int, workers: int) -> tuple[int, list[float]]:
    """One bot process: its own engine and NLU, residents first..first+count."""
    settings = load_settings(PROJECT_ROOT / "config.yml", env={}).model_copy(
        update={"database_url": url}
    )
    app = bootstrap(settings, engine=make_engine(url, pool_size=workers, max_overflow=8))
    try:
        app.nlu.parse("预热")
        latencies: list[float] = []
        lock = threading.Lock()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            sent = sum(
                pool.map(
                    lambda n: one_resident(app, n, latencies, lock), range(first, first + count)
                )
            )
        return sent, latencies
    finally:
        app.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=64, help="threads per process")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="bot processes sharing the database, as replicas would",
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the bench schema")
    args = parser.parse_args()

    schema, url = _fresh_schema(args.database_url)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        share = -(-args.residents // args.processes)
        slices = [
            (i * share, min(share, args.residents - i * share))
            for i in range(args.processes)
            if args.residents - i * share > 0
        ]
        started = time.perf_counter()
        if args.processes == 1:
            results = [_drive(url, slices[0][0], slices[0][1], args.workers)]
        else:
            import multiprocessing

            with multiprocessing.get_context("spawn").Pool(len(slices)) as pool:
                results = pool.starmap(
                    _drive, [(url, first, count, args.workers) for first, count in slices]
                )
        elapsed = time.perf_counter() - started
        sent = sum(r[0] for r in results)
        ordered = sorted(x for r in results for x in r[1])
        with engine.connect() as conn:
            created = conn.execute(sa.text("select count(*) from cases")).scalar_one()
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"{args.residents} residents, {args.processes} process(es) x {args.workers} "
            f"threads, {sent} messages in {elapsed:.1f} s; {created} cases created"
        )
        print(f"throughput: {sent / elapsed:,.0f} messages/s")
        print(
            f"latency per message: median {statistics.median(ordered) * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms"
        )
    finally:
        engine.dispose()
        if not args.keep:
            admin = make_engine(args.database_url)
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
