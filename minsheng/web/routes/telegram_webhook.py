"""Telegram webhook mode: Telegram POSTs each update to /telegram/webhook.

The secret token Telegram echoes in `X-Telegram-Bot-Api-Secret-Token` is compared in constant
time; without it the answer is 403 and nothing is read. An update then takes exactly the
path a polled one takes (`minsheng.channels.telegram.process_update`), so the update-id de-duplication in
the database makes Telegram's retries — and several replicas behind one load balancer —
harmless. Only a real failure (the database unreachable, a bug) answers non-2xx, because
Telegram retries those; a malformed or ignored update answers 200.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import sys
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from minsheng.services.bootstrap import App

log = logging.getLogger(__name__)

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000  # updates are a few kB; anything this large is not from Telegram
ALLOWED_UPDATES = ["message", "callback_query"]

router = APIRouter()
_bot_lock = asyncio.Lock()


def secret_matches(expected: SecretStr | None, given: str | None) -> bool:
    """Constant-time comparison; no secret configured means no update is ever accepted."""
    if expected is None or given is None:
        return False
    return hmac.compare_digest(
        given.encode("utf-8", "replace"), expected.get_secret_value().encode("utf-8")
    )


@router.post(PATH, include_in_schema=False)
async def telegram_webhook(request: Request) -> Response:
    app: App = request.app.state.app
    if not getattr(request.app.state, "telegram_webhook", app.settings.webhook.enabled):
        return Response(status_code=404)
    if not secret_matches(app.settings.webhook_secret, request.headers.get(SECRET_HEADER)):
        return Response(status_code=403)
    body = await request.body()
    try:
        data = json.loads(body, parse_constant=_refuse) if len(body) <= MAX_BODY else None
    except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands deep
        log.info("a webhook body that is not usable JSON was ignored (%s)", type(exc).__name__)
        data = None
    from minsheng.channels import telegram

    bot = await _bot(request, app)
    # Parsed once: python-telegram-bot's objects cost more to build than the step to take.
    update = telegram.parse_update(data, bot)
    inbound = telegram.inbound_of(update) if update is not None else None
    if update is None or (inbound is None and not telegram.is_staff_update(update)):
        return Response(status_code=200)
    try:
        answer = await telegram.process_update(app, bot, update, inbound, answer_in_response=True)
    except Exception:  # Telegram retries non-2xx; the claimed update id makes that safe
        log.exception("a webhook update failed; Telegram will retry it")
        return Response(status_code=500)
    if answer is not None:
        # A tapped button's spinner is stopped by this answer itself.
        return JSONResponse(answer)
    return Response(status_code=200)


def _refuse(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


async def _bot(request: Request, app: App) -> Any:
    """The Bot this process answers with, made once (tests put their own in app.state)."""
    bot = getattr(request.app.state, "telegram_bot", None)
    if bot is not None:
        return bot
    async with _bot_lock:
        bot = getattr(request.app.state, "telegram_bot", None)
        if bot is None:
            bot = make_bot(app)
            await bot.initialize()
            request.app.state.telegram_bot = bot
    return bot


def make_bot(app: App) -> Any:
    from telegram import Bot

    token = app.settings.telegram_token
    if token is None:
        raise RuntimeError("MINSHENG_TELEGRAM_TOKEN is not set")
    base_url = app.settings.telegram_base_url
    kwargs: dict[str, Any] = {}
    if base_url:
        kwargs["base_url"] = base_url
        if base_url.rstrip("/").endswith("/bot"):
            kwargs["base_file_url"] = base_url.rstrip("/")[: -len("bot")] + "file/bot"
    return Bot(token.get_secret_value(), **kwargs)


async def register(bot: Any, app: App) -> None:
    """Point Telegram at this service's webhook (every replica may do it; it is idempotent)."""
    url = app.settings.webhook.url
    secret = app.settings.webhook_secret
    if not url or secret is None:
        raise RuntimeError(
            "webhook mode needs webhook.url in the config and "
            "MINSHENG_TELEGRAM_WEBHOOK_SECRET in the environment"
        )
    await bot.set_webhook(
        url=url,
        secret_token=secret.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=False,
    )
    log.info("Telegram: updates arrive on the webhook")


def build_app(app: App, *, bot: Any | None = None, deliver: bool = False) -> FastAPI:
    """A web app that only receives the webhook (`minsheng bot --webhook`)."""
    import contextlib
    from collections.abc import AsyncIterator

    @contextlib.asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        if not deliver:
            yield
            return
        from minsheng.channels import bot_api, staff, telegram
        from minsheng.services.messaging import delivery_runner

        live = make_bot(app)
        await live.initialize()
        api.state.telegram_bot = live
        await register(live, app)
        await telegram._set_commands_on(live)
        sender = bot_api.telegram_sender(app)
        assert sender is not None  # run() refuses to start without a token
        runner = delivery_runner.DeliveryRunner(
            app, {telegram.CHANNEL: sender, **staff.senders(app, sender)}
        )
        runner.start()
        try:
            yield
        finally:
            await asyncio.to_thread(runner.stop)
            sender.close()
            await live.shutdown()

    api = FastAPI(
        title="Minsheng Telegram webhook",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    api.state.app = app
    api.state.telegram_webhook = True
    if bot is not None:
        api.state.telegram_bot = bot
    api.include_router(router)
    return api


def run(app: App) -> int:
    """`minsheng bot --webhook`: serve the webhook and deliver the outbox until stopped."""
    problems = []
    if app.settings.telegram_token is None:
        problems.append("set MINSHENG_TELEGRAM_TOKEN to the bot's token from @BotFather")
    if app.settings.webhook_secret is None:
        problems.append("set MINSHENG_TELEGRAM_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)")
    if not app.settings.webhook.url:
        problems.append("set webhook.url in the config to the public HTTPS address")
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    import uvicorn

    cfg = app.settings.webhook
    uvicorn.run(
        build_app(app, deliver=True),
        host=cfg.host,
        port=cfg.port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=list(app.settings.web.forwarded_allow_ips),
    )
    return 0
