"""The web service's app factory: `create_app(App) -> FastAPI`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from minsheng import logs
from minsheng.services.bootstrap import App
from minsheng.web import errors, input_guard, metrics


def create_app(app: App, *, background: bool = False) -> FastAPI:
    """The HTTP API over the service layer. `background=True` (what `minsheng serve` passes)
    also runs the outbox delivery, the SLA sweep and Telegram polling in this process."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not background:
            yield
            return
        from minsheng.web import runtime

        async with runtime.background(app):
            yield

    application = FastAPI(
        title="Minsheng",
        summary="Resident intake, case routing and the department workspace",
        version="0.1.0",
        lifespan=lifespan,
    )
    application.state.app = app
    logs.protect_access_log()
    application.state.metrics = metrics.Metrics(app)
    metrics.install(application, application.state.metrics)
    errors.install(application)
    application.add_middleware(input_guard.InputGuard)
    _include_routers(application)
    return application


def from_environment() -> FastAPI:
    """What each `minsheng serve --workers N` process runs: settings from the environment
    ($MINSHENG_CONFIG and the secrets), with the background jobs."""
    from minsheng import logs
    from minsheng.config.settings import load_settings
    from minsheng.services.bootstrap import bootstrap

    logs.setup()  # a worker is a fresh process: the same redacting log lines as the parent
    return create_app(bootstrap(load_settings(None)), background=True)


def _include_routers(application: FastAPI) -> None:
    # == ROUTERS ===========================================================================
    # Each router registers here with one import and one include_router line, nothing else.
    from minsheng.web.routes import health

    application.include_router(health.router)
    from minsheng.web.routes import staff_api

    application.include_router(staff_api.router)
    from minsheng.web.routes import open311

    application.include_router(open311.router)
    from minsheng.web.routes import projects_public

    application.include_router(projects_public.router)
    from minsheng.web.routes import public

    application.include_router(public.router)
    from minsheng.web.routes import projects_api

    application.include_router(projects_api.router)
    from minsheng.web.routes import telegram_webhook

    application.include_router(telegram_webhook.router)
    from minsheng.web.console import routes as console

    application.include_router(console.router)
    from minsheng.web.routes import web_chat

    application.include_router(web_chat.router)
    from minsheng.web.routes import web_chat_extra

    application.include_router(web_chat_extra.router)
    # == END OF ROUTERS ====================================================================
