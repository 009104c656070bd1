"""The SLA sweep over a large PostgreSQL case table, and deadline computations per second.

Run:  .venv/bin/python bench/sla.py [--count 1000000] [--url POSTGRES_URL]

Creates --count open cases in a schema of its own (dropped afterwards) with a realistic
spread of clocks: cases opened over the last 60 days, the 50 % / 80 % resolution warnings and
the breach at 21, 33.6 and 42 days, one in ten with a first-response clock, and about 0.5 %
with an alert due now (most a 50 % warning, some an 80 % warning or a breach, their earlier
alerts already raised). Then times one sweep (target: at most 1 s) and prints what it did,
apart from the once-a-day provisional-deadline check, which it times on its own.
The URL defaults to $MINSHENG_TEST_POSTGRES_URL, else postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

# Run as a script, this folder comes first on the path, and bench/case_store.py would hide
# the `case_store` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import sqlalchemy as sa

from case_store import migrate
from case_store.db import make_engine
from minsheng.config.settings import PROJECT_ROOT, load_settings
from minsheng.services.bootstrap import bootstrap
from minsheng.services.sla import provisional, sweep
from routing.calendar import working_day_deadline

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DUE_EVERY = 200  # one case in 200 (0.5 %) has an alert due now

# All times derive from :now. Row i is due now when i % DUE_EVERY = 0; of those,
# (i / DUE_EVERY) % 20 picks which alert: 0–11 the 50 % warning, 12–16 the 80 % warning,
# 17–19 the breach; it fell due `late` ago (0–49 minutes).
FILL_CASES = """
INSERT INTO cases (reference, access_token, channel, language, domain, urgency, kind,
    description, details, department, status, identity_withdrawn, escalated, bounce_count,
    resolution_round, created_at, updated_at, routed_at, first_response_due_at,
    first_responded_at, resolution_started_at, resolution_due_at, resolution_provisional,
    next_due_at, version)
SELECT 'B' || lpad(to_hex(i), 10, '0'), md5(i::text), 'telegram', 'zh', d.domain,
    CASE WHEN i % 10 = 1 THEN 'high' ELSE 'normal' END, 'demand',
    '小区路灯不亮，晚上出行不便', '{"resolution_working_days": 30}', d.department,
    CASE WHEN i % 3 = 0 THEN 'accepted' ELSE 'routed' END, false, false, 0, 1,
    o.opened, o.opened, o.opened,
    CASE WHEN i % 10 = 1 THEN o.opened + interval '24 hours' END,
    CASE WHEN i % 10 = 1 THEN o.opened + interval '3 hours' END,
    o.opened, o.opened + interval '42 days', false,
    CASE
        WHEN i % :due_every = 0 THEN :now - l.late
        WHEN o.opened + interval '21 days' > :now THEN o.opened + interval '21 days'
        WHEN o.opened + interval '33.6 days' > :now THEN o.opened + interval '33.6 days'
        WHEN o.opened + interval '42 days' > :now THEN o.opened + interval '42 days'
    END,
    1
FROM generate_series(1, :count) AS i
CROSS JOIN LATERAL (SELECT interval '1 minute' * (i % 50) AS late) AS l
CROSS JOIN LATERAL (SELECT CASE
        WHEN i % :due_every <> 0 THEN :now - interval '60 days' * random()
        WHEN (i / :due_every) % 20 < 12 THEN :now - interval '21 days' - l.late
        WHEN (i / :due_every) % 20 < 17 THEN :now - interval '33.6 days' - l.late
        ELSE :now - interval '42 days' - l.late
    END AS opened) AS o
CROSS JOIN LATERAL (SELECT (ARRAY['housing', 'transport', 'environment', 'community'])
        [1 + i % 4] AS domain,
    (ARRAY['housing_bureau', 'transport_bureau', 'city_management', 'community_centre'])
        [1 + i % 4] AS department) AS d
"""
# Alerts the due cases already had raised before this sweep.
FILL_EARLIER_ALERTS = """
INSERT INTO case_alerts (case_id, key, at)
SELECT c.id, k.key, c.resolution_started_at + (c.resolution_due_at - c.resolution_started_at)
    * k.fraction
FROM cases c
CROSS JOIN (VALUES ('resolution_warn_50@r1', 0.5), ('resolution_warn_80@r1', 0.8))
    AS k(key, fraction)
WHERE c.next_due_at <= :now
  AND c.resolution_started_at + (c.resolution_due_at - c.resolution_started_at) * k.fraction
      < c.next_due_at
"""


def schema_url(server: str, schema: str) -> str:
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options={quote(f'-csearch_path={schema}')}"


def fill(url: str, count: int, now: dt.datetime) -> float:
    engine = make_engine(url)
    migrate.upgrade(engine)
    began = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text(FILL_CASES), {"count": count, "now": now, "due_every": DUE_EVERY})
        conn.execute(sa.text(FILL_EARLIER_ALERTS), {"now": now})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - began


def time_sweep(url: str, now: dt.datetime) -> None:
    settings = load_settings(PROJECT_ROOT / "config.yml", env={"MINSHENG_DATABASE_URL": url})
    app = bootstrap(settings, clock=lambda: now)
    app.calendar  # load the calendar files before the clock starts  # noqa: B018
    with app.engine.connect() as conn:
        due = conn.execute(
            sa.text("SELECT count(*) FROM cases WHERE next_due_at <= :now"), {"now": now}
        ).scalar_one()
    # The provisional-deadline check runs when the calendar changes and once a day; timed
    # apart, so the figure below is the sweep that runs every minute.
    began = time.perf_counter()
    provisional.recompute_provisional(app, now)
    print(f"daily provisional-deadline check: {time.perf_counter() - began:.3f} s")
    began = time.perf_counter()
    result = sweep.run(app)
    elapsed = time.perf_counter() - began
    print(
        f"one sweep: {elapsed:.3f} s for {due:,} due cases "
        f"(checked {result['checked']:,}, raised {result['alerts']:,} alerts, "
        f"escalated {result['escalated']:,})"
    )
    began = time.perf_counter()
    again = sweep.run(app)
    print(
        f"the same sweep again: {time.perf_counter() - began:.3f} s "
        f"(checked {again['checked']}, raised {again['alerts']})"
    )
    app.dispose()


def deadline_rate(seconds: float = 2.0) -> None:
    settings = load_settings(PROJECT_ROOT / "config.yml", env={})
    tz = ZoneInfo(settings.city.timezone)
    app = bootstrap(settings)
    calendar = app.calendar
    base = dt.datetime(2026, 1, 1, 9, 0, tzinfo=tz)
    starts = [base + dt.timedelta(hours=13 * i) for i in range(670)]  # through 2026
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for start in starts:
            working_day_deadline(start, 30, calendar, tz)
        done += len(starts)
    elapsed = time.perf_counter() - began
    print(f"deadline computations (30 working days): {done / elapsed:,.0f} per second")
    app.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--url", default=os.environ.get("MINSHENG_TEST_POSTGRES_URL", DEFAULT_URL))
    args = parser.parse_args()
    schema = f"bench_sla_{secrets.token_hex(4)}"
    admin = make_engine(args.url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = schema_url(args.url, schema)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        print(f"filling {args.count:,} open cases ...", flush=True)
        print(f"filled in {fill(url, args.count, now):.1f} s")
        time_sweep(url, now)
        deadline_rate()
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
