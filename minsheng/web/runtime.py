"""What `minsheng serve` runs beside the HTTP API, inside the ASGI lifespan:

- the outbox delivery for every channel this process can send to — Telegram when a token is
  set, staff notices by e-mail and to the departments' Telegram groups; 'web' rows are
  fetched by the web chat — and the SLA sweep every minute
  (minsheng.services.jobs.start_background; with Redis configured, Celery workers and beat do both);
- Telegram long polling when a token is set, on the server's own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from minsheng.channels import staff
from minsheng.services import jobs
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery

log = logging.getLogger(__name__)

SWEEP_INTERVAL_S = 60.0


@contextlib.asynccontextmanager
async def background(app: App, *, sweep_interval: float = SWEEP_INTERVAL_S) -> AsyncIterator[None]:
    async with contextlib.AsyncExitStack() as stack:
        senders: dict[str, delivery.Sender] = {}
        if app.settings.telegram_token is not None:
            senders["telegram"] = await stack.enter_async_context(_telegram(app))
        senders.update(staff.senders(app, senders.get("telegram")))
        # Embedded mode delivers and sweeps here; with Redis set, Celery does and this is a no-op.
        handle = jobs.start_background(app, senders, sweep_every=sweep_interval)
        # Stopping joins the delivery thread, which may be in the middle of a send.
        stack.push_async_callback(asyncio.to_thread, handle.stop)
        yield


@contextlib.asynccontextmanager
async def _telegram(app: App) -> AsyncIterator[delivery.Sender]:
    """PTB's Application driven by hand (not run_polling, which would own the event loop)."""
    from telegram import Update

    from minsheng.channels import bot_api, telegram

    application = telegram.build_application(app)
    await application.initialize()
    try:
        await telegram._set_commands(application)
        assert application.updater is not None
        if app.settings.webhook.enabled:  # updates arrive on /telegram/webhook instead
            from minsheng.web.routes import telegram_webhook

            await telegram_webhook.register(application.bot, app)
        else:
            await application.updater.start_polling(
                allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
                timeout=telegram.POLL_TIMEOUT,
                drop_pending_updates=False,
            )
            log.info("Telegram: polling for updates")
        await application.start()
        sender = bot_api.telegram_sender(app)
        assert sender is not None  # a token is set, or this would not run
        try:
            yield sender
        finally:
            sender.close()
            if application.updater.running:
                await application.updater.stop()
            await application.stop()
    finally:
        await application.shutdown()
