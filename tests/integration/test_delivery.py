"""Outbox delivery on SQLite and PostgreSQL: each message reaches its resident exactly once."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence

from sqlalchemy import event, select, update

from case_store.models import OutboxMessage, Resident
from minsheng.services.messaging import delivery, outbox
from minsheng.services.messaging.delivery import (
    MAX_ATTEMPTS,
    PermanentDeliveryError,
    RetryLater,
    deliver_due,
)
from minsheng.services.messaging.delivery_runner import DeliveryRunner


class RecordingSender:
    """Keeps what it was asked to send; can be told to fail for chosen recipients."""

    def __init__(self, pause: float = 0.0) -> None:
        self.sent: list[tuple[str, str, Sequence[Sequence[Mapping[str, str]]]]] = []
        self.failures: dict[str, Exception] = {}
        self.calls = 0
        self._pause = pause
        self._lock = threading.Lock()

    def send(
        self, recipient: str, text: str, buttons: Sequence[Sequence[Mapping[str, str]]]
    ) -> None:
        with self._lock:
            self.calls += 1
        if self._pause:
            time.sleep(self._pause)
        if recipient in self.failures:
            raise self.failures[recipient]
        with self._lock:
            self.sent.append((recipient, text, buttons))


def queue(
    app,
    key: str,
    recipient: str = "1001",
    text: str = "hello",
    channel: str = "telegram",
    buttons: list[list[dict[str, str]]] | None = None,
) -> None:
    with app.uow() as uow:
        outbox.enqueue(
            uow.session,
            key=key,
            channel=channel,
            recipient=recipient,
            payload={
                "type": "replied",
                "reference": "MS-2611-000001",
                "text": text,
                "buttons": buttons or [],
            },
            now=app.now(),
        )
        uow.commit()


def add_resident(app, external_id: str) -> None:
    with app.uow() as uow:
        uow.session.add(
            Resident(
                channel="telegram",
                external_id=external_id,
                language="zh",
                deliverable=True,
                created_at=app.now(),
            )
        )
        uow.commit()


def row(app, key: str) -> OutboxMessage:
    with app.uow() as uow:
        found = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one()
        uow.session.expunge(found)
        return found


def resident_is_deliverable(app, external_id: str) -> bool:
    with app.uow() as uow:
        return uow.session.scalars(
            select(Resident.deliverable).where(Resident.external_id == external_id)
        ).one()


def test_a_due_message_is_sent_with_its_buttons_and_marked_sent(app):
    keyboard = [[{"label": str(n), "data": f"rate:MS-2611-000001:{n}"} for n in range(1, 6)]]
    queue(app, "MS-2611-000001:resolved:1", text="对处理结果满意吗？", buttons=keyboard)
    sender = RecordingSender()

    assert deliver_due(app, {"telegram": sender}, worker_id="w1") == 1

    assert sender.sent == [("1001", "对处理结果满意吗？", keyboard)]
    sent = row(app, "MS-2611-000001:resolved:1")
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 1, app.now())


def test_a_sent_message_is_never_sent_again(app):
    queue(app, "k1")
    sender = RecordingSender()
    deliver_due(app, {"telegram": sender}, worker_id="w1")

    assert deliver_due(app, {"telegram": sender}, worker_id="w1") == 0
    assert len(sender.sent) == 1


def test_two_runners_at_once_never_send_one_message_twice(app):
    keys = [f"k{i}" for i in range(120)]
    for i, key in enumerate(keys):
        queue(app, key, recipient=str(2000 + i), text=key)
    sender = RecordingSender(pause=0.001)
    start = threading.Barrier(4)

    def runner(name: str) -> None:
        start.wait()
        while deliver_due(app, {"telegram": sender}, worker_id=name, limit=7):
            pass

    threads = [threading.Thread(target=runner, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    counts = Counter(text for _, text, _ in sender.sent)
    assert set(counts) == set(keys)
    assert max(counts.values()) == 1
    assert all(row(app, key).status == "sent" for key in keys[::10])


def test_a_claim_left_by_a_process_that_died_is_retried_after_two_minutes(app, clock):
    queue(app, "orphan")
    with app.uow() as uow:
        uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == "orphan")
            .values(status="sending", claimed_by="gone:42/abc", claimed_at=clock.now, attempts=1)
        )
        uow.commit()
    sender = RecordingSender()

    clock.advance(seconds=60)
    assert deliver_due(app, {"telegram": sender}, worker_id="w1") == 0
    clock.advance(seconds=61)
    assert deliver_due(app, {"telegram": sender}, worker_id="w1") == 1

    assert [text for _, text, _ in sender.sent] == ["hello"]
    assert row(app, "orphan").status == "sent"


class SlowSender(RecordingSender):
    """Each send takes `minutes` of the fake clock; after the first, another process takes
    over every row still waiting (as it would once their claims looked abandoned)."""

    def __init__(self, app, clock, minutes: float) -> None:
        super().__init__()
        self.app, self.clock, self.minutes = app, clock, minutes

    def send(self, recipient, text, buttons) -> None:
        super().send(recipient, text, buttons)
        self.clock.advance(minutes=self.minutes)
        with self.app.uow() as uow:
            uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending", OutboxMessage.key != text)
                .values(claimed_by="other:7/def", claimed_at=self.clock.now)
            )
            uow.commit()


def test_a_row_of_a_slow_batch_taken_over_meanwhile_is_left_to_its_new_holder(app, clock):
    for key in ("first", "second", "third"):
        queue(app, key, text=key)
    sender = SlowSender(app, clock, minutes=3)

    assert deliver_due(app, {"telegram": sender}, worker_id="w1") == 1

    assert [text for _, text, _ in sender.sent] == ["first"]
    assert row(app, "first").status == "sent"
    assert {row(app, k).claimed_by for k in ("second", "third")} == {"other:7/def"}


def test_a_quick_batch_is_sent_without_renewing_each_claim(app):
    for key in ("one", "two", "three"):
        queue(app, key, text=key)
    statements: list[str] = []
    engine = app.engine

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert deliver_due(app, {"telegram": RecordingSender()}, worker_id="w1") == 3
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # One claim for the batch and one outcome per row: no claim is refreshed.
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE OUTBOX")]
    assert len(updates) == 1 + 3


def test_a_resident_who_blocked_the_bot_becomes_undeliverable_and_is_not_retried(app, clock):
    add_resident(app, "777")
    queue(app, "first", recipient="777")
    sender = RecordingSender()
    sender.failures["777"] = PermanentDeliveryError("Forbidden: bot was blocked by the user")

    deliver_due(app, {"telegram": sender}, worker_id="w1")
    clock.advance(hours=2)
    queue(app, "second", recipient="777")
    deliver_due(app, {"telegram": sender}, worker_id="w1")
    deliver_due(app, {"telegram": sender}, worker_id="w1")

    assert sender.calls == 1
    assert resident_is_deliverable(app, "777") is False
    assert row(app, "first").status == "dead"
    assert "blocked" in (row(app, "first").last_error or "")
    assert row(app, "second").status == "dead"


def test_a_resident_who_writes_again_is_deliverable_again(app):
    add_resident(app, "778")
    delivery.mark_undeliverable(app, "telegram", "778")
    assert delivery.is_undeliverable(app, "telegram", "778")

    delivery.mark_deliverable(app, "telegram", "778")

    assert resident_is_deliverable(app, "778") is True


def test_a_rate_limited_message_waits_for_retry_after_and_keeps_its_attempts(app, clock):
    queue(app, "busy", recipient="555")
    sender = RecordingSender()
    sender.failures["555"] = RetryLater(30)

    deliver_due(app, {"telegram": sender}, worker_id="w1")
    del sender.failures["555"]
    clock.advance(seconds=20)
    assert deliver_due(app, {"telegram": sender}, worker_id="w1") == 0
    clock.advance(seconds=11)
    assert deliver_due(app, {"telegram": sender}, worker_id="w1") == 1

    sent = row(app, "busy")
    assert (sent.status, sent.attempts) == ("sent", 1)


def test_a_message_that_keeps_failing_is_dead_after_the_last_attempt(app, clock):
    queue(app, "doomed", recipient="666")
    sender = RecordingSender()
    sender.failures["666"] = ConnectionError("network unreachable")

    for _ in range(MAX_ATTEMPTS + 3):
        deliver_due(app, {"telegram": sender}, worker_id="w1")
        clock.advance(hours=1)

    dead = row(app, "doomed")
    assert sender.calls == MAX_ATTEMPTS
    assert (dead.status, dead.attempts) == ("dead", MAX_ATTEMPTS)
    assert dead.last_error == "network unreachable"


def test_a_failed_message_is_retried_later_with_growing_waits(app, clock):
    queue(app, "flaky", recipient="444")
    sender = RecordingSender()
    sender.failures["444"] = TimeoutError("timed out")
    deliver_due(app, {"telegram": sender}, worker_id="w1")
    first_wait = row(app, "flaky").available_at - clock.now
    clock.advance(seconds=first_wait.total_seconds())
    deliver_due(app, {"telegram": sender}, worker_id="w1")
    second_wait = row(app, "flaky").available_at - clock.now
    del sender.failures["444"]

    clock.advance(seconds=second_wait.total_seconds() - 1)
    assert deliver_due(app, {"telegram": sender}, worker_id="w1") == 0
    clock.advance(seconds=1)
    assert deliver_due(app, {"telegram": sender}, worker_id="w1") == 1
    assert dt.timedelta(0) < first_wait < second_wait


def test_messages_for_a_channel_without_a_sender_stay_queued(app):
    queue(app, "web-1", channel="web")
    sender = RecordingSender()

    assert deliver_due(app, {"telegram": sender}, worker_id="w1") == 0
    assert row(app, "web-1").status == "pending"


def test_the_runner_thread_delivers_what_is_queued_while_it_runs(app):
    sender = RecordingSender()
    runner = DeliveryRunner(app, {"telegram": sender}, worker_id="bot", interval=0.05)
    runner.start()
    try:
        queue(app, "live", text="您的诉求已办结")
        deadline = time.monotonic() + 20
        while not sender.sent and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()

    assert [text for _, text, _ in sender.sent] == ["您的诉求已办结"]
    assert row(app, "live").status == "sent"
