"""The service side of background jobs: digest, dead letters, the embedded mode, health,
metrics, the worker's Bot API sender and the relay (SQLite and PostgreSQL; Redis where named).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from prometheus_client import generate_latest
from sqlalchemy import select, update

from case_store.models import OutboxMessage, Resident
from minsheng.channels.bot_api import BotApiSender
from minsheng.channels.ratelimit import SharedRateLimiter
from minsheng.services import job_metrics, jobs
from minsheng.services.bootstrap import App
from minsheng.services.casework import submission
from minsheng.services.messaging import delivery, outbox, outbox_admin
from minsheng.services.sla import digest, job_runs, sweep
from minsheng.worker import broker
from minsheng.worker.relay import Relay

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failing = False
        self._lock = threading.Lock()

    def send(
        self, recipient: str, text: str, buttons: Sequence[Sequence[Mapping[str, str]]]
    ) -> None:
        if self.failing:
            raise ConnectionError("the channel is down")
        with self._lock:
            self.sent.append((recipient, text))


def queue(app: App, key: str, recipient: str = "1001", text: str = "hello") -> None:
    with app.uow() as uow:
        outbox.enqueue(
            uow.session,
            key=key,
            channel="telegram",
            recipient=recipient,
            payload={"type": "replied", "reference": None, "text": text, "buttons": []},
            now=app.now(),
        )
        uow.commit()


def status_of(app: App, key: str) -> str:
    with app.uow() as uow:
        return str(uow.session.scalar(select(OutboxMessage.status).where(OutboxMessage.key == key)))


def submit(app: App, text: str, domain: str, urgency: str, **kw: Any) -> dict[str, Any]:
    return submission.submit(
        app, submission.Intake(text=text, domain=domain, urgency=urgency, kind="demand", **kw)
    )


def staff_rows(app: App, prefix: str) -> list[OutboxMessage]:
    with app.uow() as uow:
        rows = list(
            uow.session.scalars(select(OutboxMessage).where(OutboxMessage.key.like(f"{prefix}%")))
        )
        for r in rows:
            uow.session.expunge(r)
        return rows


# -- the daily digest ----------------------------------------------------------------------


def test_each_department_gets_one_digest_a_day_with_its_new_due_soon_and_overdue_cases(
    app: App, clock: Any
) -> None:
    clock.set(dt.datetime(2026, 11, 1, 14, 0, tzinfo=SHANGHAI))
    lights = submit(app, "路灯不亮", "transport", "normal")
    clock.set(dt.datetime(2026, 11, 2, 5, 0, tzinfo=SHANGHAI))
    gas = submit(app, "燃气漏气", "utilities", "urgent")  # first response due 07:00: overdue
    clock.set(dt.datetime(2026, 11, 2, 7, 30, tzinfo=SHANGHAI))
    pipe = submit(app, "水管爆了", "utilities", "high")  # first response due tomorrow 07:30

    clock.set(dt.datetime(2026, 11, 2, 9, 15, tzinfo=SHANGHAI))
    assert digest.run(app) == 2
    assert digest.run(app) == 0

    by_department = {r.recipient: r for r in staff_rows(app, "digest:")}
    assert set(by_department) == {lights["department"], gas["department"]}
    utilities = by_department[gas["department"]].payload
    assert utilities["date"] == "2026-11-02"
    assert utilities["overdue"]["references"] == [gas["reference"]]
    assert utilities["due_soon"]["references"] == [pipe["reference"]]
    assert sorted(utilities["new"]["references"]) == sorted([gas["reference"], pipe["reference"]])
    transport = by_department[lights["department"]].payload
    assert transport["new"]["references"] == [lights["reference"]]
    assert transport["overdue"]["count"] == 0


def test_no_digest_is_written_before_eight_in_the_morning(app: App, clock: Any) -> None:
    clock.set(dt.datetime(2026, 11, 2, 5, 0, tzinfo=SHANGHAI))
    submit(app, "燃气漏气", "utilities", "urgent")
    clock.set(dt.datetime(2026, 11, 2, 7, 59, tzinfo=SHANGHAI))

    assert digest.run(app) == 0
    assert staff_rows(app, "digest:") == []


def test_a_department_with_nothing_to_report_gets_no_digest(app: App, clock: Any) -> None:
    clock.set(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    assert digest.run(app) == 0


# -- dead letters --------------------------------------------------------------------------


def kill_by_failures(app: App, clock: Any, key: str) -> RecordingSender:
    sender = RecordingSender()
    sender.failing = True
    queue(app, key)
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliver_due(app, {"telegram": sender}, worker_id="w")
        clock.advance(hours=1)
    return sender


def test_a_message_that_keeps_failing_is_listed_as_dead_and_a_retry_sends_it(
    app: App, clock: Any
) -> None:
    sender = kill_by_failures(app, clock, "MS-2611-000001:resolved:1")

    dead = outbox_admin.dead(app)
    assert [(d["key"], d["attempts"], d["last_error"]) for d in dead] == [
        ("MS-2611-000001:resolved:1", delivery.MAX_ATTEMPTS, "the channel is down")
    ]

    sender.failing = False
    assert outbox_admin.retry(app, [dead[0]["id"]]) == [dead[0]["id"]]
    assert delivery.deliver_due(app, {"telegram": sender}, worker_id="w") == 1
    assert sender.sent == [("1001", "hello")]
    assert outbox_admin.dead(app) == []


def test_retrying_a_message_that_was_delivered_sends_nothing_again(app: App) -> None:
    queue(app, "k1")
    sender = RecordingSender()
    delivery.deliver_due(app, {"telegram": sender}, worker_id="w")
    with app.uow() as uow:
        sent_id = int(uow.session.scalars(select(OutboxMessage.id)).one())

    assert outbox_admin.retry(app, [sent_id]) == []
    assert outbox_admin.retry(app, all_dead=True) == []
    assert delivery.deliver_due(app, {"telegram": sender}, worker_id="w") == 0
    assert len(sender.sent) == 1


def test_a_message_to_a_resident_who_blocked_the_bot_stays_dead_until_they_write_again(
    app: App,
) -> None:
    with app.uow() as uow:
        uow.session.add(
            Resident(
                channel="telegram",
                external_id="777",
                language="zh",
                deliverable=False,
                created_at=app.now(),
            )
        )
        uow.commit()
    queue(app, "blocked", recipient="777")
    delivery.deliver_due(app, {"telegram": RecordingSender()}, worker_id="w")
    assert status_of(app, "blocked") == "dead"
    assert outbox_admin.dead(app)[0]["recipient_reachable"] is False

    assert outbox_admin.retry(app, all_dead=True) == []
    delivery.mark_deliverable(app, "telegram", "777")
    assert len(outbox_admin.retry(app, all_dead=True)) == 1
    assert status_of(app, "blocked") == "pending"


def test_the_outbox_commands_list_dead_messages_and_requeue_them(sqlite_url: str) -> None:
    project = Path(__file__).resolve().parents[3]
    command = [str(Path(__import__("sys").executable).with_name("minsheng"))]
    env = {"MINSHENG_DATABASE_URL": sqlite_url, "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args],
            env=env,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert run("db", "upgrade").returncode == 0
    from sqlalchemy import create_engine

    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            OutboxMessage.__table__.insert().values(
                key="MS-2611-000009:accepted:1",
                channel="telegram",
                recipient="5",
                payload={"type": "accepted", "text": "x"},
                status="dead",
                attempts=6,
                available_at=dt.datetime.now(dt.UTC),
                created_at=dt.datetime.now(dt.UTC),
                last_error="HTTP 502",
            )
        )
    listed = run("outbox", "dead", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [(r["key"], r["last_error"]) for r in json.loads(listed.stdout)] == [
        ("MS-2611-000009:accepted:1", "HTTP 502")
    ]

    assert run("outbox", "retry").returncode == 2
    retried = run("outbox", "retry", "--all")
    assert retried.returncode == 0 and "re-queued 1 message(s)" in retried.stderr
    with engine.connect() as conn:
        assert conn.execute(select(OutboxMessage.status, OutboxMessage.attempts)).one() == (
            "pending",
            0,
        )
    engine.dispose()


# -- the embedded mode, health and metrics -------------------------------------------------


def test_without_redis_the_process_delivers_the_outbox_and_sweeps_by_itself(
    sqlite_app: App,
) -> None:
    sender = RecordingSender()
    handle = jobs.start_background(sqlite_app, {"telegram": sender}, sweep_every=0.2)
    try:
        queue(sqlite_app, "k1", text="您的诉求已受理")
        deadline = time.monotonic() + 20
        while not sender.sent and time.monotonic() < deadline:
            time.sleep(0.05)
        while job_runs.last_sweep(sqlite_app) is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        handle.stop()
    assert handle.mode == "embedded"
    assert sender.sent == [("1001", "您的诉求已受理")]
    assert job_runs.last_sweep(sqlite_app) is not None


def test_with_redis_configured_the_process_leaves_delivery_and_sweeps_to_celery(
    sqlite_app: App,
) -> None:
    sqlite_app.settings = sqlite_app.settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:1/9"}
    )
    handle = jobs.start_background(sqlite_app, {"telegram": RecordingSender()})
    running = {t.name for t in threading.enumerate()}
    handle.stop()
    assert handle.mode == "celery"
    assert not running & {"outbox-delivery", "sla-sweep"}


def test_health_reports_an_unreachable_redis_and_the_age_of_the_last_sweep(
    sqlite_app: App, clock: Any
) -> None:
    assert jobs.health(sqlite_app) == {"mode": "embedded", "ok": True, "last_sweep": None}
    sweep.run(sqlite_app)
    clock.advance(seconds=90)
    sqlite_app.settings = sqlite_app.settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:1/9"}
    )

    report = jobs.health(sqlite_app)
    assert report["ok"] is False and report["redis"].startswith("unreachable")
    assert report["last_sweep"]["age_seconds"] == 90.0


def test_metrics_show_the_backlog_the_dead_messages_and_the_last_sweep(
    app: App, clock: Any
) -> None:
    kill_by_failures(app, clock, "dead-one")
    queue(app, "waiting-1")
    queue(app, "waiting-2")
    sweep.run(app)

    text = generate_latest(job_metrics.registry(app)).decode()
    assert 'minsheng_outbox_messages{channel="telegram",status="dead"} 1.0' in text
    assert 'minsheng_outbox_due{channel="telegram"} 2.0' in text
    assert "minsheng_sweep_last_duration_seconds" in text


# -- the worker's Bot API sender and the shared send rate (real HTTP, real Redis) -----------


@pytest.fixture
def fake_api(bot_api: Any) -> Any:
    return bot_api()


def sender_for(
    fake: Any, redis_client: Any = None, rate: float = 1000.0, key: str = "minsheng:rate:test"
) -> BotApiSender:
    limiter = SharedRateLimiter(redis_client, key, rate)
    return BotApiSender(fake.base_url, fake.token, limiter)


def test_the_worker_sender_shows_the_text_escaped_with_the_payload_buttons(fake_api: Any) -> None:
    keyboard = [[{"label": "★★★★★", "data": "rate:MS-2611-000001:5"}]]
    sender_for(fake_api).send("42", "<b>已办结</b>", keyboard)

    (call,) = fake_api.sent_to(42)
    assert call.text == "&lt;b&gt;已办结&lt;/b&gt;"
    assert call.params["parse_mode"] == "HTML"
    assert call.buttons == [[{"text": "★★★★★", "callback_data": "rate:MS-2611-000001:5"}]]


def test_a_resident_who_blocked_the_bot_is_a_permanent_failure(fake_api: Any) -> None:
    fake_api.block(43)
    with pytest.raises(delivery.PermanentDeliveryError):
        sender_for(fake_api).send("43", "hello", [])


def test_a_message_the_bot_api_refuses_dies_alone_and_the_resident_stays_reachable(
    sqlite_app: App, fake_api: Any
) -> None:
    original = fake_api._refusal

    def refuse(method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage" and "broken" in str(params.get("text")):
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: can't parse entities",
            }
        return original(method, params)

    fake_api._refusal = refuse
    with sqlite_app.uow() as uow:
        uow.session.add(
            Resident(
                channel="telegram",
                external_id="44",
                language="zh",
                deliverable=True,
                created_at=sqlite_app.now(),
            )
        )
        uow.commit()
    queue(sqlite_app, "bad", recipient="44", text="broken")
    queue(sqlite_app, "good", recipient="44", text="fine")
    delivery.deliver_due(sqlite_app, {"telegram": sender_for(fake_api)}, worker_id="w")

    assert (status_of(sqlite_app, "bad"), status_of(sqlite_app, "good")) == ("dead", "sent")
    assert not delivery.is_undeliverable(sqlite_app, "telegram", "44")


def test_a_429_makes_the_message_wait_retry_after_and_holds_every_sender_of_the_bot(
    fake_api: Any, shared_redis: str, test_queue: str
) -> None:
    client = broker.redis_client(shared_redis)
    key = f"minsheng:rate:{test_queue}"
    first, second = sender_for(fake_api, client, key=key), sender_for(fake_api, client, key=key)
    fake_api.rate_limit(45, retry_after=2)

    with pytest.raises(delivery.RetryLater) as refused:
        first.send("45", "hello", [])
    assert refused.value.seconds == 2.0
    held_from = time.monotonic()
    second.send("46", "hello", [])  # another process sharing the limit waits out the hold

    (call,) = fake_api.sent_to(46)
    assert call.at - held_from >= 1.5
    client.close()


def test_the_shared_rate_paces_senders_of_one_bot_across_processes(
    shared_redis: str, test_queue: str
) -> None:
    limiters = [
        SharedRateLimiter(broker.redis_client(shared_redis), f"minsheng:rate:{test_queue}", 20.0)
        for _ in range(2)
    ]
    stamps: list[float] = []
    lock = threading.Lock()

    def take(limiter: SharedRateLimiter) -> None:
        for _ in range(10):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=take, args=(limiter,)) for limiter in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    stamps.sort()
    # 20 acquisitions at 20 a second: never more than 20 inside any one second.
    assert all(sum(1 for t in stamps if s <= t < s + 1.0) <= 20 for s in stamps)
    assert stamps[-1] - stamps[0] >= 0.9


# -- the relay -----------------------------------------------------------------------------


def test_the_relay_queues_enough_kicks_for_the_due_rows_and_no_more(
    app: App, shared_redis: str, test_queue: str
) -> None:
    for i in range(25):
        queue(app, f"k{i}", recipient=str(i))
    client = Celery(broker=shared_redis)

    def publish() -> None:
        client.send_task("minsheng.deliver", queue=test_queue)

    waiting = broker.queue_length_reader(shared_redis, test_queue)
    relay = Relay(app, publish, waiting, ["telegram"], claim=10)
    assert relay.tick() == 3
    assert relay.tick() == 0  # the kicks already waiting cover the backlog
    assert waiting() == 3
    client.close()


def test_the_relay_queues_nothing_when_nothing_is_due(
    app: App, shared_redis: str, test_queue: str
) -> None:
    queue(app, "later")
    with app.uow() as uow:
        uow.session.execute(
            update(OutboxMessage).values(available_at=app.now() + dt.timedelta(minutes=5))
        )
        uow.commit()
    relay = Relay(
        app,
        lambda: None,
        broker.queue_length_reader(shared_redis, test_queue),
        ["telegram"],
        claim=10,
    )
    assert relay.tick() == 0
