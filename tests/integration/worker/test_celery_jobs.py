"""Background jobs on real Redis with real Celery worker and beat processes.

Messages go to a local fake Bot API over HTTP. Waits are bounded; nothing here asserts speed.
The kill test waits for claims left by the dead worker to go stale (a setting, shortened here).
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import select

from case_store import migrate
from case_store.models import Case, CaseEvent, OutboxMessage
from minsheng.config.settings import Settings
from minsheng.services.bootstrap import App, bootstrap
from minsheng.services.casework import staff_actions, submission
from minsheng.services.messaging import outbox

pytestmark = pytest.mark.redis


def _live_app(settings: Settings, url: str, clock: Callable[[], dt.datetime] | None = None) -> App:
    app = bootstrap(settings.model_copy(update={"database_url": url}), clock=clock)
    migrate.upgrade(app.engine)
    return app


@pytest.fixture
def sqlite_live(sqlite_url: str, base_settings: Settings) -> Iterator[App]:
    app = _live_app(base_settings, sqlite_url)
    yield app
    app.dispose()


def _queue(app: App, texts: list[str]) -> None:
    with app.uow() as uow:
        for i, text in enumerate(texts):
            outbox.enqueue(
                uow.session,
                key=f"test:{text}",
                channel="telegram",
                recipient=str(5000 + i % 7),
                payload={"type": "replied", "reference": None, "text": text, "buttons": []},
                now=app.now(),
            )
        uow.commit()


def _statuses(app: App) -> dict[str, str]:
    with app.uow() as uow:
        rows = uow.session.execute(
            select(OutboxMessage.payload, OutboxMessage.status).where(
                OutboxMessage.channel == "telegram"
            )
        ).all()
    return {str(payload["text"]) if payload.get("text") else "": status for payload, status in rows}


def test_after_a_worker_is_killed_mid_delivery_every_message_arrives_once_its_claims_go_stale_repeating_only_sends_in_flight(
    sqlite_live: App, sqlite_url: str, shared_redis: str, bot_api: Any, stack_factory: Any
) -> None:
    fake = bot_api(delay=0.2)  # each send takes a while, so the kill finds some in flight
    texts = [f"message {i:03d}" for i in range(60)]
    _queue(sqlite_live, texts)
    stack = stack_factory(sqlite_url, shared_redis, fake)
    stack.start("beat")
    worker = stack.start("worker", "--concurrency", "2")
    fake.wait_for(lambda: len(fake.received) >= 8, timeout=60)

    worker.kill9()
    killed_at = time.monotonic()
    at_kill = _statuses(sqlite_live)
    in_flight = {t for t in fake.arrived_before(killed_at) if at_kill[t] == "sending"}
    assert len(in_flight) <= 2, "each worker process has at most one send under way"
    assert any(status != "sent" for status in at_kill.values()), "the kill came too late"

    stack.start("worker", "--concurrency", "2")
    fake.wait_for(
        lambda: set(fake.delivered()) >= set(texts), timeout=stack.stale_claim_seconds + 60
    )

    delivered = fake.delivered()
    repeated = {text for text, times in delivered.items() if times > 1}
    assert repeated <= in_flight
    assert max(delivered.values()) <= 2
    fake.wait_for(lambda: set(_statuses(sqlite_live).values()) == {"sent"}, timeout=30)


def test_no_notification_is_lost_when_redis_stops_and_restarts_while_cases_arrive(
    sqlite_live: App, sqlite_url: str, private_redis: Any, bot_api: Any, stack_factory: Any
) -> None:
    fake = bot_api()
    stack = stack_factory(sqlite_url, private_redis.url, fake)
    stack.start("beat")
    stack.start("worker", "--concurrency", "2")
    chats = [7000 + i for i in range(30)]
    errors: list[BaseException] = []

    def residents_write_and_staff_accept() -> None:
        try:
            for chat in chats:
                view = submission.submit(
                    sqlite_live,
                    submission.Intake(
                        text=f"楼道灯坏了 {chat}",
                        domain="transport",
                        urgency="normal",
                        kind="demand",
                        channel="telegram",
                        external_id=str(chat),
                    ),
                )
                staff_actions.accept(sqlite_live, view["reference"])
                time.sleep(0.2)
        except BaseException as exc:
            errors.append(exc)

    arrivals = threading.Thread(target=residents_write_and_staff_accept)
    arrivals.start()
    fake.wait_for(lambda: len(fake.received) >= 3, timeout=60)
    private_redis.stop()
    time.sleep(3)
    private_redis.start()
    arrivals.join(60)
    assert not errors, errors

    fake.wait_for(lambda: all(fake.sent_to(chat) for chat in chats), timeout=90)
    fake.wait_for(lambda: set(_statuses(sqlite_live).values()) == {"sent"}, timeout=30)
    assert all(len(fake.sent_to(chat)) == 1 for chat in chats)


@pytest.fixture
def overdue_urgent_cases(database_url: str, base_settings: Settings) -> Iterator[App]:
    """Urgent cases submitted five hours ago: their first-response warning and breach are due."""
    five_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    app = _live_app(base_settings, database_url, clock=lambda: five_hours_ago)
    for i in range(12):
        submission.submit(
            app,
            submission.Intake(
                text=f"燃气管道漏气 {i}", domain="utilities", urgency="urgent", kind="demand"
            ),
        )
    app.dispose()
    live = _live_app(base_settings, database_url)
    yield live
    live.dispose()


def test_two_sweeps_at_once_raise_one_warning_per_case(
    overdue_urgent_cases: App,
    database_url: str,
    shared_redis: str,
    bot_api: Any,
    stack_factory: Any,
) -> None:
    stack = stack_factory(database_url, shared_redis, bot_api())
    worker = stack.start("worker", "--concurrency", "2")
    client = Celery(broker=shared_redis)
    for _ in range(2):
        client.send_task("minsheng.sweep", queue=stack.queue)
    worker.wait_for_log("succeeded", timeout=60, count=2)
    client.close()

    with overdue_urgent_cases.uow() as uow:
        case_ids = uow.session.scalars(select(Case.id)).all()
        events = uow.session.execute(
            select(CaseEvent.case_id, CaseEvent.type).where(
                CaseEvent.type.in_(["sla_warning", "sla_breach"])
            )
        )
        raised = collections.Counter((case_id, type_) for case_id, type_ in events)
    assert len(case_ids) == 12
    assert all(raised[(case_id, "sla_warning")] == 1 for case_id in case_ids)
    assert all(raised[(case_id, "sla_breach")] == 1 for case_id in case_ids)
