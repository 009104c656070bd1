"""The figures of issue 19's flood report, measured in-process on a fresh SQLite database.

Run:  .venv/bin/python bench/floods.py [--updates 300] [--url EMPTY_DATABASE_URL]

- one Telegram chat posting N updates to the webhook at once: status codes, how many reached
  the dialogue, how many slow-down notices went out, and the wall time;
- 12 fresh web-chat cookies from one address, each submitting a case: cases created;
- N cookieless GET /chat: session rows written;
- GET /open311/v2/requests.json with 1,000 requests stored: rows and time per call.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import httpx
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from case_store import migrate
from case_store.models import Case, WebSession
from minsheng.config.settings import PROJECT_ROOT, load_settings
from minsheng.services.bootstrap import bootstrap
from minsheng.services.casework import submission
from minsheng.web.app import create_app
from minsheng.web.routes import telegram_webhook

SECRET = "bench-secret"


class QuietBot:
    defaults = None

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_message(self, **kwargs: Any) -> None:
        self.sent.append(str(kwargs["text"]))

    async def answer_callback_query(self, *_: Any, **__: Any) -> None:
        return None

    async def edit_message_reply_markup(self, **_: Any) -> None:
        return None


def _count(app: Any, model: Any) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--url", help="an empty database to use instead of a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            PROJECT_ROOT / "config.yml",
            env={"MINSHENG_DATABASE_URL": args.url or f"sqlite:///{folder}/bench.db"},
        )
        settings = settings.model_copy(
            update={"webhook_secret": SecretStr(SECRET), "base_dir": Path(folder)}
        )
        app = bootstrap(settings)
        migrate.upgrade(app.engine)
        webhook_flood(app, args.updates)
        web_chat_cookies(app)
        page_loads(app, args.updates)
        open311_page(app)
        app.dispose()


def webhook_flood(app: Any, n: int) -> None:
    bot = QuietBot()
    api = telegram_webhook.build_app(app, bot=bot)
    updates = [
        {
            "update_id": 1_000 + i,
            "message": {
                "message_id": i,
                "date": 1_793_000_000,
                "chat": {"id": 8080, "type": "private"},
                "from": {"id": 8080, "is_bot": False, "first_name": "王"},
                "text": f"第{i}条：小区门口路灯坏了",
            },
        }
        for i in range(n)
    ]

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            headers = {telegram_webhook.SECRET_HEADER: SECRET}
            return list(
                await asyncio.gather(
                    *(client.post(telegram_webhook.PATH, json=u, headers=headers) for u in updates)
                )
            )

    started = time.perf_counter()
    responses = asyncio.run(go())
    took = time.perf_counter() - started
    codes = collections.Counter(r.status_code for r in responses)
    slow = sum("发送得太快" in t for t in bot.sent)
    print(
        f"webhook flood: {n} updates from one chat at once in {took:.1f} s -> status {dict(codes)}; "
        f"{len(bot.sent) - slow} dialogue replies, {slow} slow-down notice(s)"
    )


def web_chat_cookies(app: Any) -> None:
    api = create_app(app)
    before = _count(app, Case)
    started = time.perf_counter()
    for _ in range(12):
        client = TestClient(api)
        page = client.get("/chat")
        csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        for step in (
            {"text": "幸福里小区3号楼门口的路灯坏了三天了"},
            {"data": "ct:y"},
            {"data": "ok"},
        ):
            client.post("/chat/api/send", json=step, headers={"X-CSRF-Token": csrf})
    print(
        f"web chat: 12 fresh cookies from one address -> {_count(app, Case) - before} cases "
        f"in {time.perf_counter() - started:.1f} s (limit new_cases_per_address="
        f"{app.settings.limits.new_cases_per_address})"
    )


def page_loads(app: Any, n: int) -> None:
    before = _count(app, WebSession)
    client = TestClient(create_app(app))
    started = time.perf_counter()
    for _ in range(n):
        client.cookies.clear()
        client.get("/chat")
    print(
        f"web chat: {n} cookieless GET /chat in {time.perf_counter() - started:.1f} s -> "
        f"{_count(app, WebSession) - before} session rows written"
    )


def open311_page(app: Any) -> None:
    for i in range(1_000):
        submission.submit(
            app,
            submission.Intake(
                text=f"路灯坏了 {i}", domain="transport", urgency="normal", kind="demand"
            ),
        )
    client = TestClient(create_app(app))
    for label, params in (("default page", {}), ("page_size=1000", {"page_size": 1000})):
        times = []
        for _ in range(5):
            started = time.process_time()
            rows = client.get("/open311/v2/requests.json", params=params).json()
            times.append(time.process_time() - started)
        print(
            f"open311 GET requests.json ({label}): {len(rows)} rows, "
            f"{min(times) * 1000:.0f} ms CPU per call (best of 5)"
        )


if __name__ == "__main__":
    main()
