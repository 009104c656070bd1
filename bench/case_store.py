"""Cases per second through the service layer's submit path, on SQLite and on PostgreSQL.

Run:  .venv/bin/python bench/case_store.py [--count 100000] [--workers 1] [--url POSTGRES_URL]
      [--only sqlite|postgres]

Each case is a real `submission.submit`: one transaction that finds or creates the resident, writes
the case, its `created` and `routed` events and the resident's message, routes it and starts
both SLA clocks. SQLite uses a fresh file in a temporary folder; PostgreSQL a schema of its
own, dropped afterwards. With --workers above 1, that many threads submit at once.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

# Run as a script, this file's folder comes first on the path and its name would hide the
# `case_store` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import sqlalchemy as sa

from case_store import migrate
from case_store.db import make_engine
from minsheng.config.settings import PROJECT_ROOT, load_settings
from minsheng.services.bootstrap import App, bootstrap
from minsheng.services.casework import submission
from minsheng.services.casework.submission import Intake

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SAMPLES = [
    ("幸福里小区3号楼电梯坏了一个星期了，老人上下楼很困难", "housing", "normal", "demand"),
    ("人民路和解放路路口的红绿灯不亮了", "transport", "high", "demand"),
    ("楼下饭店油烟太大，窗户都不敢开", "environment", "normal", "complaint"),
    ("小区停水两天了，什么时候能恢复", "utilities", "high", "demand"),
    ("建议在社区增加老年食堂", "elderly_care", "normal", "suggestion"),
    ("闻到很重的燃气味", "utilities", "urgent", "demand"),
]


def intake(i: int) -> Intake:
    text, domain, urgency, kind = SAMPLES[i % len(SAMPLES)]
    return Intake(
        text=f"{text}（{i}）",
        domain=domain,
        urgency=urgency,
        kind=kind,
        channel="telegram",
        external_id=str(100_000 + i % 5000),
        display_name="居民",
    )


def submit_all(app: App, count: int, workers: int) -> float:
    next_index = iter(range(count))
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            submission.submit(app, intake(i))

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def run(name: str, url: str, count: int, workers: int) -> None:
    settings = load_settings(PROJECT_ROOT / "config.yml", env={"MINSHENG_DATABASE_URL": url})
    engine = (
        make_engine(url, pool_size=max(5, workers), max_overflow=0)
        if not url.startswith("sqlite")
        else make_engine(url)
    )
    app = bootstrap(settings, engine=engine)
    migrate.upgrade(app.engine)
    app.calendar  # load the calendar files before the clock starts  # noqa: B018
    elapsed = submit_all(app, count, workers)
    with app.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
        events = conn.execute(sa.text("SELECT count(*) FROM case_events")).scalar_one()
    app.dispose()
    print(
        f"{name}: {count / elapsed:,.0f} cases/s ({stored:,} cases and {events:,} events "
        f"in {elapsed:.1f} s, {workers} worker(s))",
        flush=True,
    )


def run_postgres(server: str, count: int, workers: int) -> None:
    schema = f"bench_cases_{secrets.token_hex(4)}"
    admin = make_engine(server)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in server else "?"
        run(
            "PostgreSQL", f"{server}{sep}options={quote(f'-csearch_path={schema}')}", count, workers
        )
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--url", default=os.environ.get("MINSHENG_TEST_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if args.only != "postgres":
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", args.count, args.workers)
    if args.only != "sqlite":
        run_postgres(args.url, args.count, args.workers)


if __name__ == "__main__":
    main()
