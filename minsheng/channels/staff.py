"""The senders of staff notices in a long-running process: the fan-out of "staff" rows, the
e-mail sender (when notify.smtp is set) and the department groups through the bot's sender."""

from __future__ import annotations

from minsheng.channels.email import smtp_sender
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery, staff_notices


def senders(app: App, telegram: delivery.Sender | None) -> dict[str, delivery.Sender]:
    return staff_notices.senders(app, telegram=telegram, email=smtp_sender(app))
