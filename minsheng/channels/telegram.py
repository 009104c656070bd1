"""The Telegram adapter: long polling with python-telegram-bot 22, nothing kept in memory.

Each update becomes an `Inbound`, the service layer answers with `Reply`s (plain text), and
they go back HTML-escaped with inline keyboards. The same process delivers the outbox
(notifications such as "resolved, please rate") with `minsheng.channels.bot_api`, plain HTTP:
building python-telegram-bot's objects for each sent message cost more CPU than the step
that queued it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import html
import logging
import math
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
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from minsheng.services.access import telegram_link
from minsheng.services.bootstrap import App
from minsheng.services.casework import group_actions
from minsheng.services.messaging import delivery
from minsheng.services.messaging.staff_notices import ACCEPT_PREFIX
from minsheng.services.residents import attachments as stored_files
from minsheng.services.residents import flood
from minsheng.services.residents.conversation import Button, Inbound, Reply, handle_inbound

# _remove_keyboard calls editMessageReplyMarkup raw on purpose (see there).
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.editMessageReplyMarkup'", category=PTBUserWarning
)
log = logging.getLogger(__name__)

CHANNEL = "telegram"
POLL_TIMEOUT = dt.timedelta(seconds=10)

COMMANDS: dict[str, dict[str, str]] = {
    "start": {"zh": "开始", "en": "Start"},
    "new": {"zh": "提交新的诉求", "en": "Report a new problem"},
    "status": {"zh": "查询诉求进展", "en": "Where is my case?"},
    "mycases": {"zh": "我的诉求", "en": "My cases"},
    "withdraw": {"zh": "撤回诉求", "en": "Withdraw a case"},
    "cancel": {"zh": "取消当前对话", "en": "Leave the current dialogue"},
    "lang": {"zh": "切换语言 zh|en", "en": "Switch language zh|en"},
    "projects": {"zh": "民生实事点单", "en": "Back a livelihood project"},
    "myprojects": {"zh": "我支持的项目", "en": "Projects I back"},
    "subscribe": {"zh": "订阅项目消息", "en": "Follow projects of an area or domain"},
    "unsubscribe": {"zh": "取消订阅", "en": "Stop following projects"},
    "mydata": {"zh": "查看我的个人信息", "en": "What you hold about me"},
    "forget": {"zh": "删除我的个人信息", "en": "Erase my personal data"},
    "help": {"zh": "帮助", "en": "Help"},
}


# -- translation between Telegram and the service layer ------------------------------------


def to_inbound(update: Update) -> Inbound | None:
    """The service layer's view of an update; None for updates the bot ignores."""
    inbound = _to_inbound(update)
    return _sane(inbound) if inbound is not None else None


def _to_inbound(update: Update) -> Inbound | None:
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


# Telegram's ids fit in 52 bits; callback data is 1-64 bytes. Anything else is not Telegram.
_MAX_ID_DIGITS = 19
_MAX_CALLBACK_BYTES = 64


def _sane(inbound: Inbound) -> Inbound | None:
    """The inbound with whatever no real client sends dropped; None if nothing is left."""
    chat = inbound.chat_id.removeprefix("-")
    update_id = (inbound.update_id or "0").removeprefix("-")
    if not (chat.isdigit() and len(chat) <= _MAX_ID_DIGITS):
        return _malformed("chat id")
    if not (update_id.isdigit() and len(update_id) <= _MAX_ID_DIGITS):
        return _malformed("update id")
    data = inbound.callback_data
    if data is not None and (
        not isinstance(data, str) or len(data.encode("utf-8", "replace")) > _MAX_CALLBACK_BYTES
    ):
        return _malformed("button data")
    if inbound.location is not None and not _on_earth(*inbound.location):
        if inbound.text is None and not inbound.has_photo:
            return _malformed("location")
        inbound = dataclasses.replace(inbound, location=None)
    return inbound


def _on_earth(latitude: object, longitude: object) -> bool:
    return (
        isinstance(latitude, int | float)
        and isinstance(longitude, int | float)
        and math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    )


def _malformed(what: str) -> Inbound | None:
    log.info("a malformed update was ignored (%s)", what)
    return None


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


_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, OverflowError, RecursionError)


