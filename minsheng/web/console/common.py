"""What every console page shares: templates, security headers, the session and language
of the request, redirects, and the small helpers the pages have in common.

Pages carry no inline script; resident text reaches them only through Jinja2's autoescaping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minsheng.services.access import web_sessions
from minsheng.services.access.staff import Role, scope_of
from minsheng.services.bootstrap import App
from minsheng.web import cookies
from minsheng.web.console import i18n

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
SESSION_COOKIE = "ms_session"
CODE_COOKIE = "ms_login_code"  # the pending sign-in between password and code
LOGIN_CSRF_COOKIE = "ms_login_csrf"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DASHBOARD_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.TRIAGE})
TRIAGE_ROLES = frozenset({Role.TRIAGE, Role.ADMIN})

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every template, whatever its name: resident text is never markup
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def console_router() -> APIRouter:
    """A page module's router; minsheng.web.console.routes gathers them into one."""
    return APIRouter(prefix="/console", include_in_schema=False)


# -- page context ---------------------------------------------------------------------------


@dataclass
class Page:
    app: App
    request: Request
    session: web_sessions.ConsoleSession | None
    t: i18n.Translator

    @property
    def member(self) -> Any:
        assert self.session is not None
        return self.session.member

    def render(self, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = templates.get_template(name).render(
            t=self.t,
            lang=self.t.language,
            session=self.session,
            path=self.request.url.path,
            here=_here(self.request),
            role=self.session.member.role.value if self.session else None,
            nav=_nav(self.app, self.session),
            when=_when,
            left=_left_text(self.t),
            **values,
        )
        return secure(HTMLResponse(html, status_code=status))


# What a session limited to enrolling two-factor sign-in may still open.
ENROL_PATHS = ("/console/security", "/console/logout", "/console/static/", "/console/lang/")


def page_for(request: Request) -> Page:
    app: App = request.app.state.app
    token = request.cookies.get(SESSION_COOKIE)
    session = web_sessions.resume(app, token)
    limited = session is not None and session.enrol_required
    if limited and not request.url.path.startswith(ENROL_PATHS):
        request.state.enrol_required = True
        session = None
    language = i18n.negotiate(
        request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
    )
    departments = {d.id: (d.name_zh, d.name_en) for d in app.settings.departments}
    translator = i18n.Translator(language, departments, app.settings.taxonomy.names())
    return Page(app, request, session, translator)


def may_triage(app: App, session: web_sessions.ConsoleSession) -> bool:
    """The triage desk, administrators, and the supervisor who decides bounced cases."""
    member = session.member
    if member.role in TRIAGE_ROLES:
        return True
    parent = app.settings.triage_department.parent
    return (
        member.role is Role.SUPERVISOR
        and parent is not None
        and scope_of(app.settings, member).sees(parent)
    )


def _nav(app: App, session: web_sessions.ConsoleSession | None) -> list[str]:
    if session is None:
        return []
    if session.enrol_required:
        return ["security"]
    items = ["queue"]
    if may_triage(app, session):
        items.append("triage")
    if session.member.role in DASHBOARD_ROLES:
        items.append("dashboard")
    items += ["projects", "topics"]  # livelihood projects (pages/projects.py)
    if session.member.role in DASHBOARD_ROLES:
        items.append("project-figures")
    items.append("telegram")
    items.append("security")
    return items


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


ResponseT = TypeVar("ResponseT", bound=Response)


def secure(response: ResponseT) -> ResponseT:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def redirect(url: str) -> Response:
    return secure(RedirectResponse(url, status_code=303))


def to_login(request: Request) -> Response:
    if getattr(request.state, "enrol_required", False):
        return redirect("/console/security")
    return redirect("/console/login?" + urlencode({"next": _here(request)}))


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def safe_next(target: str | None) -> str:
    """Only a path inside the console: never another site (//evil.example, https://...)."""
    if (
        target
        and target.startswith("/console/")
        and not target.startswith("/console//")
        and "\\" not in target
    ):
        return target
    return "/console/queue"


def https(request: Request) -> bool:
    """Whether cookies set on this request get Secure (`web.secure_cookies`)."""
    return cookies.secure(request)


def _when(value: str | None) -> str:
    """An ISO moment (already local) as 2026-11-02 10:00."""
    if not value:
        return "–"
    return dt.datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")


def _left_text(t: i18n.Translator) -> Any:
    def left(clock: dict[str, Any]) -> str:
        if clock.get("seconds_left") is None:
            return t.clock_state(clock.get("state"))
        days = clock.get("working_days_left")
        if days is not None and abs(int(clock["seconds_left"])) >= 86_400:
            return t("working_days_left", n=days) if days >= 0 else t("working_days_over", n=-days)
        seconds = int(clock["seconds_left"])
        h, m = divmod(abs(seconds) // 60, 60)
        return t("hours_left", h=h, m=m) if seconds >= 0 else t("hours_over", h=h, m=m)

    return left


def error_page(page: Page, status: int, key: str) -> HTMLResponse:
    title = "not_found_title" if status == 404 else "forbidden_title"
    return page.render("error.html", status=status, title=page.t(title), message=page.t(key))


# -- shared by the list pages ---------------------------------------------------------------


def int_or_none(text: str | None, low: int, high: int) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if low <= value <= high else None


def _marks(item: dict[str, Any], now: dt.datetime) -> dict[str, bool]:
    deadline = item.get("next_deadline")
    overdue = isinstance(deadline, str) and dt.datetime.fromisoformat(deadline) < now
    return {
        "overdue": overdue,
        "urgent": item["urgency"] == "urgent",
        "escalated": bool(item.get("escalated")),
    }


def marked(items: list[dict[str, Any]], now: dt.datetime) -> list[dict[str, Any]]:
    return [{**item, "marks": _marks(item, now)} for item in items]
