"""Senders used by worker processes: the Telegram Bot API over plain HTTP, paced and counted.

The bot process sends through python-telegram-bot on its own event loop; a worker has no such
loop, so it speaks the Bot API directly with a synchronous client. Both render messages the
same way (minsheng.channels.telegram.as_html, split_text, the inline keyboard of the payload).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from minsheng.channels import staff
from minsheng.channels.telegram import as_html, split_text
from minsheng.services import job_metrics
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery, staff_notices
from minsheng.services.messaging.delivery_claims import Outgoing
from minsheng.worker.ratelimit import SharedRateLimiter

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# Telegram allows about 30 messages a second per bot; stay a little below it.
DEFAULT_RATE = 28.0
SEND_TIMEOUT_S = 30.0
# A later part of a long message is retried in place: re-sending the first part would repeat it.
PART_RETRIES = 5

SenderFactory = Callable[[App], "delivery.Sender | None"]
_FACTORIES: dict[str, SenderFactory] = {}


def register(channel: str, factory: SenderFactory) -> None:
    """Let worker processes deliver another channel (e.g. the web chat, staff notices)."""
    _FACTORIES[channel] = factory


def build(
    app: App, *, redis_client: Any | None = None, rate: float = DEFAULT_RATE
) -> dict[str, delivery.Sender]:
    """The senders this process can use, keyed by outbox channel."""
    senders: dict[str, delivery.Sender] = {}
    telegram = telegram_sender(app, redis_client=redis_client, rate=rate)
    if telegram is not None:
        senders["telegram"] = telegram
    senders.update(staff.senders(app, telegram))
    for channel, factory in _FACTORIES.items():
        sender = factory(app)
        if sender is not None:
            senders[channel] = sender
    return {channel: CountingSender(channel, sender) for channel, sender in senders.items()}


def channels(app: App) -> list[str]:
    """The channels worker processes deliver with this configuration (the relay's filter)."""
    found = ["telegram"] if app.settings.telegram_token is not None else []
    found += [staff_notices.CHANNEL, *staff_notices.usable_channels(app.settings)]
    return found + [c for c in _FACTORIES if c not in found]


def telegram_sender(
    app: App, *, redis_client: Any | None = None, rate: float = DEFAULT_RATE
) -> BotApiSender | None:
    token = app.settings.telegram_token
    if token is None:
        return None
    secret = token.get_secret_value()
    # The bot id (before the colon) is public; the limiter is per bot, as Telegram's is.
    limiter = SharedRateLimiter(
        redis_client, f"minsheng:rate:telegram:{secret.split(':')[0]}", rate
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


class CountingSender:
    """Counts each send's outcome in this process's metrics, then passes it on."""

    def __init__(self, channel: str, inner: delivery.Sender) -> None:
        self.channel = channel
        self._inner = inner

    def send(self, recipient: str, text: str, buttons: delivery.Buttons) -> None:
        self._counted(lambda: self._inner.send(recipient, text, buttons))

    def send_message(self, message: Outgoing) -> None:
        self._counted(lambda: delivery.send_with(self._inner, message))

    def _counted(self, send: Callable[[], None]) -> None:
        try:
            send()
        except delivery.RetryLater:
            job_metrics.count_delivery(self.channel, "rate_limited")
            raise
        except (delivery.PermanentDeliveryError, delivery.RejectedMessage):
            job_metrics.count_delivery(self.channel, "permanent")
            raise
        except Exception:
            job_metrics.count_delivery(self.channel, "failed")
            raise
        job_metrics.count_delivery(self.channel, "sent")
