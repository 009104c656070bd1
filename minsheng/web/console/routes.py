"""The staff console in the browser under /console: login, the queue, the case page with its
actions, the triage desk and the supervisor dashboard, one module each under pages/.

Adapters only: every read and every action calls the same service functions as the API
(minsheng.services.casework.queue, minsheng.services.reporting.dashboard), scoped to the
logged-in member. Shared rendering, security headers and session lookup are in common.
"""

from __future__ import annotations

from fastapi import APIRouter

from minsheng.web.console.pages import (
    case,
    dashboard,
    login,
    projects,
    queue,
    security,
    static,
    telegram,
    triage,
)

router = APIRouter()
router.include_router(static.router)
router.include_router(login.router)
router.include_router(queue.router)
router.include_router(case.router)
router.include_router(triage.router)
router.include_router(dashboard.router)
router.include_router(security.router)
router.include_router(projects.router)
router.include_router(telegram.router)
