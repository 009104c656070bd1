"""Simulated residents through the full intake at once: messages/s and latency per message.

Run:  .venv/bin/python bench/intake.py [--residents 10000] [--workers 64] [--processes 1]
      [--database-url URL] [--floor] [--profile] [--seed-cases N --seed-residents N]
Each resident writes a problem, answers the contact question and taps Confirm (urgent ones get
their case at once), through minsheng.services.residents.conversation.handle_inbound with the shipped NLU. By
default it works in a fresh schema of the PostgreSQL server named by MINSHENG_BENCH_POSTGRES_URL
(or the test server), dropped afterwards.

Besides messages/s and latency it prints the SQL statements and transactions per message
(counted by engine event listeners), per kind of step, and where the time went: NLU,
dialogue engine, database (statement execution and commits) and everything else. `--profile`
also writes a cProfile of the first process to bench/_profile/ (not committed). `--floor`
measures, in the same run, what raw psycopg does with the same threads: one transaction of
five statements per "message", the floor any ORM or service code stands on.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import re
import secrets
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on sys.path, and bench/nlu.py would shadow the
# nlu package that the service layer imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import sqlalchemy as sa

import bot.dialogue
from case_store import migrate
from case_store.db import make_engine
from minsheng.config.settings import PROJECT_ROOT, load_settings
from minsheng.services.bootstrap import App, bootstrap
from minsheng.services.casework import staff_actions
from minsheng.services.residents import conversation, step_slots
from minsheng.services.residents.conversation import Inbound, handle_inbound

DEFAULT_URL = os.environ.get(
    "MINSHENG_BENCH_POSTGRES_URL",
    os.environ.get(
        "MINSHENG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
)
PROFILE_DIR = Path(__file__).resolve().parent / "_profile"
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


class Meter:
    """Statements, transactions and time per thread, summed at the end (no lock per event)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def mine(self) -> dict[str, Any]:
        d = getattr(self._local, "d", None)
        if d is None:
            d = {"counts": Counter(), "times": Counter(), "kinds": Counter(), "t0": 0.0}
            self._local.d = d
            with self._lock:
                self._all.append(d)
        return d

    def attach(self, engine: sa.Engine) -> None:
        def before(*_: Any) -> None:
            d = self.mine()
            d["counts"]["statements"] += 1
            d["t0"] = time.perf_counter()

        def after(*_: Any) -> None:
            d = self.mine()
            d["times"]["database"] += time.perf_counter() - d["t0"]

        def commit(_: Any) -> None:
            self.mine()["counts"]["transactions"] += 1

        def rollback(_: Any) -> None:
            self.mine()["counts"]["rollbacks"] += 1

        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        sa.event.listen(engine, "commit", commit)
        sa.event.listen(engine, "rollback", rollback)

    def timed(self, name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.mine()["times"][name] += time.perf_counter() - started

        return wrapper

    def totals(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {"counts": Counter(), "times": Counter(), "kinds": Counter()}
        for d in self._all:
            for key in out:
                out[key].update(d[key])
        return out


METER = Meter()


OPTIONS: dict[str, Any] = {}
RATE = bool(os.environ.get("BENCH_RATE"))  # set by --rate, read by each spawned process


def one_resident(app: App, n: int, latencies: list[float], lock: threading.Lock) -> int:
    """Drive one intake to a case; returns the messages sent."""
    chat = f"bench-{n}"
    update = 0
    replies = None

    def send(kind: str, **fields: object) -> list[object]:
        nonlocal update
        update += 1
        mine = METER.mine()
        before = mine["counts"]["statements"], mine["counts"]["transactions"]
        started = time.perf_counter()
        out = handle_inbound(
            app,
            Inbound(channel="bench", chat_id=chat, update_id=f"{chat}:{update}", **fields),  # type: ignore[arg-type]
            **OPTIONS,
        )
        elapsed = time.perf_counter() - started
        mine["times"]["total"] += elapsed
        mine["kinds"][f"{kind} messages"] += 1
        mine["kinds"][f"{kind} statements"] += mine["counts"]["statements"] - before[0]
        mine["kinds"][f"{kind} transactions"] += mine["counts"]["transactions"] - before[1]
        with lock:
            latencies.append(elapsed)
        return list(out)

    replies = send("describe", text=MESSAGES[n % len(MESSAGES)])
    for _ in range(6):  # answer whatever is asked until the reference arrives
        last = replies[-1] if replies else None
        if last is None or "MS-" in last.text:  # type: ignore[attr-defined]
            break
        data = [b.data for row in last.buttons for b in row]  # type: ignore[attr-defined]
        if "ct:y" in data:
            replies = send("consent", callback_data="ct:y")
        elif "ok" in data:
            replies = send("confirm", callback_data="ok")
        elif any(d.startswith("d:") for d in data):
            replies = send("domain", callback_data="d:other")
        else:
            replies = send("location", text="幸福里小区3号楼")
    if RATE:
        # Staff resolve the case (not counted), then the resident taps a score.
        found = REFERENCE.search(" ".join(r.text for r in replies))  # type: ignore[attr-defined]
        if found is not None:
            mine = METER.mine()
            kept = {k: Counter(mine[k]) for k in ("counts", "times")}
            staff_actions.resolve(app, found.group(0), note="已处理")
            for k, counter in kept.items():  # the staff's share is not a message's
                mine[k].clear()
                mine[k].update(counter)
            send("rate", callback_data=f"rate:{found.group(0)}:5")
    return update


REFERENCE = re.compile(r"MS-\d{4}-[0-9A-Z]{6}")


def _fresh_schema(url: str) -> tuple[str, str]:
    schema = f"bench_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return schema, f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


def _drive(
    url: str, first: int, count: int, workers: int, profile: bool, outbox: bool = False
) -> tuple[int, list[float], dict[str, Counter[str]]]:
    """One bot process: its own engine and NLU, residents first..first+count."""
    if outbox:
        OPTIONS["via_outbox"] = True
    settings = load_settings(PROJECT_ROOT / "config.yml", env={})
    update: dict[str, Any] = {"database_url": url}
    if os.environ.get("BENCH_STEPS_AT_ONCE"):
        steps = int(os.environ["BENCH_STEPS_AT_ONCE"])
        update["limits"] = settings.limits.model_copy(update={"steps_at_once": steps})
    settings = settings.model_copy(update=update)
    engine = make_engine(url, pool_size=workers, max_overflow=8)
    METER.attach(engine)
    app = bootstrap(settings, engine=engine)
    # CPU time, not wall time: waits on the server are not ours to optimise here.
    profiler = cProfile.Profile(time.process_time) if profile and first == 0 else None
    try:
        app.nlu.parse("预热")
        nlu = app.nlu
        nlu.parse = METER.timed("nlu", nlu.parse)
        conversation.dialogue.handle = METER.timed("dialogue", bot.dialogue.handle)  # type: ignore[attr-defined]
        conversation.dialogue.after = METER.timed("dialogue", bot.dialogue.after)  # type: ignore[attr-defined]
        # Waiting for one of the process's slots (limits.steps_at_once) is queueing, not work.
        step_slots.StepSlots._take = METER.timed("turn", step_slots.StepSlots._take)  # type: ignore[method-assign]
        latencies: list[float] = []
        lock = threading.Lock()
        if profiler is not None:
            # cProfile sees one thread: profile a few residents alone before the crowd.
            profiler.enable()
            for n in range(first, first + min(count, 400)):
                one_resident(app, n + 10_000_000, [], lock)
            profiler.disable()
            PROFILE_DIR.mkdir(exist_ok=True)
            profiler.dump_stats(PROFILE_DIR / "intake.prof")
        before = METER.totals()
        cpu = time.process_time()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            sent = sum(
                pool.map(
                    lambda n: one_resident(app, n, latencies, lock), range(first, first + count)
                )
            )
        cpu = time.process_time() - cpu
        after = METER.totals()
        for key in after:
            after[key].subtract(before[key])
        after["times"]["cpu"] = cpu
        return sent, latencies, after
    finally:
        app.dispose()


FLOOR_SQL = (
    "CREATE TABLE IF NOT EXISTS floor_probe (id bigserial PRIMARY KEY, chat text, n int, body text)"
)


def _floor(url: str, threads: int, seconds: float = 5.0) -> tuple[float, float, float]:
    """Raw psycopg: transactions of 5 statements (3 reads, 2 writes) for `seconds`."""
    import psycopg

    raw = sa.engine.make_url(url).set(drivername="postgresql")
    dsn = raw.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(FLOOR_SQL)
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def loop(t: int) -> None:
        mine: list[float] = []
        with psycopg.connect(dsn) as conn:
            n = 0
            while time.perf_counter() < stop:
                n += 1
                started = time.perf_counter()
                with conn.transaction():
                    conn.execute("SELECT 1 WHERE %s IS NOT NULL", (t,))
                    conn.execute("SELECT count(*) FROM floor_probe WHERE id = %s", (n,))
                    row = conn.execute(
                        "INSERT INTO floor_probe (chat, n, body) VALUES (%s, %s, %s) RETURNING id",
                        (f"c{t}", n, "x" * 200),
                    ).fetchone()
                    conn.execute("UPDATE floor_probe SET n = n + 1 WHERE id = %s", (row[0],))
                    conn.execute("SELECT body FROM floor_probe WHERE id = %s", (row[0],))
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=loop, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(ordered) / elapsed, statistics.median(ordered), p99


def _seed(url: str, cases: int, residents: int) -> None:
    """Existing load: `residents` residents and `cases` closed cases spread among them."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO residents (channel, external_id, display_name, language, "
                "deliverable, created_at) SELECT 'seed', 'seed-' || g, NULL, 'zh', true, now() "
                "FROM generate_series(1, :n) g"
            ),
            {"n": residents},
        )
        conn.execute(
            sa.text(
                "INSERT INTO cases (reference, access_token, resident_id, channel, language, "
                "domain, urgency, kind, description, details, department, status, "
                "identity_withdrawn, escalated, bounce_count, resolution_round, "
                "resolution_provisional, created_at, updated_at, closed_at, version) "
                "SELECT 'MS-S' || lpad(g::text, 9, '0'), md5(g::text) || md5('t' || g), "
                "r.id, 'seed', 'zh', 'other', 'normal', 'demand', 'seeded case', '{}', "
                "'dept_general', 'closed', false, false, 0, 1, false, "
                "now() - (g || ' seconds')::interval, now(), now(), 1 "
                "FROM generate_series(1, :n) g "
                "JOIN residents r ON r.channel = 'seed' AND r.external_id = "
                "'seed-' || (1 + g % :r)"
            ),
            {"n": cases, "r": residents},
        )
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()


def _per_message(totals: dict[str, Counter[str]], sent: int) -> None:
    counts, times, kinds = totals["counts"], totals["times"], totals["kinds"]
    print(f"statements per message: {counts['statements'] / sent:.2f}")
    print(
        f"transactions per message: {counts['transactions'] / sent:.2f} "
        f"(rollbacks {counts['rollbacks'] / sent:.2f})"
    )
    for kind in ("describe", "location", "consent", "domain", "confirm", "rate"):
        n = kinds[f"{kind} messages"]
        if n:
            print(
                f"  {kind:9s} {kinds[f'{kind} statements'] / n:5.2f} statements, "
                f"{kinds[f'{kind} transactions'] / n:4.2f} transactions per message ({n})"
            )
    # Python CPU of the bot processes (user + system), whatever the machine runs beside them.
    print(f"bot-process CPU per message: {times['cpu'] / sent * 1000:.2f} ms")
    total = times["total"] or 1.0
    nlu, dia, db, turn = times["nlu"], times["dialogue"], times["database"], times["turn"]
    other = max(0.0, total - nlu - dia - db - turn)
    parts = (
        ("waiting its turn", turn),
        ("NLU", nlu),
        ("dialogue", dia),
        ("database", db),
        ("other", other),
    )
    print(
        "time per message: "
        + ", ".join(
            f"{name} {value / sent * 1000:.2f} ms ({value / total:.0%})" for name, value in parts
        )
    )


def _postgres_cpu() -> float | None:
    """CPU seconds used so far by a PostgreSQL server on this machine: its live processes,
    plus what the postmaster has collected from backends that have exited. None when no
    server process can be read (the database runs elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, found = 0.0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        if not head.endswith("(postgres"):
            continue
        fields = tail.split()
        found = True
        total += (int(fields[11]) + int(fields[12])) / ticks
        try:
            parent = (Path("/proc") / fields[1] / "stat").read_text()
        except OSError:
            parent = ""
        if "(postgres)" not in parent:  # the postmaster
            total += (int(fields[13]) + int(fields[14])) / ticks
    return total if found else None


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
    parser.add_argument("--floor", action="store_true", help="also measure raw psycopg")
    parser.add_argument("--profile", action="store_true", help="cProfile into bench/_profile/")
    parser.add_argument(
        "--outbox",
        action="store_true",
        help="queue the replies in the outbox as the Telegram channel does",
    )
    parser.add_argument(
        "--rate",
        action="store_true",
        help="staff then resolve each case and its resident taps a score (counted as `rate`)",
    )
    parser.add_argument(
        "--steps-at-once",
        type=int,
        default=None,
        help="messages a process works on at once (default: limits.steps_at_once of config.yml)",
    )
    parser.add_argument("--seed-cases", type=int, default=0, help="existing cases first")
    parser.add_argument("--seed-residents", type=int, default=0, help="existing residents first")
    args = parser.parse_args()
    if args.rate:
        os.environ["BENCH_RATE"] = "1"  # the spawned bot processes read it
    if args.steps_at_once is not None:
        os.environ["BENCH_STEPS_AT_ONCE"] = str(args.steps_at_once)

    schema, url = _fresh_schema(args.database_url)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        if args.seed_cases or args.seed_residents:
            seeded = time.perf_counter()
            _seed(url, args.seed_cases, max(1, args.seed_residents))
            print(
                f"seeded {args.seed_cases} cases, {args.seed_residents} residents "
                f"in {time.perf_counter() - seeded:.0f} s"
            )
        share = -(-args.residents // args.processes)
        slices = [
            (i * share, min(share, args.residents - i * share))
            for i in range(args.processes)
            if args.residents - i * share > 0
        ]
        server_before = _postgres_cpu()
        started = time.perf_counter()
        if args.processes == 1:
            results = [
                _drive(url, slices[0][0], slices[0][1], args.workers, args.profile, args.outbox)
            ]
        else:
            import multiprocessing

            with multiprocessing.get_context("spawn").Pool(len(slices)) as pool:
                results = pool.starmap(
                    _drive,
                    [
                        (url, first, count, args.workers, args.profile, args.outbox)
                        for first, count in slices
                    ],
                )
        elapsed = time.perf_counter() - started
        server_after = _postgres_cpu()
        sent = sum(r[0] for r in results)
        ordered = sorted(x for r in results for x in r[1])
        totals: dict[str, Counter[str]] = {
            "counts": Counter(),
            "times": Counter(),
            "kinds": Counter(),
        }
        for r in results:
            for key in totals:
                totals[key].update(r[2][key])
        with engine.connect() as conn:
            created = conn.execute(
                sa.text("select count(*) from cases where channel = 'bench'")
            ).scalar_one()
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"{args.residents} residents, {args.processes} process(es) x {args.workers} "
            f"threads, {sent} messages in {elapsed:.1f} s; {created} cases created"
        )
        print(f"throughput: {sent / elapsed:,.0f} messages/s")
        print(
            f"latency per message: median {statistics.median(ordered) * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms, p99.9 {ordered[int(len(ordered) * 0.999)] * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms, mean {statistics.fmean(ordered) * 1000:.1f} ms"
        )
        _per_message(totals, sent)
        if server_before is not None and server_after is not None:
            server = (server_after - server_before) / sent * 1000
            print(f"database-server CPU per message: {server:.2f} ms (PostgreSQL on this machine)")
        if args.profile:
            print(f"profile: {PROFILE_DIR / 'intake.prof'}")
        if args.floor:
            tps, median, p99f = _floor(url, args.processes * args.workers)
            print(
                f"floor (raw psycopg, 5-statement transactions, {args.processes * args.workers} "
                f"threads): {tps:,.0f} transactions/s, median {median * 1000:.1f} ms, "
                f"p99 {p99f * 1000:.1f} ms"
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
