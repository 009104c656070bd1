"""A small Telegram Bot API stand-in over real HTTP on 127.0.0.1, for end-to-end tests.

It answers the methods the bot uses, hands out injected updates through long polling with
offsets like the real server, records every call, and can play a resident who blocked the bot
(403) or a chat that is rate limited (429 with retry_after).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Minsheng",
    "username": "minsheng_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# Parameters the client sends JSON-encoded inside a form field.
_JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "link_preview_options",
    "reply_parameters",
    "entities",
    "scope",
}
# Methods that address a chat, and so can meet a blocked or rate-limited one.
_CHAT_METHODS = {"sendMessage", "editMessageReplyMarkup", "editMessageText", "sendChatAction"}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float

    @property
    def chat_id(self) -> str:
        return str(self.params.get("chat_id", ""))

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup") or {}
        return list(markup.get("inline_keyboard") or [])


@dataclass
class _Pending:
    update: dict[str, Any]
    ignore_offset: bool = False


@dataclass
class FakeBotApi:
    token: str = "123456:TEST-token"
    calls: list[Call] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    rate_limited: dict[str, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: list[_Pending] = []
        self.handed_out: list[int] = []  # update ids, once per getUpdates answer carrying them
        self._update_ids = itertools.count(700_000)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._stopping = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._serve(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What MINSHENG_TELEGRAM_BASE_URL should be: the token is appended by the client."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests do ---------------------------------------------------------------------

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        first_name: str = "Resident",
        language_code: str | None = None,
    ) -> dict[str, Any]:
        user = _user(chat_id, first_name, language_code)
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.inject({"message": message})

    def send_location(self, chat_id: int, latitude: float, longitude: float) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Resident"},
            "from": _user(chat_id, "Resident", None),
            "location": {"latitude": latitude, "longitude": longitude},
        }
        return self.inject({"message": message})

    def tap(self, chat_id: int, data: str, *, message: Call | None = None) -> dict[str, Any]:
        """Press an inline button; `message` is the sendMessage call that carried it."""
        shown = {
            "message_id": int(message.params.get("_message_id", 1)) if message else 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Resident"},
            "text": message.text if message else "",
        }
        query = {
            "id": f"cbq-{next(self._callback_ids)}",
            "from": _user(chat_id, "Resident", None),
            "chat_instance": f"ci-{chat_id}",
            "data": data,
            "message": shown,
        }
        return self.inject({"callback_query": query})

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (an update_id is given unless present) and return it."""
        update = {"update_id": next(self._update_ids), **update}
        with self._cond:
            self._pending.append(_Pending(update))
            self._cond.notify_all()
        return update

    def redeliver(self, update: dict[str, Any]) -> None:
        """Hand out an update again, as the real server does when a confirmation was lost."""
        with self._cond:
            self._pending.append(_Pending(dict(update), ignore_offset=True))
            self._cond.notify_all()

    def block(self, chat_id: int) -> None:
        self.blocked.add(str(chat_id))

    def rate_limit(self, chat_id: int, *, retry_after: int, times: int = 1) -> None:
        self.rate_limited[str(chat_id)] = (retry_after, times)

    def sent_to(self, chat_id: int) -> list[Call]:
        with self._cond:
            return [
                c
                for c in self.calls
                if c.method == "sendMessage"
                and c.chat_id == str(chat_id)
                and "_error" not in c.params
            ]

    def calls_of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Wait until predicate() is truthy and return its value; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out after {timeout} s; calls so far: "
                        f"{[(c.method, c.params) for c in self.calls]}"
                    )
                self._cond.wait(min(left, 0.2))

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 30.0) -> list[Call]:
        def enough() -> list[Call] | None:
            got = self.sent_to(chat_id)
            return got if len(got) >= count else None

        return list(self.wait_for(enough, timeout))

    # -- the HTTP side ---------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            self._respond(
                handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
            return
        method = path[len(prefix) :]
        params = self._params(handler)
        status, body = self._dispatch(method, params)
        self._respond(handler, status, body)

    @staticmethod
    def _params(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        kind = handler.headers.get("Content-Type") or ""
        if "json" in kind:
            return dict(json.loads(raw or b"{}"))
        params: dict[str, Any] = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        params.update(parse_qsl(urlsplit(handler.path).query))
        for key in _JSON_FIELDS & params.keys():
            params[key] = json.loads(params[key])
        return params

    @staticmethod
    def _respond(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        error = self._refusal(method, params)
        with self._cond:
            recorded = dict(params)
            if error is not None:
                recorded["_error"] = error[0]
            if method == "sendMessage" and error is None:
                recorded["_message_id"] = next(self._message_ids)
            self.calls.append(Call(method, recorded, time.monotonic()))
            self._cond.notify_all()
        if error is not None:
            return error
        return 200, {"ok": True, "result": self._result(method, recorded)}

    def _refusal(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        chat = str(params.get("chat_id", ""))
        if method not in _CHAT_METHODS or not chat:
            return None
        if chat in self.blocked:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        with self._cond:
            limit = self.rate_limited.get(chat)
            if limit is None:
                return None
            retry_after, times = limit
            if times <= 1:
                del self.rate_limited[chat]
            else:
                self.rate_limited[chat] = (retry_after, times - 1)
        return 429, {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        }

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "sendMessage":
            message: dict[str, Any] = {
                "message_id": params["_message_id"],
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "editMessageReplyMarkup":
            return {
                "message_id": int(params.get("message_id", 1)),
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "from": BOT_USER,
                "text": "",
            }
        # deleteWebhook, setMyCommands, answerCallbackQuery, close, logOut...: plain success.
        return True

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._cond:
            self.calls.append(Call("getUpdates", dict(params), time.monotonic()))
            while True:
                # An offset confirms every update below it: those are gone for good.
                self._pending = [
                    p for p in self._pending if p.ignore_offset or p.update["update_id"] >= offset
                ]
                ready = self._pending[:limit]
                if ready or self._stopping:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            for item in ready:
                # A redelivery happens once; afterwards the usual offset rule applies.
                item.ignore_offset = False
                self.handed_out.append(item.update["update_id"])
            return [item.update for item in ready]


def _user(chat_id: int, first_name: str, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user
