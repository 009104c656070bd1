"""`minsheng serve`: the web service, with the background jobs in the same process."""

from __future__ import annotations

import argparse
from typing import Any

from minsheng.cli.common import app_for


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
    uvicorn.run(
        create_app(app, background=True),
        host=args.host,
        port=args.port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=trusted_proxies(app, args.forwarded_allow_ips),
    )
    return 0
