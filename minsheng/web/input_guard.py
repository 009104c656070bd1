"""Input no handler can use, refused with a 400 before any handler sees it.

- a NUL character anywhere in the path or the query string (PostgreSQL cannot store one, so it
  would end in a 500 deep inside a query), or in a form-encoded body;
- a JSON body that is not strict JSON: NaN and Infinity (Python's parser accepts them, no
  response can carry them), numbers too large for a float, unpaired surrogates (they cannot be
  encoded, not even in the 422 that would name them), or nesting deeper than any request of
  ours needs (a RecursionError otherwise).

The Telegram webhook is left alone: it must answer 200 to anything it cannot use, and does its
own checks. Every refusal is logged once, without the request's content.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

MAX_DEPTH = 32
MAX_BUFFERED = 2_000_000
_EXEMPT = ("/telegram/webhook",)
# The web chat cleans control characters out of a resident's text itself.
_NUL_ALLOWED_IN_JSON = ("/chat/",)


class BadInput(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise BadInput(f"{name} is not a JSON number")


def check_json(body: bytes, *, allow_nul: bool = False) -> None:
    """Raise BadInput (with a reason a client can act on) unless the body is usable JSON."""
    try:
        value = json.loads(body, parse_constant=_refuse_constant)
    except BadInput:
        raise
    except RecursionError:
        raise BadInput(f"the JSON body is nested more than {MAX_DEPTH} levels deep") from None
    except (ValueError, UnicodeDecodeError):
        return  # not JSON at all: FastAPI answers that with its own 422
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadInput(f"the JSON body is nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, allow_nul)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_text(item, allow_nul)
        elif isinstance(item, float) and not math.isfinite(item):
            raise BadInput("a number in the JSON body is too large")


def _check_text(text: str, allow_nul: bool) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput("the JSON body holds an unpaired surrogate (not valid Unicode)") from None
    if not allow_nul and "\x00" in text:
        raise BadInput("the JSON body holds a NUL character")


def check_query(path: str, query: bytes) -> None:
    if "\x00" in path or b"%00" in query or b"\x00" in query:
        raise BadInput("the address holds a NUL character (%00)")


class InputGuard:
    """ASGI middleware: the checks above, then the request as it came (body replayed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        try:
            check_query(path, scope.get("query_string", b""))
        except BadInput as exc:
            await _refuse(scope, send, str(exc))
            return
        kind = _content_type(scope)
        if kind not in ("application/json", "application/x-www-form-urlencoded"):
            await self.app(scope, receive, send)
            return
        body, messages = await _read(receive)
        if body is not None:
            try:
                if kind == "application/json":
                    check_json(body, allow_nul=path.startswith(_NUL_ALLOWED_IN_JSON))
                elif b"%00" in body or b"\x00" in body:
                    raise BadInput("the form holds a NUL character (%00)")
            except BadInput as exc:
                await _refuse(scope, send, str(exc))
                return
        await self.app(scope, _replay(messages, receive), send)


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return str(value.decode("latin-1").split(";", 1)[0].strip().lower())
    return ""


async def _read(receive: Receive) -> tuple[bytes | None, list[Message]]:
    """The whole body (None past MAX_BUFFERED: the handlers' own limits apply then)."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        size += len(message.get("body", b""))
        if size > MAX_BUFFERED:
            return None, messages
        if not message.get("more_body", False):
            return b"".join(m.get("body", b"") for m in messages), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _refuse(scope: Scope, send: Send, reason: str) -> None:
    log.info("refused %s %r: %s", scope.get("method"), scope["path"][:200], reason)
    path: str = scope["path"]
    if path.startswith("/open311/"):
        from minsheng.web.routes.open311 import Format, error_response

        fmt = Format.xml if path.endswith(".xml") else Format.json
        response = error_response(400, reason, fmt)
    else:
        from fastapi.responses import JSONResponse

        response = JSONResponse({"detail": reason}, status_code=400)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
