"""`minsheng bot` end to end: the real process, polling a local fake Bot API over HTTP.

One bot process serves the whole module on one SQLite file; every test talks from its own
chat, as different residents would. Tests wait for what the resident would see, with generous
timeouts, and never assert how fast it came.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

# Test folders are not packages here (importlib mode): reach the fake through its folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_bot_api import Call, FakeBotApi

COMMAND = Path(sys.executable).with_name("minsheng")
PROJECT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token"
REFERENCE = re.compile(r"MS-\d{4}-[0-9A-Z]{6}")
QUIET = 0.7  # seconds without a new message that end one turn of the bot's replies


class Bot:
    """The running bot process, the fake Telegram it talks to, and the CLI beside it."""

    def __init__(self, fake: FakeBotApi, env: dict[str, str], log: Path) -> None:
        self.fake = fake
        self.env = env
        self.log = log
        self.db = create_engine(env["MINSHENG_DATABASE_URL"])

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(COMMAND), *args],
            env=self.env,
            cwd=PROJECT,
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result

    def case(self, reference: str) -> dict[str, Any]:
        return dict(json.loads(self.cli("case", "show", reference, "--json").stdout))

    def query(self, sql: str, **params: Any) -> list[Any]:
        with self.db.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def turn(self, chat: int, seen: int, timeout: float = 30.0) -> list[Call]:
        """The messages the bot sent after the first `seen`, once it has gone quiet."""
        self.fake.wait_for_messages(chat, seen + 1, timeout)
        deadline = time.monotonic() + timeout
        count = len(self.fake.sent_to(chat))
        while time.monotonic() < deadline:
            time.sleep(QUIET)
            now = len(self.fake.sent_to(chat))
            if now == count:
                break
            count = now
        return self.fake.sent_to(chat)[seen:]

    def say(self, chat: int, words: str, language: str = "zh") -> list[Call]:
        seen = len(self.fake.sent_to(chat))
        self.fake.send_text(chat, words, language_code=language)
        return self.turn(chat, seen)

    def tap(self, chat: int, message: Call, data: str) -> list[Call]:
        assert data in [b["callback_data"] for row in message.buttons for b in row], message
        seen = len(self.fake.sent_to(chat))
        self.fake.tap(chat, data, message=message)
        return self.turn(chat, seen)


ADDRESS = {"zh": "幸福里小区3号楼东门", "en": "Building 3, Xingfuli Estate, east gate"}


def report(bot: Bot, chat: int, words: str, language: str = "zh") -> tuple[str, list[Call]]:
    """Go through intake like a resident: answer each question until a reference comes back."""
    shown = bot.say(chat, words, language)
    history = list(shown)
    for _ in range(8):
        found = [m for m in shown if REFERENCE.search(m.text)]
        if found:
            return REFERENCE.search(found[-1].text).group(0), history  # type: ignore[union-attr]
        last = shown[-1]
        data = [b["callback_data"] for row in last.buttons for b in row]
        choice = next((d for d in ("ok", "ct:y") if d in data), None) or next(
            (d for d in data if d.startswith("d:")), None
        )
        shown = (
            bot.tap(chat, last, choice) if choice else bot.say(chat, ADDRESS[language], language)
        )
        history.extend(shown)
    raise AssertionError(f"no reference after the whole intake: {[m.text for m in history]}")


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    folder = tmp_path_factory.mktemp("bot")
    fake = FakeBotApi(token=TOKEN).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update(
        MINSHENG_TELEGRAM_TOKEN=TOKEN,
        MINSHENG_TELEGRAM_BASE_URL=fake.base_url,
        MINSHENG_DATABASE_URL=f"sqlite:///{folder / 'minsheng.db'}",
        MINSHENG_CONFIG=str(PROJECT / "config.yml"),
    )
    subprocess.run(
        [str(COMMAND), "db", "upgrade"],
        env=env,
        cwd=PROJECT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    log = folder / "bot.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [str(COMMAND), "bot"], env=env, cwd=PROJECT, stdout=stderr, stderr=stderr
        )
    running = Bot(fake, env, log)
    try:
        fake.wait_for(lambda: fake.calls_of("getUpdates"), timeout=60)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        fake.stop()
        running.db.dispose()


_chats = itertools.count(5_000_001)


@pytest.fixture
def chat() -> int:
    return next(_chats)


def test_a_resident_goes_from_a_first_message_to_a_reference_and_a_due_date_with_its_year(
    bot, chat
):
    reference, history = report(bot, chat, "小区门口的路灯坏了三天了，晚上很黑，幸福里小区3号楼")

    created = next(m.text for m in history if reference in m.text)
    # A deadline in a year whose official calendar is not out yet is "about" that date.
    assert re.search(
        r"\d+ 个工作日内，即 (约)?20\d\d年\d{1,2}月\d{1,2}日(（以国务院办公厅公布的节假日安排为准）)?前办结",
        created,
    )
    before = history[: history.index(next(m for m in history if reference in m.text))]
    assert not any(REFERENCE.search(m.text) for m in before)
    assert bot.case(reference)["status"] == "routed"


def test_an_english_resident_confirms_with_a_button_and_reads_the_date_with_its_year(bot, chat):
    reference, history = report(
        bot,
        chat,
        "The street light outside Building 3, Xingfuli Estate has been broken for three days",
        language="en",
    )

    summary = next(
        m for m in history if any(b["callback_data"] == "ok" for row in m.buttons for b in row)
    )
    labels = [b["text"] for row in summary.buttons for b in row]
    assert "Confirm" in labels
    created = next(m.text for m in history if reference in m.text)
    assert re.search(r"by (about )?\d{1,2} [A-Z][a-z]+ 20\d\d", created)


def test_what_the_resident_wrote_is_escaped_before_it_is_shown_in_html(bot, chat):
    shown = bot.say(chat, "路灯坏了 <b>三天</b> & 没人管，幸福里小区3号楼")
    for _ in range(4):
        if "&lt;b&gt;" in shown[-1].text:
            break
        data = [b["callback_data"] for row in shown[-1].buttons for b in row]
        choice = next((d for d in ("ct:y",) if d in data), None) or next(
            (d for d in data if d.startswith("d:")), None
        )
        shown = bot.tap(chat, shown[-1], choice) if choice else bot.say(chat, ADDRESS["zh"])

    summary = shown[-1]
    assert summary.params["parse_mode"] == "HTML"
    assert "&lt;b&gt;三天&lt;/b&gt; &amp; 没人管" in summary.text
    assert "<b>" not in summary.text


def test_a_redelivered_update_is_processed_once_and_answered_once(bot, chat):
    first = bot.fake.send_text(chat, "/help")
    answered = bot.turn(chat, 0)

    bot.fake.redeliver(first)
    after_marker = bot.say(chat, "/mycases")

    assert len(answered) == 1
    assert len(after_marker) == 1
    assert len(bot.fake.sent_to(chat)) == 2
    assert bot.fake.handed_out.count(first["update_id"]) == 2


def test_a_double_tap_on_confirm_submits_one_case(bot, chat):
    shown = bot.say(chat, "小区垃圾三天没人清运了，臭味很大，幸福里小区3号楼")
    for _ in range(6):
        data = [b["callback_data"] for row in shown[-1].buttons for b in row]
        if "ok" in data:
            break
        choice = "ct:y" if "ct:y" in data else next((d for d in data if d.startswith("d:")), None)
        shown = bot.tap(chat, shown[-1], choice) if choice else bot.say(chat, ADDRESS["zh"])
    summary = shown[-1]

    seen = len(bot.fake.sent_to(chat))
    bot.fake.tap(chat, "ok", message=summary)
    bot.fake.tap(chat, "ok", message=summary)
    after = bot.turn(chat, seen)

    references = {
        REFERENCE.search(m.text).group(0)
        for m in after  # type: ignore[union-attr]
        if REFERENCE.search(m.text)
    }
    assert len(references) == 1
    assert sum(1 for m in after if REFERENCE.search(m.text)) == 1
    owned = bot.query(
        "SELECT count(*) FROM cases JOIN residents ON residents.id = "
        "cases.resident_id WHERE residents.external_id = :chat",
        chat=str(chat),
    )
    assert owned[0][0] == 1


def test_a_case_resolved_from_the_cli_asks_for_a_rating_and_the_tap_stores_the_score(bot, chat):
    reference, _ = report(bot, chat, "小区门口的路灯坏了三天了，晚上很黑，幸福里小区3号楼")
    seen = len(bot.fake.sent_to(chat))

    bot.cli("case", "resolve", reference, "--note", "路灯已更换")
    survey = bot.turn(chat, seen)[-1]

    assert "对处理结果满意吗" in survey.text
    assert "路灯已更换" in survey.text
    keys = [b for row in survey.buttons for b in row]
    assert [re.sub(r"\D", "", b["text"]) for b in keys] == ["1", "2", "3", "4", "5"]
    assert [b["callback_data"] for b in keys] == [f"rate:{reference}:{n}" for n in range(1, 6)]

    thanks = bot.tap(chat, survey, f"rate:{reference}:4")

    assert "谢谢" in thanks[0].text
    case = bot.case(reference)
    assert case["status"] == "closed"
    assert bot.query(
        "SELECT score FROM ratings JOIN cases ON cases.id = ratings.case_id "
        "WHERE cases.reference = :ref",
        ref=reference,
    ) == [(4,)]
    removed = bot.fake.wait_for(
        lambda: [c for c in bot.fake.calls_of("editMessageReplyMarkup") if c.chat_id == str(chat)]
    )
    assert "reply_markup" not in removed[-1].params or not removed[-1].buttons


def test_the_rating_question_is_sent_once_and_a_second_tap_changes_nothing(bot, chat):
    reference, _ = report(bot, chat, "小区垃圾三天没人清运了，幸福里小区3号楼")
    seen = len(bot.fake.sent_to(chat))
    bot.cli("case", "resolve", reference, "--note", "已清运")
    survey = bot.turn(chat, seen)[-1]
    bot.tap(chat, survey, f"rate:{reference}:2")

    seen = len(bot.fake.sent_to(chat))
    bot.fake.tap(chat, f"rate:{reference}:5", message=survey)
    bot.say(chat, "/mycases")

    scores = bot.query(
        "SELECT score FROM ratings JOIN cases ON cases.id = ratings.case_id "
        "WHERE cases.reference = :ref",
        ref=reference,
    )
    assert scores == [(2,)]
    asked = [m for m in bot.fake.sent_to(chat) if "对处理结果满意吗" in m.text]
    assert len(asked) == 1
    assert len(bot.fake.sent_to(chat)) > seen


def test_an_urgent_message_gets_emergency_advice_first_and_then_a_reference(bot, chat):
    shown = bot.say(chat, "家里煤气泄漏了，味道很大，怎么办")

    assert "119" in shown[0].text or "110" in shown[0].text
    assert not REFERENCE.search(shown[0].text)
    created = [m for m in shown if REFERENCE.search(m.text)]
    assert len(created) == 1
    # The advice and the case carry no buttons; only the follow-up question (the exact place)
    # may offer to skip it.
    assert not shown[0].buttons and not created[0].buttons
    reference = REFERENCE.search(created[0].text).group(0)  # type: ignore[union-attr]
    assert bot.case(reference)["urgency"] == "urgent"


def test_a_resident_who_blocked_the_bot_is_marked_undeliverable_and_not_retried(bot, chat):
    reference, _ = report(bot, chat, "小区门口的路灯坏了三天了，幸福里小区3号楼")
    bot.fake.block(chat)

    bot.cli("case", "resolve", reference, "--note", "路灯已更换")
    refused = bot.fake.wait_for(
        lambda: [
            c
            for c in bot.fake.calls_of("sendMessage")
            if c.chat_id == str(chat) and c.params.get("_error")
        ]
    )

    assert refused[0].params["_error"] == 403
    bot.fake.wait_for(
        lambda: (
            bot.query("SELECT deliverable FROM residents WHERE external_id = :chat", chat=str(chat))
            == [(False,)]
        )
    )
    rows = bot.query(
        "SELECT status FROM outbox WHERE recipient = :chat AND key LIKE :k",
        chat=str(chat),
        k=f"{reference}:resolved%",
    )
    assert rows == [("dead",)]
    time.sleep(2)  # several delivery rounds: none may try this resident again
    attempts = [
        c
        for c in bot.fake.calls_of("sendMessage")
        if c.chat_id == str(chat) and c.params.get("_error")
    ]
    assert len(attempts) == 1


def test_a_rate_limited_notification_arrives_after_the_wait_telegram_asked_for(bot, chat):
    reference, _ = report(bot, chat, "小区垃圾三天没人清运了，幸福里小区3号楼")
    seen = len(bot.fake.sent_to(chat))
    bot.fake.rate_limit(chat, retry_after=1)

    bot.cli("case", "resolve", reference, "--note", "已清运")
    survey = bot.turn(chat, seen)[-1]

    assert "对处理结果满意吗" in survey.text
    limited = [
        c
        for c in bot.fake.calls_of("sendMessage")
        if c.chat_id == str(chat) and c.params.get("_error") == 429
    ]
    assert len(limited) == 1
    assert len([m for m in bot.fake.sent_to(chat) if "对处理结果满意吗" in m.text]) == 1


def test_status_lists_the_residents_open_case(bot, chat):
    reference, _ = report(bot, chat, "小区门口的路灯坏了三天了，幸福里小区3号楼")

    status = bot.say(chat, "/status")

    assert reference in status[-1].text


def test_the_bot_logs_neither_its_token_nor_a_residents_phone_number(bot, chat):
    report(bot, chat, "楼下路灯坏了，我电话13812345678，幸福里小区3号楼")

    log = bot.log.read_text(encoding="utf-8")
    assert "TEST-token" not in log
    assert "13812345678" not in log
