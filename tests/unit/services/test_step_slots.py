"""A process works on at most `limits.steps_at_once` messages; the others wait in turn."""

from __future__ import annotations

import threading
import time

from minsheng.services.residents.step_slots import StepSlots

WAIT_S = 10.0


def test_no_more_messages_are_worked_on_at_once_than_there_are_slots() -> None:
    slots = StepSlots(2)
    inside = peak = 0
    count = threading.Lock()

    def step() -> None:
        nonlocal inside, peak
        with slots.held():
            with count:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.01)
            with count:
                inside -= 1

    threads = [threading.Thread(target=step) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    assert peak == 2
    assert inside == 0


def test_waiting_messages_are_served_in_the_order_they_arrived() -> None:
    slots = StepSlots(1)
    served: list[int] = []
    queued = threading.Semaphore(0)
    release = threading.Event()

    def first() -> None:
        with slots.held():
            release.wait(WAIT_S)

    def later(n: int) -> None:
        queued.release()
        with slots.held():
            served.append(n)

    holder = threading.Thread(target=first)
    holder.start()
    while slots._free:  # the holder has its slot
        time.sleep(0.001)
    waiters = []
    for n in range(5):
        t = threading.Thread(target=later, args=(n,))
        t.start()
        queued.acquire(timeout=WAIT_S)
        while len(slots._waiting) < n + 1:  # n is in the queue before n + 1 arrives
            time.sleep(0.001)
        waiters.append(t)
    release.set()
    for t in [holder, *waiters]:
        t.join(WAIT_S)
    assert served == [0, 1, 2, 3, 4]


def test_a_thread_already_in_a_step_does_not_wait_for_a_second_slot() -> None:
    slots = StepSlots(1)
    done = threading.Event()

    def nested() -> None:
        with slots.held(), slots.held():
            done.set()

    t = threading.Thread(target=nested)
    t.start()
    t.join(WAIT_S)
    assert done.is_set()
    with slots.held():  # and the slot came back once
        assert slots._free == 0
    assert slots._free == 1


def test_a_step_that_fails_gives_its_slot_back() -> None:
    slots = StepSlots(1)
    try:
        with slots.held():
            raise RuntimeError("the database went away")
    except RuntimeError:
        pass
    got = threading.Event()

    def next_message() -> None:
        with slots.held():
            got.set()

    t = threading.Thread(target=next_message)
    t.start()
    t.join(WAIT_S)
    assert got.is_set()
