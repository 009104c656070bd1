"""`minsheng bot`: the Telegram bot, polling or on a webhook."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from minsheng.cli.common import app_for


def register(sub: Any) -> None:
    bot = sub.add_parser(
        "bot", help="run the Telegram bot (polling; needs MINSHENG_TELEGRAM_TOKEN)"
    )
    bot.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates on a webhook instead of polling (see webhook.* in "
        "the config and MINSHENG_TELEGRAM_WEBHOOK_SECRET)",
    )
    bot.set_defaults(func=_bot)


def _bot(args: argparse.Namespace) -> int:
    app = app_for(args)
    if app.settings.telegram_token is None:
        print(
            "error: set MINSHENG_TELEGRAM_TOKEN to the bot's token from @BotFather", file=sys.stderr
        )
        return 2
    if args.webhook:
        from minsheng.web.routes import telegram_webhook

        return int(telegram_webhook.run(app))
    if app.settings.webhook.enabled:
        print(
            "error: webhook.enabled is true in the config, so updates arrive on the webhook; "
            "set it to false to poll, or run `minsheng bot --webhook`",
            file=sys.stderr,
        )
        return 2
    from minsheng.channels import telegram

    return int(telegram.run_polling(app))
