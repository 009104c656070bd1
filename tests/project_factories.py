"""Projects brought to a chosen stage through the service layer, for tests that need one.

Importable as `project_factories` from any test (pytest puts tests/ on the path).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factories

from minsheng.services.bootstrap import App
from minsheng.services.projects import backing, cycle

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DEPT = "housing_bureau"


def at(clock: Any, y: int, m: int, d: int, h: int = 10) -> None:
    clock.set(dt.datetime(y, m, d, h, 0, tzinfo=SHANGHAI))


def proposed(app: App, *, residents: tuple[str, ...] = ("tg-1", "tg-2")) -> str:
    refs = [
        factories.submit(app, f"和平小区没有菜市场，买菜要走很远（{r}）", "housing", resident=r)
        for r in residents
    ]
    view = cycle.propose(
        app, title="新建和平菜市场", cases=refs, department=DEPT, year=2026, actor="operator"
    )
    return str(view["reference"])


def approved(app: App, **kw: Any) -> str:
    ref = proposed(app, **kw)
    for stage in ("street", "department", "expert"):
        cycle.review(app, ref, stage=stage, decision="approve", note="同意", actor="operator")
    return ref


def opened(app: App, **kw: Any) -> str:
    ref = approved(app, **kw)
    cycle.publish(app, ref, actor="operator")
    return ref


def started(app: App, backers: tuple[str, ...] = ("tg-1",), **kw: Any) -> str:
    ref = opened(app, **kw)
    for b in backers:
        backing.back(app, ref, channel="telegram", external_id=b)
    cycle.select_project(app, ref, actor="operator")
    cycle.assign(app, ref, department=DEPT, actor="operator")
    return ref
