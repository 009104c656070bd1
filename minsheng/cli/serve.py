"""`minsheng serve`: the web service, with the background jobs in the same process.

`--workers N` starts N uvicorn worker processes on one socket. Each builds its own service
layer from the same configuration and runs its own outbox delivery and sweep — both are safe
side by side (a message is claimed by one sender; the sweep's alerts and pending steps are
keyed). Telegram long polling needs exactly one poller, so several workers need webhook mode.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from minsheng.cli.common import app_for

CONFIG_ENV = "MINSHENG_CONFIG"


def register(sub: Any) -> None:
    srv = sub.add_parser("serve", help="run the web service (API, jobs, Telegram if configured)")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="IPS",
        help="comma-separated addresses of the TLS proxy whose X-Forwarded-* headers are "
        "believed, or * for any (default: web.forwarded_allow_ips in the config)",
    )
    srv.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn worker processes (default 1; see the README on sizing)",
    )
    srv.set_defaults(func=_serve)


def trusted_proxies(app: Any, given: str | None) -> list[str]:
    if given is not None:
        return [ip.strip() for ip in given.split(",") if ip.strip()]
    return list(app.settings.web.forwarded_allow_ips)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from minsheng.web.app import create_app

    app = app_for(args)
    # log_config=None keeps our redacting formatter on uvicorn's loggers too. Proxy headers
    # are read only from the trusted addresses: from anyone else they would let a client
    # claim to be on HTTPS or at any address it likes.
    proxies = trusted_proxies(app, args.forwarded_allow_ips)
    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1:
        settings = app.settings
        if settings.telegram_token is not None and not settings.webhook.enabled:
            print(
                "error: Telegram polling needs a single process; enable webhook mode "
                "(webhook.enabled in the config) or serve with --workers 1",
                file=sys.stderr,
            )
            return 2
        app.dispose()
        if args.config:
            # The workers are new processes: they find the same file through the environment.
            os.environ[CONFIG_ENV] = os.path.abspath(args.config)
        uvicorn.run(
            "minsheng.web.app:from_environment",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_config=None,
            proxy_headers=True,
            forwarded_allow_ips=proxies,
        )
        return 0
    uvicorn.run(
        create_app(app, background=True),
        host=args.host,
        port=args.port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=proxies,
    )
    return 0
