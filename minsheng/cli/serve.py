"""`minsheng serve`: the web service, with the background jobs in the same process."""

from __future__ import annotations

import argparse
from typing import Any

from minsheng.cli.common import app_for


def register(sub: Any) -> None:
    srv = sub.add_parser("serve", help="run the web service (API, jobs, Telegram if configured)")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8000)
    srv.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from minsheng.web.app import create_app

    app = app_for(args)
    # log_config=None keeps our redacting formatter on uvicorn's loggers too.
    uvicorn.run(
        create_app(app, background=True),
        host=args.host,
        port=args.port,
        log_config=None,
        proxy_headers=False,
    )
    return 0
