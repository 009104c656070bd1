"""The Telegram Bot API over plain HTTP: sendMessage, paced, its answers mapped onto the
delivery outcomes (429 waits, 403 and an unknown chat are final, a refused message is not
retried, anything else is).

Every process that delivers the outbox sends this way: the bot, `serve`, the webhook and the
Celery workers. It renders messages as the chat does (`minsheng.channels.telegram.as_html`,
`split_text`, the payload's inline keyboard), and its pace is `delivery.telegram_per_second`,
shared through Redis between worker processes, kept per process elsewhere.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from minsheng.channels.ratelimit import SharedRateLimiter
from minsheng.channels.telegram import as_html, split_text
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
SEND_TIMEOUT_S = 30.0
# A later part of a long message is retried in place: re-sending the first part would repeat it.
PART_RETRIES = 5


def telegram_sender(
    app: App, *, redis_client: Any | None = None, rate: float | None = None
) -> BotApiSender | None:
    """The sender for the configured bot, or None without a token."""
    token = app.settings.telegram_token
    if token is None:
        return None
    secret = token.get_secret_value()
    # The bot id (before the colon) is public; the limiter is per bot, as Telegram's is.
    limiter = SharedRateLimiter(
        redis_client,
        f"minsheng:rate:telegram:{secret.split(':')[0]}",
        rate or app.settings.delivery.telegram_per_second,
    )
    return BotApiSender(app.settings.telegram_base_url or DEFAULT_BASE_URL, secret, limiter)


class BotApiSender:
    """sendMessage over HTTP, mapping the Bot API's answers onto the delivery outcomes."""

    def __init__(
        self, base_url: str, token: str, limiter: SharedRateLimiter, timeout: float = SEND_TIMEOUT_S
    ) -> None:
        self._url = f"{base_url}{token}/sendMessage"
        self._limiter = limiter
        self._client = httpx.Client(timeout=timeout)

    def send(self, recipient: str, text: str, buttons: delivery.Buttons) -> None:
        parts = split_text(as_html(text))
        for i, part in enumerate(parts):
            body: dict[str, Any] = {
                "chat_id": recipient,
                "text": part,
                "parse_mode": "HTML",
                "link_preview_options": {"is_disabled": True},
            }
            keyboard = _keyboard(buttons)
            if i == len(parts) - 1 and keyboard:
                body["reply_markup"] = {"inline_keyboard": keyboard}
            self._post(body, first_part=i == 0)

    def close(self) -> None:
        self._client.close()

    def _post(self, body: dict[str, Any], *, first_part: bool) -> None:
        for _ in range(PART_RETRIES):
            self._limiter.acquire()
            response = self._client.post(self._url, json=body)
            answer = _json(response)
            if response.status_code == 200 and answer.get("ok"):
                return
            description = str(answer.get("description") or f"HTTP {response.status_code}")
            if response.status_code == 429:
                wait = float((answer.get("parameters") or {}).get("retry_after") or 1)
                self._limiter.hold(wait)
                if first_part:
                    raise delivery.RetryLater(wait, description)
                time.sleep(wait)
                continue
            _raise_for(response.status_code, description)
        raise RuntimeError("a later part of the message stayed rate limited")


def _raise_for(status: int, description: str) -> None:
    if status == 403:
        raise delivery.PermanentDeliveryError(description)
    if status == 400 and "chat not found" in description.lower():
        raise delivery.PermanentDeliveryError(description)
    if status in (400, 404, 413):
        # The same request can never succeed; the resident is reachable otherwise.
        raise delivery.RejectedMessage(description)
    raise RuntimeError(f"Bot API answered {status}: {description}")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _keyboard(buttons: delivery.Buttons) -> list[list[dict[str, str]]]:
    rows = [[{"text": b["label"], "callback_data": b["data"]} for b in row] for row in buttons]
    return [row for row in rows if row]
