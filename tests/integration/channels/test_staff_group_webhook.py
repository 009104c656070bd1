"""Staff updates from a department's group on the webhook: `/link CODE` and the accept button
take the staff path, never the resident dialogue (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from case_store.models import Case, DialogueSession, ProcessedUpdate
from minsheng.services.access import staff, telegram_link
from minsheng.services.casework import submission
from minsheng.web.routes import telegram_webhook

SECRET = "s3cret-Token_for-tests"
GROUP = -100777


class GroupBot:
    """The adapter's calls on a Bot, recorded (with message deletion, which groups use)."""

    defaults = None

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []
        self.deleted: list[int] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)

    async def answer_callback_query(self, callback_query_id: str, **kwargs: Any) -> None:
        self.answers.append(kwargs)

    async def do_api_request(self, endpoint: str, api_kwargs: Any = None, **_: Any) -> bool:
        self.calls.append((endpoint, api_kwargs or {}))
        return True

    async def delete_message(self, chat_id: Any, message_id: int, **_: Any) -> bool:
        self.deleted.append(message_id)
        return True


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Wang"}


def _group_message(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_793_000_000,
            "chat": {"id": GROUP, "type": "supergroup", "title": "工作群"},
            "from": _user(user_id),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


def _press(update_id: int, user_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"q{update_id}",
            "chat_instance": "ci",
            "from": _user(user_id),
            "data": data,
            "message": {
                "message_id": 5,
                "date": 1_793_000_000,
                "chat": {"id": GROUP, "type": "supergroup", "title": "工作群"},
            },
        },
    }


def _post(api: Any, *payloads: dict[str, Any]) -> list[int]:
    async def go() -> list[int]:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            codes = []
            for p in payloads:
                r = await client.post(
                    telegram_webhook.PATH, json=p, headers={telegram_webhook.SECRET_HEADER: SECRET}
                )
                codes.append(r.status_code)
            return codes

    return asyncio.run(go())


@pytest.fixture
def hook_app(app: Any) -> Any:
    app.settings = app.settings.model_copy(update={"webhook_secret": SecretStr(SECRET)})
    return app


def _count(app: Any, model: Any) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_staff_link_and_accept_from_the_group_on_the_webhook_without_the_resident_dialogue(
    hook_app: Any,
) -> None:
    ref = submission.submit(
        hook_app,
        submission.Intake(text="燃气泄漏", domain="utilities", urgency="urgent", kind="demand"),
    )["reference"]
    creds = staff.add_staff(hook_app, name="王芳", department="utilities_desk", role="agent")
    member = staff.by_public_id(hook_app, creds.public_id)
    assert member is not None
    code = telegram_link.new_code(hook_app, member).code
    bot = GroupBot()
    api = telegram_webhook.build_app(hook_app, bot=bot)

    codes = _post(
        api,
        _press(9001, 31337, f"staff:accept:{ref}"),  # not linked yet: refused
        _group_message(9002, 31337, f"/link {code}"),
        _press(9003, 31337, f"staff:accept:{ref}"),
        _group_message(9004, 31337, "/start"),  # any other group message is ignored
    )

    assert codes == [200, 200, 200, 200]
    assert bot.answers[0]["text"].startswith("抱歉") and bot.answers[0]["show_alert"] is True
    assert bot.answers[1]["text"].startswith("已受理")
    assert bot.deleted == [9002]
    # The accepted notice's buttons are taken away, so nobody accepts it twice.
    assert [name for name, _ in bot.calls] == ["editMessageReplyMarkup"]
    group_texts = [m["text"] for m in bot.sent if m["chat_id"] == str(GROUP)]
    assert any("已绑定" in t for t in group_texts) and any(
        "已由 王芳 受理" in t for t in group_texts
    )
    with hook_app.uow() as uow:
        case = uow.session.scalars(select(Case).where(Case.reference == ref)).one()
        assert case.status == "accepted" and case.first_responded_at is not None
    assert _count(hook_app, DialogueSession) == 0
    assert _count(hook_app, ProcessedUpdate) == 0
