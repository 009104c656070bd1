"""Senders used by worker processes: the Telegram Bot API (minsheng.channels.bot_api), paced
through Redis across the workers, staff notices and any registered channel, each counted."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from minsheng.channels import staff
from minsheng.channels.bot_api import telegram_sender
from minsheng.services import job_metrics
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery, staff_notices
from minsheng.services.messaging.delivery_claims import Outgoing

log = logging.getLogger(__name__)

SenderFactory = Callable[[App], "delivery.Sender | None"]
_FACTORIES: dict[str, SenderFactory] = {}


def register(channel: str, factory: SenderFactory) -> None:
    """Let worker processes deliver another channel (e.g. the web chat, staff notices)."""
    _FACTORIES[channel] = factory


def build(
    app: App, *, redis_client: Any | None = None, rate: float | None = None
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
