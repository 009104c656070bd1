"""The Telegram adapter: long polling with python-telegram-bot 22, nothing kept in memory.

Each update becomes an `Inbound`, the service layer answers with `Reply`s (plain text), and
they go back HTML-escaped with inline keyboards. The same process delivers the outbox
(notifications such as "resolved, please rate") through a `TelegramSender`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import html
import logging
import sys
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from telegram import (
    BotCommand,
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    PhotoSize,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery
from minsheng.services.residents import attachments as stored_files
from minsheng.services.residents.conversation import Button, Inbound, Reply, handle_inbound

log = logging.getLogger(__name__)

CHANNEL = "telegram"
POLL_TIMEOUT = dt.timedelta(seconds=10)
SEND_TIMEOUT_S = 60.0

COMMANDS: dict[str, dict[str, str]] = {
    "start": {"zh": "开始", "en": "Start"},
    "new": {"zh": "提交新的诉求", "en": "Report a new problem"},
    "status": {"zh": "查询诉求进展", "en": "Where is my case?"},
    "mycases": {"zh": "我的诉求", "en": "My cases"},
    "withdraw": {"zh": "撤回诉求", "en": "Withdraw a case"},
    "cancel": {"zh": "取消当前对话", "en": "Leave the current dialogue"},
    "lang": {"zh": "切换语言 zh|en", "en": "Switch language zh|en"},
    "mydata": {"zh": "查看我的个人信息", "en": "What you hold about me"},
    "forget": {"zh": "删除我的个人信息", "en": "Erase my personal data"},
    "help": {"zh": "帮助", "en": "Help"},
}


# -- translation between Telegram and the service layer ------------------------------------


def to_inbound(update: Update) -> Inbound | None:
    """The service layer's view of an update; None for updates the bot ignores."""
    user = update.effective_user
    common: dict[str, Any] = {
        "channel": CHANNEL,
        "update_id": str(update.update_id),
        "display_name": user.full_name if user else None,
        "language_hint": user.language_code if user else None,
    }
    query = update.callback_query
    if query is not None:
        chat_id = query.message.chat.id if query.message else query.from_user.id
        return Inbound(chat_id=str(chat_id), callback_data=query.data, **common)
    message = update.message
    if message is None or message.chat.type != "private":
        return None
    text = message.text or message.caption
    location = message.location
    has_photo = bool(message.photo) or message.document is not None
    notice = None
    if text is None and location is None and not has_photo:
        if not _has_unreadable_content(message):
            return None  # a service message (pinned, joined...): nothing to answer
        notice = "unsupported"
    return Inbound(
        chat_id=str(message.chat.id),
        text=_strip_bot_name(text) if text is not None else None,
        location=(location.latitude, location.longitude) if location else None,
        has_photo=has_photo,
        notice=notice,
        **common,
    )


_UNREADABLE = (
    "sticker",
    "voice",
    "audio",
    "video",
    "video_note",
    "animation",
    "contact",
    "poll",
    "dice",
    "game",
    "venue",
    "story",
    "invoice",
)


def _has_unreadable_content(message: Message) -> bool:
    return any(getattr(message, name, None) for name in _UNREADABLE)


def translate(data: Any, bot: Any) -> Inbound | None:
    """A raw update (parsed JSON) as the service layer sees it; None for anything unusable.

    Malformed updates are dropped here rather than raising: there is nothing a sender can
    retry, and the webhook must not answer them with an error.
    """
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        update = Update.de_json(data, bot)
        return to_inbound(update) if update is not None else None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        log.info("a malformed update was ignored (%s)", type(exc).__name__)
        return None


