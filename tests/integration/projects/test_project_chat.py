"""Residents find, back, follow and rate projects in the chat (the dialogue engine end to end)."""

from __future__ import annotations

from typing import Any

from project_factories import opened, started

from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery
from minsheng.services.projects import cycle, views
from minsheng.services.residents.conversation import Inbound, handle_inbound


def say(app: App, chat: str, text: str | None = None, tap: str | None = None) -> list[Any]:
    return handle_inbound(app, Inbound(channel="web", chat_id=chat, text=text, callback_data=tap))


def test_a_resident_lists_open_projects_and_backs_one_with_its_button(
    sqlite_app: App, june: Any
) -> None:
    ref = opened(sqlite_app)
    replies = say(sqlite_app, "w-1", "/projects")
    assert ref in replies[0].text
    button = replies[0].buttons[0][0]
    assert button.data == f"pjb:{ref}"
    assert "感谢支持" in say(sqlite_app, "w-1", tap=button.data)[0].text
    assert "已经支持过" in say(sqlite_app, "w-1", tap=button.data)[0].text
    assert views.show(sqlite_app, ref)["backers"] == 1
    assert ref in say(sqlite_app, "w-1", "/myprojects")[0].text
    assert ref in say(sqlite_app, "w-1", "我的项目")[0].text


def test_subscribing_and_unsubscribing_in_english(sqlite_app: App, june: Any) -> None:
    say(sqlite_app, "w-2", "/lang en")
    assert "hear about" in say(sqlite_app, "w-2", "/subscribe transport")[0].text
    assert "already follow" in say(sqlite_app, "w-2", "/subscribe transport")[0].text
    assert "Removed 1" in say(sqlite_app, "w-2", "/unsubscribe")[0].text
    assert "Name an area" in say(sqlite_app, "w-2", "/subscribe")[0].text


def test_the_rating_keyboard_of_a_completed_project_rates_it_once(
    sqlite_app: App, june: Any
) -> None:
    app = sqlite_app
    ref = started(app, backers=())
    say(app, "w-3", "/start")
    # w-3 backs before selection in real life; here the linked residents are the raters.
    cycle.progress(app, ref, percent=100, note="建成", actor="dept")
    cycle.complete(app, ref, actor="dept")

    class Sender:
        sent: list[Any] = []

        def send(self, recipient: str, text: str, buttons: Any) -> None:
            self.sent.append((recipient, buttons))

    delivery.deliver_due(app, {"telegram": Sender()}, worker_id="t")
    keyboard = next(b for r, b in Sender.sent if r == "tg-1" and len(b) == 2)
    tap = keyboard[0][4]["data"]
    reply = handle_inbound(app, Inbound(channel="telegram", chat_id="tg-1", callback_data=tap))
    assert "感谢您为" in reply[0].text
    again = handle_inbound(app, Inbound(channel="telegram", chat_id="tg-1", callback_data=tap))
    assert "已经为" in again[0].text
    shown = views.show(app, ref)
    assert shown["ratings"] == 1 and shown["awareness"]["opened"] == 1
    assert "不在评价名单" in say(app, "w-3", tap=tap)[0].text
