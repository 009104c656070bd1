"""The one wiring point: builds the service layer's dependencies from settings."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from case_store.db import make_engine, make_session_factory
from case_store.uow import UnitOfWork
from minsheng.config.settings import Settings, load_settings

if TYPE_CHECKING:
    from routing.calendar import WorkCalendar

log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class App:
    """What every use case receives: settings, a unit-of-work factory, a clock and the NLU."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Callable[[], dt.datetime] = utc_now
    _cache: dict[str, Any] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def now(self) -> dt.datetime:
        return self.clock()

    @property
    def tz(self) -> dt.tzinfo:
        return self.settings.tz

    @functools.cached_property
    def calendar(self) -> WorkCalendar:
        from minsheng.services.calendar_files import load_work_calendar

        cal = self.settings.calendar
        extra = None
        if cal.extra_file:
            extra = self.settings.base_dir / cal.extra_file
        return load_work_calendar(extra, cal.extra_holidays, cal.extra_workdays)

    @functools.cached_property
    def nlu(self) -> Any:
        import nlu

        cfg = self.settings.nlu
        model_dir = None
        if cfg.model_dir:
            model_dir = str(self.settings.base_dir / cfg.model_dir)
        return nlu.load_parser(
            model_dir,
            backend=cfg.backend,
            rasa_url=cfg.rasa.url,
            rasa_timeout_s=cfg.rasa.timeout_s,
            rasa_retries=cfg.rasa.retries,
            low_confidence_threshold=cfg.low_confidence_threshold,
        )

    def dispose(self) -> None:
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    engine: Engine | None = None,
) -> App:
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database_url)
    return App(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        clock=clock or utc_now,
    )