async def with_files(app: App, bot: Any, update: Update, inbound: Inbound) -> Inbound:
    """Download the update's photo or document into the attachment store (size-limited)."""
    message = update.message
    if message is None or not inbound.has_photo:
        return inbound
    media: PhotoSize | Document
    name: str | None
    mime: str | None
    if message.photo:
        kind, media, name, mime = "photo", message.photo[-1], None, "image/jpeg"
    elif message.document is not None:
        document = message.document
        kind, media, name, mime = "document", document, document.file_name, document.mime_type
        if (mime or "").startswith("image/"):
            kind = "photo"
    else:
        return inbound
    limit = stored_files.limit_for(app.settings, kind)
    if media.file_size is not None and media.file_size > limit:
        return dataclasses.replace(inbound, has_photo=False, notice=f"{kind}_too_large")
    try:
        file = await bot.get_file(media.file_id)
        data = bytes(await file.download_as_bytearray())
        stored = await asyncio.to_thread(
            stored_files.store_bytes,
            app.settings,
            data,
            kind=kind,
            filename=name,
            content_type=mime,
        )
    except stored_files.TooLarge:
        return dataclasses.replace(inbound, has_photo=False, notice=f"{kind}_too_large")
    except (TelegramError, OSError) as exc:
        # The case can still go ahead; the resident is told a photo came, which it did.
        log.warning("an attachment could not be fetched: %s", type(exc).__name__)
        return inbound
    return dataclasses.replace(inbound, attachments=(stored,))


def _strip_bot_name(text: str) -> str:
    """'/status@minsheng_bot MS-…' → '/status MS-…', so commands read the same everywhere."""
    if not text.startswith("/"):
        return text
    head, sep, rest = text.partition(" ")
    return head.split("@", 1)[0] + sep + rest


def as_html(text: str) -> str:
    """Everything is shown with HTML parse mode, so every character the resident typed
    (echoed in summaries and case texts) must be escaped first."""
    return html.escape(text)


