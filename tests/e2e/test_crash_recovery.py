"""A bot process killed in the middle of a resident's intake loses nothing and repeats nothing.

`minsheng bot` polls the fake Bot API on one SQLite file. For each of 20 runs its crash file
(MINSHENG_TEST_CRASH_FILE) names a different point of the intake path (and the message it
dies at), and it SIGKILLs itself there. It is started again, disarmed; Telegram hands out the
update it never finished once more, as the real server does, and the resident carries on.
Each resident ends with exactly one case and exactly one message giving its reference.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_bot_api import Call, FakeBotApi

from minsheng.services.residents import crashpoints

COMMAND = Path(sys.executable).with_name("minsheng")
PROJECT = Path(__file__).resolve().parents[2]
TOKEN = "123456:CRASH-token"
QUIET = 0.6
STREET_LIGHT = "幸福里小区3号楼门口的路灯坏了三天了，晚上很黑"
GAS = "我家厨房有很浓的煤气味，幸福里小区3号楼"

# (point, which time the process reaches it, what the resident reports). The intake is three
# messages — the problem, the contact answer, Confirm — so a step point can hit any of them;
# command points come only with the confirmation (or an urgent report, submitted at once).
RUNS = [
    *((p, n, STREET_LIGHT) for p in crashpoints.POINTS[:5] for n in (1, 2, 3)),
    *((p, 1, STREET_LIGHT) for p in crashpoints.POINTS[5:]),
    ("case-created", 1, GAS),
]


class Process:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def arm(self, crash_at: str) -> None:
        """The running process (or the next one) dies at this point; "" disarms it."""
        Path(self.env[crashpoints.FILE_ENV]).write_text(crash_at)

    def start(self, fake: FakeBotApi) -> None:
        calls = len(fake.calls_of("getUpdates"))
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                [str(COMMAND), "bot"], env=self.env, cwd=PROJECT, stdout=out, stderr=out
            )
        fake.wait_for(lambda: len(fake.calls_of("getUpdates")) > calls, timeout=60)

    def ensure_started(self, fake: FakeBotApi) -> None:
        if self.proc is None or self.dead():
            self.start(fake)

    def dead(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def stop(self) -> None:
        if self.proc is None or self.dead():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeBotApi, Process, Any]]:
    folder = tmp_path_factory.mktemp("crash")
    fake = FakeBotApi(token=TOKEN).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update(
        MINSHENG_TELEGRAM_TOKEN=TOKEN,
        MINSHENG_TELEGRAM_BASE_URL=fake.base_url,
        MINSHENG_DATABASE_URL=f"sqlite:///{folder / 'minsheng.db'}",
        MINSHENG_CONFIG=str(PROJECT / "config.yml"),
        MINSHENG_TEST_CRASH_FILE=str(folder / "crash-at"),
    )
    subprocess.run(
        [str(COMMAND), "db", "upgrade"], env=env, cwd=PROJECT, check=True, capture_output=True
    )
    process = Process(env, folder / "bot.log")
    db = create_engine(env["MINSHENG_DATABASE_URL"])
    try:
        yield fake, process, db
    finally:
        process.stop()
        fake.stop()
        db.dispose()


def settle(fake: FakeBotApi, chat: int, process: Process, timeout: float = 30.0) -> None:
    """Until the bot has gone quiet for this chat (or its process died)."""
    deadline = time.monotonic() + timeout
    count = len(fake.sent_to(chat))
    quiet_since = time.monotonic()
    while time.monotonic() < deadline and not process.dead():
        time.sleep(0.1)
        now = len(fake.sent_to(chat))
        if now != count:
            count, quiet_since = now, time.monotonic()
        elif now and time.monotonic() - quiet_since > QUIET:
            return


def next_update(fake: FakeBotApi, chat: int, last: Call | None) -> dict[str, Any] | None:
    """What the resident does next after the bot's last message; None once a reference came."""
    if last is None:
        return None
    if "MS-" in last.text:
        return None
    data = [b["callback_data"] for row in last.buttons for b in row]
    choice = next((d for d in ("ok", "ct:y") if d in data), None) or next(
        (d for d in data if d.startswith("d:")), None
    )
    if choice:
        return fake.tap(chat, choice, message=last)
    return fake.send_text(chat, "幸福里小区3号楼东门")


_chats = itertools.count(7_100_001)


@pytest.mark.parametrize(("point", "nth", "words"), RUNS, ids=[f"{p}:{n}" for p, n, _ in RUNS])
def test_a_kill_at_any_point_leaves_one_case_and_one_answer(
    world: tuple[FakeBotApi, Process, Any], point: str, nth: int, words: str
) -> None:
    fake, process, db = world
    chat = next(_chats)
    process.arm(f"{point}:{nth}")
    process.ensure_started(fake)
    update: dict[str, Any] | None = fake.send_text(chat, words)
    killed = False
    for _ in range(10):
        assert update is not None
        settle(fake, chat, process)
        if process.dead():
            assert process.proc is not None and process.proc.returncode == -signal.SIGKILL
            killed = True
            process.arm("")
            process.start(fake)
            fake.redeliver(update)  # the update the dead process never finished
            settle(fake, chat, process)
        sent = fake.sent_to(chat)
        update = next_update(fake, chat, sent[-1] if sent else None)
        if update is None and sent:
            break
    settle(fake, chat, process)

    assert killed, f"the process never reached {point}:{nth}"
    answers = [m.text for m in fake.sent_to(chat) if "MS-" in m.text]
    assert len(answers) == 1, [m.text for m in fake.sent_to(chat)]
    with db.connect() as conn:
        owned = conn.execute(
            text(
                "SELECT count(*) FROM cases JOIN residents ON residents.id = cases.resident_id "
                "WHERE residents.external_id = :chat"
            ),
            {"chat": str(chat)},
        ).scalar_one()
    assert owned == 1
