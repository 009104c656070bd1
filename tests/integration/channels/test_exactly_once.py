"""One confirmation makes one case, whatever arrives at the same time, and nobody gets a 500.

Taps land together through the service, the Telegram webhook and the web chat, on SQLite and
PostgreSQL; a step left half done by a process that died is finished once by whoever comes
next or by the sweep.
"""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select

from case_store.models import Case, DialogueSession, OutboxMessage
from minsheng.channels import telegram
from minsheng.services import jobs
from minsheng.services.residents.conversation import Inbound, Reply, handle_inbound
from minsheng.web.routes import telegram_webhook

REFERENCE = re.compile(r"MS-\d{4}-[0-9A-Z]{6}")
SECRET = "double-tap-secret"
TAPS = 8


def cases(app: Any) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Case)) or 0)


def references(texts: list[str]) -> list[str]:
    return [m.group(0) for t in texts for m in REFERENCE.finditer(t)]


def to_the_summary(send: Any) -> list[str]:
    """Describe a problem and answer the questions until Confirm is offered."""
    buttons = send(text="幸福里小区3号楼门口的路灯坏了三天了")
    for _ in range(6):
        if "ok" in buttons:
            return buttons
        choice = "ct:y" if "ct:y" in buttons else next((b for b in buttons if b[:2] == "d:"), None)
        buttons = send(data=choice) if choice else send(text="幸福里小区3号楼")
    raise AssertionError(f"no summary with Confirm: {buttons}")


def _data(replies: list[Reply]) -> list[str]:
    return [b.data for r in replies[-1:] for row in r.buttons for b in row]


class Chat:
    def __init__(self, app: Any, chat_id: str) -> None:
        self.app, self.chat_id, self.n = app, chat_id, 0
        self.lock = threading.Lock()

    def inbound(self, text: str | None = None, data: str | None = None) -> Inbound:
        with self.lock:
            self.n += 1
            n = self.n
        return Inbound(
            channel="telegram",
            chat_id=self.chat_id,
            update_id=f"{self.chat_id}-{n}",
            text=text,
            callback_data=data,
            display_name="王",
        )

    def send(self, text: str | None = None, data: str | None = None) -> list[str]:
        return _data(handle_inbound(self.app, self.inbound(text, data)))


def all_at_once(app: Any, taps: list[Inbound]) -> list[list[Reply]]:
    """Each update handled on its own thread, all released at the same moment; none fails."""
    start = threading.Barrier(len(taps))
    answers: list[list[Reply]] = [[] for _ in taps]
    errors: list[BaseException] = []

    def tap(i: int) -> None:
        start.wait()
        try:
            answers[i] = handle_inbound(app, taps[i])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=tap, args=(i,)) for i in range(len(taps))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    return answers


def test_eight_simultaneous_taps_on_confirm_make_one_case_and_one_answer(channel_app: Any) -> None:
    chat = Chat(channel_app, "tap-8")
    to_the_summary(chat.send)
    answers = all_at_once(channel_app, [chat.inbound(data="ok") for _ in range(TAPS)])

    assert cases(channel_app) == 1
    texts = [r.text for a in answers for r in a]
    assert len(references(texts)) == 1
    # The other taps are answered as a button that is no longer current; only the tap whose
    # case another tap finished first may have nothing left to say.
    assert sum(1 for a in answers if a) >= TAPS - 1


def test_a_confirmation_left_pending_by_a_dead_process_is_carried_out_by_the_sweep_once(
    channel_app: Any, clock: Any
) -> None:
    chat = Chat(channel_app, "tap-sweep")
    to_the_summary(chat.send)
    _leave_pending(channel_app, chat, clock)
    assert cases(channel_app) == 0

    clock.advance(minutes=1)
    jobs.run_sweep(channel_app)
    jobs.run_sweep(channel_app)

    assert cases(channel_app) == 1
    assert len(references(_queued_texts(channel_app, chat.chat_id))) == 1


def test_a_confirmation_left_pending_is_carried_out_by_the_residents_next_message(
    channel_app: Any, clock: Any
) -> None:
    chat = Chat(channel_app, "tap-next")
    to_the_summary(chat.send)
    _leave_pending(channel_app, chat, clock)

    replies = handle_inbound(channel_app, chat.inbound(data="ok"))

    assert cases(channel_app) == 1
    assert len(references([r.text for r in replies])) == 1
    with channel_app.uow() as uow:
        row = uow.session.scalars(
            select(DialogueSession).where(DialogueSession.chat_id == chat.chat_id)
        ).one()
        assert row.pending is None and row.state["step"] == "idle"


def _leave_pending(app: Any, chat: Chat, clock: Any) -> None:
    """The confirmation's step saved, and its process gone before carrying it out.

    A confirmation counted against the sender's address (as the web chat's are) cannot make
    its case inside the step's transaction, so it is saved pending first; this one's process
    dies right after that commit.
    """
    from minsheng.services.residents import conversation, flood

    real = conversation.carry_out
    conversation.carry_out = lambda *a, **k: []  # type: ignore[assignment]
    try:
        with flood.from_address("203.0.113.9"):
            assert handle_inbound(app, chat.inbound(data="ok")) == []
    finally:
        conversation.carry_out = real  # type: ignore[assignment]


def _queued_texts(app: Any, chat_id: str) -> list[str]:
    with app.uow() as uow:
        payloads = uow.session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.recipient == chat_id)
        ).all()
    return [str(p.get("text", "")) for p in payloads]