def translate(data: Any, bot: Any) -> Inbound | None:
    """A raw update (parsed JSON) as the service layer sees it; None for anything unusable."""
    update = parse_update(data, bot)
    return inbound_of(update) if update is not None else None


def parse_update(data: Any, bot: Any) -> Update | None:
    """A raw update (parsed JSON) as python-telegram-bot's Update, or None if unusable.

    Malformed updates are dropped here rather than raising: there is nothing a sender can
    retry, and the webhook must not answer them with an error.
    """
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        return Update.de_json(data, bot)
    except _MALFORMED as exc:
        log.info("a malformed update was ignored (%s)", type(exc).__name__)
        return None


def inbound_of(update: Update) -> Inbound | None:
    """The update as the service layer sees it; None when it is not for the dialogue."""
    try:
        return to_inbound(update)
    except _MALFORMED as exc:
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
    app: App,
    bot: Any,
    update: Update,
    inbound: Inbound | None = None,
    *,
    answer_in_response: bool = False,
) -> dict[str, Any] | None:
    """One update, polled or posted to the webhook: the same path either way.

    It returns once the step is committed; the delivery runner sends the replies.
    `answer_in_response`: a resident's button tap is not answered with a Bot API call of its
    own; the webhook's HTTP response carries the answerCallbackQuery returned here instead
    (Telegram runs a method given as the webhook's answer), one request less per tap.
    """
    if is_staff_update(update):
        await process_staff_update(app, bot, update)
        return None
    inbound = inbound or to_inbound(update)
    if inbound is None:
        return None
    query = update.callback_query
    in_response = None
    if query is not None and answer_in_response:
        in_response = {"method": "answerCallbackQuery", "callback_query_id": query.id}
    # The button's spinner stops while the step runs, not after it.
    answering = (
        asyncio.ensure_future(_answer(query)) if query is not None and in_response is None else None
    )
    verdict = await asyncio.to_thread(flood.chat_message, app, CHANNEL, inbound.chat_id)
    if not verdict.allowed:
        # One answer per window; the rest of a flood is dropped (and not retried: we say 200).
        # The notice belongs to no dialogue step, so it goes straight out rather than through
        # the outbox.
        if verdict.first_refusal:
            text = flood.slow_down_text(app, inbound.language_hint)
            try:
                await bot.send_message(chat_id=int(inbound.chat_id), text=text)
            except TelegramError as exc:
                log.info("the slow-down notice was not sent (%s)", type(exc).__name__)
        if answering is not None:
            await answering
        return in_response
    inbound = await with_files(app, bot, update, inbound)
    try:
        replies = await asyncio.to_thread(_handle, app, inbound)
    finally:
        if answering is not None:
            await answering
    if query is not None and replies:
        _soon(_remove_keyboard(query))
    return in_response


# -- staff in their department's group ----------------------------------------------------
#
# Separate from the resident dialogue: a button of a staff notice ("staff:…") and `/link CODE`
# in a group never reach handle_inbound.

STAFF_PREFIX = "staff:"
LINK_COMMAND = "/link"
_STAFF_TEXTS = {
    group_actions.Outcome.ACCEPTED: "已受理 {ref}。/ You accepted {ref}.",
    # Telegram shows at most 200 characters in a button's answer.
    group_actions.Outcome.NOT_LINKED: (
        "抱歉，您尚未绑定工作人员账号：请在控制台「Telegram」页取得绑定码，在本群发送 "
        "/link 绑定码。/ Sorry, you are not linked yet: get a code on the console's "
        "Telegram page, then send /link CODE here."
    ),
    group_actions.Outcome.NOT_ALLOWED: (
        "抱歉，{ref} 不在您的办理范围内，无法受理。/ Sorry, {ref} is not in your scope."
    ),
    group_actions.Outcome.ALREADY: (
        "{ref} 已被受理或已不在待受理状态。/ {ref} has already been accepted or is past acceptance."
    ),
}
_ACCEPTED_NOTE = "✅ {ref} 已由 {name} 受理 / accepted by {name}"
_LINKED = "已绑定：{name}。此后可在群内直接受理紧急诉求。/ Linked to {name}: you can now accept urgent cases here."
_NOT_LINKED_CODE = (
    "绑定码无效或已过期，请在控制台重新获取。/ That code is wrong, used or expired; get a new "
    "one on the console's Telegram page."
)