def keyboard(rows: Iterable[Iterable[Button | Mapping[str, str]]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard from Reply buttons or from an outbox payload's {"label","data"}."""
    markup = []
    for row in rows:
        line = []
        for button in row:
            label, data = (
                (button.label, button.data)
                if isinstance(button, Button)
                else (button["label"], button["data"])
            )
            line.append(InlineKeyboardButton(text=label, callback_data=data))
        if line:
            markup.append(line)
    return InlineKeyboardMarkup(markup) if markup else None


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Telegram refuses longer messages; cut at line ends where possible."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns while moving from int to timedelta
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


# -- sending -------------------------------------------------------------------------------


async def send(
    bot: Any, chat_id: str, text: str, buttons: Iterable[Iterable[Button | Mapping[str, str]]]
) -> None:
    """One message (or a few, if long), keyboard on the last part."""
    parts = split_text(as_html(text))
    for i, part in enumerate(parts):
        await bot.send_message(
            chat_id=chat_id,
            text=part,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=keyboard(buttons) if i == len(parts) - 1 else None,
        )


class TelegramSender:
    """A delivery Sender, called from the delivery thread, sending on the bot's event loop."""

    def __init__(
        self, bot: Any, loop: asyncio.AbstractEventLoop, timeout: float = SEND_TIMEOUT_S
    ) -> None:
        self._bot = bot
        self._loop = loop
        self._timeout = timeout

    def send(self, recipient: str, text: str, buttons: delivery.Buttons) -> None:
        future = asyncio.run_coroutine_threadsafe(self._send(recipient, text, buttons), self._loop)
        future.result(self._timeout)

    async def _send(self, recipient: str, text: str, buttons: delivery.Buttons) -> None:
        try:
            await send(self._bot, recipient, text, buttons)
        except Forbidden as exc:
            raise delivery.PermanentDeliveryError(exc.message) from exc
        except RetryAfter as exc:
            raise delivery.RetryLater(retry_seconds(exc), exc.message) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise delivery.PermanentDeliveryError(exc.message) from exc
            raise


# -- handlers ------------------------------------------------------------------------------


def _handle(app: App, inbound: Inbound) -> list[Reply]:
    # The replies go out through the outbox, queued in the transaction of the step itself:
    # a crash after the commit loses none, a retry of the update queues none twice. Writing
    # to us proves a resident who had blocked the bot can be reached again.
    return list(handle_inbound(app, inbound, via_outbox=True, mark_reachable=True))


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await process_update(context.bot_data["app"], context.bot, update)


_in_flight: set[asyncio.Task[None]] = set()


def _soon(call: Any) -> None:
    """A Bot API courtesy call (removing a keyboard) that the update need not wait for."""
    task = asyncio.get_running_loop().create_task(call)
    _in_flight.add(task)
    task.add_done_callback(_in_flight.discard)


async def process_update(
    app: App, bot: Any, update: Update, inbound: Inbound | None = None
) -> None:
    """One update, polled or posted to the webhook: the same path either way.

    It returns once the step is committed; the delivery runner sends the replies.
    """
    inbound = inbound or to_inbound(update)
    if inbound is None:
        return
    query = update.callback_query
    # The button's spinner stops while the step runs, not after it.
    answering = asyncio.ensure_future(_answer(query)) if query is not None else None
    inbound = await with_files(app, bot, update, inbound)
    try:
        replies = await asyncio.to_thread(_handle, app, inbound)
    finally:
        if answering is not None:
            await answering
    if query is not None and replies:
        _soon(_remove_keyboard(query))


async def _answer(query: CallbackQuery) -> None:
    """Stop the button's spinner; a query that is too old to answer is not an error."""
    try:
        await query.answer()
    except BadRequest as exc:
        log.debug("callback query not answered: %s", exc.message)


async def _remove_keyboard(query: CallbackQuery) -> None:
    """A tapped keyboard goes away, so an old button cannot be pressed again later."""
    if query.message is None or not isinstance(query.message, Message):
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        log.debug("keyboard not removed: %s", exc.message)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("handling an update failed", exc_info=context.error)


# -- the process ---------------------------------------------------------------------------


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    app: App = application.bot_data["app"]
    await _set_commands(application)
    sender = TelegramSender(application.bot, asyncio.get_running_loop())
    # Embedded: this process delivers the outbox and sweeps; with Redis, Celery does both.
    from minsheng.services import jobs

    application.bot_data["delivery"] = jobs.start_background(app, {CHANNEL: sender})
    log.info("polling for updates")


async def _post_stop(application: Application) -> None:  # type: ignore[type-arg]
    runner = application.bot_data.pop("delivery", None)
    if runner is not None:
        # The runner may be waiting on a send scheduled on this loop: stop it off the loop.
        await asyncio.to_thread(runner.stop)


async def _set_commands(application: Application) -> None:  # type: ignore[type-arg]
    await _set_commands_on(application.bot)


async def _set_commands_on(bot: Any) -> None:
    try:
        for language in ("zh", "en"):
            commands = [BotCommand(name, text[language]) for name, text in COMMANDS.items()]
            await bot.set_my_commands(
                commands, language_code=None if language == "zh" else language
            )
    except TelegramError as exc:
        log.warning("the command menu was not set: %s", exc.message)


class _HandledFloodControl(logging.Filter):
    """The rate limiter logs every 429 as an error; ours are queued and retried instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, RetryAfter)


def build_application(app: App) -> Application:  # type: ignore[type-arg]
    logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_HandledFloodControl())
    token = app.settings.telegram_token
    if token is None:
        raise ValueError("MINSHENG_TELEGRAM_TOKEN is not set")
    builder = (
        ApplicationBuilder()
        .token(token.get_secret_value())
        .rate_limiter(AIORateLimiter())
        .post_init(_post_init)
        .post_stop(_post_stop)
    )
    base_url = app.settings.telegram_base_url
    if base_url:
        builder = builder.base_url(base_url)
        if base_url.rstrip("/").endswith("/bot"):
            builder = builder.base_file_url(base_url.rstrip("/")[: -len("bot")] + "file/bot")
    application = builder.build()
    application.bot_data["app"] = app
    application.add_handler(CallbackQueryHandler(on_update))
    # Every private message: what the bot cannot read gets a polite answer, not silence.
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE, on_update)
    )
    application.add_error_handler(on_error)
    return application


def run_polling(app: App) -> int:
    """`minsheng bot`: serve the bot until SIGINT/SIGTERM; 0 on a clean stop."""
    if app.settings.telegram_token is None:
        print(
            "error: set MINSHENG_TELEGRAM_TOKEN to the bot's token from @BotFather", file=sys.stderr
        )
        return 2
    application = build_application(app)
    application.run_polling(
        allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY],
        timeout=POLL_TIMEOUT,
        drop_pending_updates=False,
    )
    return 0