# -- through the HTTP endpoints ---------------------------------------------------------------


def test_simultaneous_webhook_taps_on_confirm_make_one_case_and_no_errors(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    channel_app.settings = channel_app.settings.model_copy(
        update={"webhook_secret": SecretStr(SECRET)}
    )
    api = telegram_webhook.build_app(channel_app, bot=fake_bot)
    chat = updates(chat_id=777_001)
    headers = {telegram_webhook.SECRET_HEADER: SECRET}

    async def post_all(payloads: list[dict[str, Any]]) -> list[int]:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            got = await asyncio.gather(
                *(client.post(telegram_webhook.PATH, json=p, headers=headers) for p in payloads)
            )
        return [r.status_code for r in got]

    def send(text: str | None = None, data: str | None = None) -> list[str]:
        before = len(fake_bot.sent)
        payload = chat.message(text) if text is not None else chat.tap(data)
        assert asyncio.run(post_all([payload])) == [200]
        fake_bot.deliver_outbox(channel_app)
        last = fake_bot.sent[before:][-1]
        markup = last.get("reply_markup")
        return [b.callback_data for row in (markup.inline_keyboard if markup else ()) for b in row]

    to_the_summary(send)
    before = len(fake_bot.sent)
    statuses = asyncio.run(post_all([chat.tap("ok") for _ in range(TAPS)]))
    fake_bot.deliver_outbox(channel_app)

    assert statuses == [200] * TAPS
    assert cases(channel_app) == 1
    assert len(references([str(m["text"]) for m in fake_bot.sent[before:]])) == 1


def test_simultaneous_web_chat_taps_on_confirm_make_one_case_and_no_errors(
    channel_app: Any,
) -> None:
    from minsheng.web.app import create_app

    api = create_app(channel_app)
    ids = iter(f"client-{n:04d}" for n in range(10_000))

    async def run() -> tuple[list[int], list[str]]:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
            page = await client.get("/chat")
            csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
            headers = {"x-csrf-token": csrf}

            async def send_one(body: dict[str, Any]) -> httpx.Response:
                return await client.post(
                    "/chat/api/send", json={**body, "id": next(ids)}, headers=headers
                )

            buttons: list[str] = []
            answer = await send_one({"text": "幸福里小区3号楼门口的路灯坏了三天了"})
            for _ in range(6):
                replies = answer.json()["replies"]
                buttons = [b["data"] for row in replies[-1]["buttons"] for b in row]
                if "ok" in buttons:
                    break
                choice = "ct:y" if "ct:y" in buttons else None
                body = {"data": choice} if choice else {"text": "幸福里小区3号楼"}
                answer = await send_one(body)
            assert "ok" in buttons
            got = await asyncio.gather(*(send_one({"data": "ok"}) for _ in range(TAPS)))
            texts = [r["text"] for g in got if g.status_code == 200 for r in g.json()["replies"]]
            return [g.status_code for g in got], texts

    statuses, texts = asyncio.run(run())

    assert statuses == [200] * TAPS
    assert cases(channel_app) == 1
    assert len(references(texts)) == 1


def test_messages_that_leave_the_dialogue_unchanged_each_get_their_own_answer(
    channel_app: Any, fake_bot: Any, updates: Any
) -> None:
    chat = updates(chat_id=777_002)
    for words in ("/help", "/mycases", "/help"):
        update = chat.message(words)
        inbound = telegram.translate(update, fake_bot)
        assert inbound is not None
        asyncio.run(
            telegram.process_update(
                channel_app, fake_bot, telegram.Update.de_json(update, fake_bot), inbound
            )
        )
    fake_bot.deliver_outbox(channel_app)
    assert len(fake_bot.texts(777_002)) == 3


def test_a_step_with_several_replies_delivers_them_in_the_order_they_were_written(
    channel_app: Any, fake_bot: Any
) -> None:
    # An urgent report is confirmed at once: its advice, the case's reference and a question
    # about the place are replies of one step, queued together, sent in that order.
    steps: list[list[str]] = []
    for n, words in enumerate(["楼道里有很重的煤气味", "/help"], start=1):
        inbound = Inbound(channel="telegram", chat_id="777003", update_id=f"9100{n}", text=words)
        steps.append([r.text for r in handle_inbound(channel_app, inbound, via_outbox=True)])
    fake_bot.deliver_outbox(channel_app)
    assert len(steps[0]) >= 3
    assert any(REFERENCE.search(text) for text in steps[0])
    assert fake_bot.texts(777_003) == steps[0] + steps[1]


def test_eight_simultaneous_taps_on_a_rating_store_one_rating_and_thank_once(
    channel_app: Any,
) -> None:
    from case_store.models import Rating
    from minsheng.services.casework import staff_actions

    chat = Chat(channel_app, "rate-8")
    to_the_summary(chat.send)
    confirmed = handle_inbound(channel_app, chat.inbound(data="ok"))
    (ref,) = references([r.text for r in confirmed])
    staff_actions.resolve(channel_app, ref, note="路灯已更换")
    answers = all_at_once(channel_app, [chat.inbound(data=f"rate:{ref}:4") for _ in range(TAPS)])

    with channel_app.uow() as uow:
        assert [r.score for r in uow.session.scalars(select(Rating))] == [4]
    texts = [r.text for a in answers for r in a]
    assert sum("谢谢您的评价" in t for t in texts) == 1