def is_staff_update(update: Update) -> bool:
    """A press on a staff notice's button, or `/link …` written in a group."""
    query = update.callback_query
    if query is not None:
        return isinstance(query.data, str) and query.data.startswith(STAFF_PREFIX)
    message = update.message
    if message is None or message.chat.type not in ("group", "supergroup") or not message.text:
        return False
    return _strip_bot_name(message.text).split(maxsplit=1)[0] == LINK_COMMAND


async def process_staff_update(app: App, bot: Any, update: Update) -> None:
    query = update.callback_query
    if query is not None:
        await _staff_button(app, bot, query)
        return
    message = update.message
    if message is None or message.from_user is None or not message.text:
        return
    parts = _strip_bot_name(message.text).split()
    code = parts[1] if len(parts) > 1 else ""
    member = await asyncio.to_thread(telegram_link.link, app, message.from_user.id, code)
    text = _LINKED.format(name=member.name) if member else _NOT_LINKED_CODE
    try:
        # The code was used (or was wrong): either way it need not stay in the group.
        await message.delete()
    except TelegramError as exc:
        log.debug("the /link message was not removed: %s", type(exc).__name__)
    try:
        await send(bot, str(message.chat.id), text, [])
    except TelegramError as exc:
        log.warning("the /link answer was not sent: %s", type(exc).__name__)


async def _staff_button(app: App, bot: Any, query: CallbackQuery) -> None:
    data = query.data or ""
    if not data.startswith(ACCEPT_PREFIX):
        await _answer(query)
        return
    reference = data.removeprefix(ACCEPT_PREFIX)
    result = await asyncio.to_thread(
        group_actions.accept_from_group, app, query.from_user.id, reference
    )
    text = _STAFF_TEXTS[result.outcome].format(ref=reference)
    try:
        await query.answer(text, show_alert=result.outcome is not group_actions.Outcome.ACCEPTED)
    except BadRequest as exc:
        log.debug("callback query not answered: %s", exc.message)
    if result.outcome in (group_actions.Outcome.ACCEPTED, group_actions.Outcome.ALREADY):
        await _remove_keyboard(query)
    if result.outcome is group_actions.Outcome.ACCEPTED and query.message is not None:
        note = _ACCEPTED_NOTE.format(ref=reference, name=result.member_name or "")
        try:
            await send(bot, str(query.message.chat.id), note, [])
        except TelegramError as exc:
            log.warning("the acceptance was not announced: %s", type(exc).__name__)


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
        # The raw call: the edited Message it answers with is not needed, and turning it into
        # python-telegram-bot's objects was a fifth of a webhook request's CPU.
        await query.get_bot().do_api_request(
            "editMessageReplyMarkup",
            api_kwargs={"chat_id": query.message.chat.id, "message_id": query.message.message_id},
        )
    except BadRequest as exc:
        log.debug("keyboard not removed: %s", exc.message)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("handling an update failed", exc_info=context.error)


# -- the process ---------------------------------------------------------------------------


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    app: App = application.bot_data["app"]
    await _set_commands(application)
    # Embedded: this process delivers the outbox and sweeps; with Redis, Celery does both.
    from minsheng.channels import bot_api, staff
    from minsheng.services import jobs

    sender = bot_api.telegram_sender(app)
    assert sender is not None  # the bot runs only with a token
    application.bot_data["sender"] = sender

    senders: dict[str, delivery.Sender] = {CHANNEL: sender, **staff.senders(app, sender)}
    application.bot_data["delivery"] = jobs.start_background(app, senders)
    log.info("polling for updates")


async def _post_stop(application: Application) -> None:  # type: ignore[type-arg]
    runner = application.bot_data.pop("delivery", None)
    if runner is not None:
        # Stopping joins the delivery thread, which may be in the middle of a send.
        await asyncio.to_thread(runner.stop)
    sender = application.bot_data.pop("sender", None)
    if sender is not None:
        sender.close()


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
    # In groups only `/link CODE` from staff (process_update sends it down the staff path).
    application.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, on_update))
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
