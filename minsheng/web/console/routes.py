"""The staff console in the browser under /console: login, the queue, the case page with its
actions, the triage desk and the supervisor dashboard.

Adapters only: every read and every action calls the same service functions as the API
(minsheng.services.casework.queue, minsheng.services.reporting.dashboard), scoped to the logged-in member. Pages carry no inline
script; resident text reaches them only through Jinja2's autoescaping.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from case_store.lifecycle import Status
from case_store.taxonomy import DOMAINS, URGENCIES
from minsheng.services.reporting import dashboard
from minsheng.services.casework import queue
from minsheng.services.access import web_sessions
from minsheng.services.bootstrap import App
from minsheng.services.errors import CaseNotFound, ConcurrencyConflict, DomainError, IllegalTransition
from minsheng.services.access.staff import AccessDenied, Role, scope_of
from minsheng.web.console import i18n

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".svg": "image/svg+xml"}
SESSION_COOKIE = "ms_session"
LOGIN_CSRF_COOKIE = "ms_login_csrf"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
ACTIONS = ("accept", "reply", "ask", "transfer", "resolve", "reopen")
PER_PAGE = 50
DASHBOARD_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.TRIAGE})
TRIAGE_ROLES = frozenset({Role.TRIAGE, Role.ADMIN})

router = APIRouter(prefix="/console", include_in_schema=False)

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every template, whatever its name: resident text is never markup
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


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
            t=self.t, lang=self.t.language, session=self.session, path=self.request.url.path,
            here=_here(self.request), role=self.session.member.role.value
            if self.session else None, nav=_nav(self.app, self.session), when=_when, left=_left_text(
                self.t), **values)
        return _secure(HTMLResponse(html, status_code=status))


def _page(request: Request) -> Page:
    app: App = request.app.state.app
    token = request.cookies.get(SESSION_COOKIE)
    session = web_sessions.resume(app, token)
    language = i18n.negotiate(request.cookies.get(i18n.COOKIE),
                              request.headers.get("accept-language"))
    departments = {d.id: (d.name_zh, d.name_en) for d in app.settings.departments}
    return Page(app, request, session, i18n.Translator(language, departments))


def _may_triage(app: App, session: web_sessions.ConsoleSession) -> bool:
    """The triage desk, administrators, and the supervisor who decides bounced cases."""
    member = session.member
    if member.role in TRIAGE_ROLES:
        return True
    parent = app.settings.triage_department.parent
    return member.role is Role.SUPERVISOR and parent is not None and \
        scope_of(app.settings, member).sees(parent)


def _nav(app: App, session: web_sessions.ConsoleSession | None) -> list[str]:
    if session is None:
        return []
    items = ["queue"]
    if _may_triage(app, session):
        items.append("triage")
    if session.member.role in DASHBOARD_ROLES:
        items.append("dashboard")
    return items


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


ResponseT = TypeVar("ResponseT", bound=Response)


def _secure(response: ResponseT) -> ResponseT:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _redirect(url: str) -> Response:
    return _secure(RedirectResponse(url, status_code=303))


def _to_login(request: Request) -> Response:
    return _redirect("/console/login?" + urlencode({"next": _here(request)}))


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never another site (//evil.example, https://...)."""
    if target and target.startswith("/console/") and not target.startswith("/console//") \
            and "\\" not in target:
        return target
    return "/console/queue"


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


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
            return t("working_days_left", n=days) if days >= 0 else \
                t("working_days_over", n=-days)
        seconds = int(clock["seconds_left"])
        h, m = divmod(abs(seconds) // 60, 60)
        return t("hours_left", h=h, m=m) if seconds >= 0 else t("hours_over", h=h, m=m)
    return left


def _error_page(page: Page, status: int, key: str) -> HTMLResponse:
    title = "not_found_title" if status == 404 else "forbidden_title"
    return page.render("error.html", status=status, title=page.t(title), message=page.t(key))


# -- static files ---------------------------------------------------------------------------

@router.get("/static/{name}")
def static_file(name: str) -> Response:
    path = (STATIC / name).resolve()
    if path.parent != STATIC or path.suffix not in STATIC_TYPES or not path.is_file():
        return _secure(Response("not found", status_code=404, media_type="text/plain"))
    response = Response(path.read_bytes(), media_type=STATIC_TYPES[path.suffix])
    response.headers["Cache-Control"] = "public, max-age=3600"
    return _secure(response)


# -- login, logout, language ----------------------------------------------------------------

@router.get("")
@router.get("/")
def home(request: Request) -> Response:
    return _redirect("/console/queue")


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    page = _page(request)
    if page.session is not None:
        return _redirect(_safe_next(next))
    return _login_page(page, next, failed=False)


def _login_page(page: Page, next_url: str | None, *, failed: bool) -> Response:
    # Login CSRF: a random value in a cookie and in the form must match (double submit).
    token = secrets.token_urlsafe(24)
    response = page.render("login.html", status=401 if failed else 200, failed=failed,
                           next_url=_safe_next(next_url), login_csrf=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax",
                        secure=_https(page.request), path="/console/login", max_age=3600)
    return response


@router.post("/login")
async def login_submit(request: Request) -> Response:
    page = _page(request)
    form = await request.form()
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    sent = str(form.get("login_csrf") or "")
    next_url = str(form.get("next") or "")
    if not cookie or not secrets.compare_digest(cookie.encode(), sent.encode()):
        return _login_page(page, next_url, failed=True)
    new = web_sessions.log_in(page.app, str(form.get("login") or ""),
                              str(form.get("password") or ""))
    if new is None:
        return _login_page(page, next_url, failed=True)
    response = _redirect(_safe_next(next_url))
    max_age = int((new.session.expires_at - page.app.now()).total_seconds())
    response.set_cookie(SESSION_COOKIE, new.token, httponly=True, samesite="lax",
                        secure=_https(request), path="/console", max_age=max_age)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    page = _page(request)
    form = await request.form()
    if page.session is not None:
        if not web_sessions.csrf_ok(page.session, str(form.get("csrf") or "")):
            return _error_page(page, 403, "csrf_failed")
        web_sessions.log_out(page.app, request.cookies.get(SESSION_COOKIE))
    response = _redirect("/console/login")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    target = _safe_next(next) if next != "/console/login" else "/console/login"
    response = _redirect(target)
    if code in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, code, samesite="lax", secure=_https(request),
                            path="/console", max_age=365 * 86_400)
    return response


# -- the queue ------------------------------------------------------------------------------

def _filter_from(request: Request) -> tuple[queue.QueueFilter, dict[str, Any]]:
    """The API's filters, read leniently from the query string: junk values are dropped."""
    q = request.query_params
    statuses = {s.value for s in Status}
    status = [v for v in q.getlist("status") if v in statuses]
    urgency = [v for v in q.getlist("urgency") if v in URGENCIES]
    domain = [v for v in q.getlist("domain") if v in DOMAINS]
    overdue = q.get("overdue") or ""
    overdue = overdue if overdue in ("yes", "no") else ""
    due_within = _int_or_none(q.get("due_within"), 0, 3650)
    text = (q.get("q") or "").strip()[:100]
    page = _int_or_none(q.get("page"), 1, 10_000) or 1
    flt = queue.QueueFilter(
        status=status, urgency=urgency, domain=domain,
        overdue={"yes": True, "no": False}.get(overdue), due_within_days=due_within,
        text=text or None, page=page, per_page=PER_PAGE)
    chosen = {"status": status, "urgency": urgency, "domain": domain, "overdue": overdue,
              "due_within": due_within, "q": text, "page": page}
    return flt, chosen


def _int_or_none(text: str | None, low: int, high: int) -> int | None:
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if low <= value <= high else None


def _marks(item: dict[str, Any], now: dt.datetime) -> dict[str, bool]:
    deadline = item.get("next_deadline")
    overdue = isinstance(deadline, str) and dt.datetime.fromisoformat(deadline) < now
    return {"overdue": overdue,
            "urgent": item["urgency"] == "urgent", "escalated": bool(item.get("escalated"))}


def _marked(items: list[dict[str, Any]], now: dt.datetime) -> list[dict[str, Any]]:
    return [{**item, "marks": _marks(item, now)} for item in items]


@router.get("/queue")
def queue_page(request: Request) -> Response:
    page = _page(request)
    if page.session is None:
        return _to_login(request)
    flt, chosen = _filter_from(request)
    result = queue.queue(page.app, page.member, flt)
    now = page.app.now()
    items = _marked(result["items"], now)
    pages = max(1, -(-result["total"] // PER_PAGE))
    base = {k: v for k, v in request.query_params.multi_items() if k != "page"}
    return page.render(
        "queue.html", items=items, total=result["total"], chosen=chosen, pages=pages,
        statuses=[s.value for s in Status], urgencies=URGENCIES, domains=DOMAINS,
        page_url=lambda n: "/console/queue?" + urlencode([*base.items(), ("page", n)]))


# -- the case page and its actions ----------------------------------------------------------

def _allowed(status: str, role: Role) -> list[str]:
    state = Status(status)
    open_ = state in (Status.ROUTED, Status.ACCEPTED, Status.IN_PROGRESS,
                      Status.AWAITING_RESIDENT)
    allowed = []
    if state is Status.ROUTED:
        allowed.append("accept")
    if open_ or state is Status.RESOLVED:
        allowed.append("reply")
    if state in (Status.ACCEPTED, Status.IN_PROGRESS):
        allowed.append("ask")
    if open_:
        allowed += ["transfer", "resolve"]
    if state in (Status.RESOLVED, Status.CLOSED) and role in queue.REOPEN_ROLES:
        allowed.append("reopen")
    return allowed


def _case_page(page: Page, reference: str, *, status: int = 200, done: str | None = None,
               error: str | None = None) -> Response:
    try:
        case = queue.detail(page.app, page.member, reference)
    except CaseNotFound:
        return _error_page(page, 404, "not_found")
    departments = [d.id for d in page.app.settings.departments if d.id != case["department"]]
    return page.render("case.html", status=status, case=case, done=done, error=error,
                       actions=_allowed(case["status"], page.member.role),
                       departments=departments, now=page.app.now(),
                       outcomes=list(i18n.OUTCOME_NAMES))


@router.get("/cases/{reference}")
def case_page(request: Request, reference: str, done: str | None = None) -> Response:
    page = _page(request)
    if page.session is None:
        return _to_login(request)
    return _case_page(page, reference, done=done if done in ACTIONS else None)


@router.post("/cases/{reference}/{action}")
async def case_action(request: Request, reference: str, action: str) -> Response:
    page = _page(request)
    if page.session is None:
        return _to_login(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not web_sessions.csrf_ok(page.session, form.get("csrf")):
        return _error_page(page, 403, "csrf_failed")
    if action not in ACTIONS:
        return _error_page(page, 404, "not_found")
    version = _int_or_none(form.get("version"), 1, 2**31)
    if version is None:
        return _case_page(page, reference, status=400,
                          error=page.t("bad_request", detail="version"))
    try:
        _perform(page, reference, action, form, version)
    except CaseNotFound:
        return _error_page(page, 404, "not_found")
    except AccessDenied:
        return _case_page(page, reference, status=403, error=page.t("forbidden"))
    except (ConcurrencyConflict, IllegalTransition):
        return _case_page(page, reference, status=409, error=page.t("conflict"))
    except DomainError as exc:
        return _case_page(page, reference, status=400,
                          error=page.t("bad_request", detail=str(exc)))
    return _redirect(f"/console/cases/{reference}?done={action}")


def _perform(page: Page, reference: str, action: str, form: dict[str, str],
             version: int) -> None:
    app, member = page.app, page.member
    if action == "accept":
        queue.accept(app, member, reference, version=version)
    elif action == "reply":
        queue.reply(app, member, reference, text=form.get("text", ""), version=version)
    elif action == "ask":
        queue.ask(app, member, reference, question=form.get("text", ""), version=version)
    elif action == "transfer":
        target = form.get("to_department") or None
        queue.transfer(app, member, reference, reason=form.get("reason", ""),
                       to_department=target, to_domain=None, version=version)
    elif action == "resolve":
        queue.resolve(app, member, reference, note=form.get("note", ""),
                      outcome=form.get("outcome", "resolved"), version=version)
    elif action == "reopen":
        queue.reopen(app, member, reference, reason=form.get("reason", ""), version=version)


@router.get("/cases/{reference}/attachments/{number}")
def attachment(request: Request, reference: str, number: int) -> Response:
    page = _page(request)
    if page.session is None:
        return _to_login(request)
    try:
        stored = queue.attachment_file(page.app, page.member, reference, number)
    except CaseNotFound:
        return _error_page(page, 404, "not_found")
    # Always a download, never rendered here: an uploaded file must not run as a page.
    return _secure(FileResponse(stored.path, media_type="application/octet-stream",
                                filename=stored.filename))


# -- the triage desk ------------------------------------------------------------------------

@router.get("/triage")
def triage_page(request: Request) -> Response:
    page = _page(request)
    if page.session is None:
        return _to_login(request)
    if page.session is None or not _may_triage(page.app, page.session):
        return _error_page(page, 403, "forbidden")
    settings = page.app.settings
    desk = settings.triage_department
    now = page.app.now()
    scope = scope_of(settings, page.member)
    at_desk = _all_of(page, desk.id) if scope.sees(desk.id) else []
    to_route = [i for i in at_desk if not i["bounce_count"]]
    bounced = [i for i in at_desk if i["bounce_count"]]
    supervisor = desk.parent
    if supervisor and scope.sees(supervisor):
        bounced += [i for i in _all_of(page, supervisor) if i["bounce_count"]]
    return page.render("triage.html", to_route=_marked(to_route, now),
                       bounced=_marked(bounced, now))


def _all_of(page: Page, department: str) -> list[dict[str, Any]]:
    flt = queue.QueueFilter(department=department, per_page=queue.MAX_PER_PAGE)
    return list(queue.queue(page.app, page.member, flt)["items"])


# -- the supervisor dashboard ---------------------------------------------------------------

def _dashboard_data(page: Page) -> dict[str, Any] | Response:
    if page.member.role not in DASHBOARD_ROLES:
        return _error_page(page, 403, "forbidden")
    q = page.request.query_params
    month = q.get("month") or None
    count = _int_or_none(q.get("months"), 1, dashboard.MAX_MONTHS) or 6
    scope = scope_of(page.app.settings, page.member).departments
    try:
        return dashboard.dashboard(page.app, last_month=month, count=count, scope=scope)
    except DomainError:
        return dashboard.dashboard(page.app, count=count, scope=scope)


@router.get("/dashboard")
def dashboard_page(request: Request) -> Response:
    page = _page(request)
    if page.session is None:
        return _to_login(request)
    data = _dashboard_data(page)
    if isinstance(data, Response):
        return data
    return page.render("dashboard.html", data=data, charts=_charts(page.t, data),
                       last=data["months"][-1], count=len(data["months"]),
                       query=request.url.query)


@router.get("/dashboard/{section}.csv")
def dashboard_csv(request: Request, section: str) -> Response:
    page = _page(request)
    if page.session is None:
        return _to_login(request)
    if section not in dashboard.SECTIONS:
        return _error_page(page, 404, "not_found")
    data = _dashboard_data(page)
    if isinstance(data, Response):
        return data
    # The BOM lets spreadsheets read the file as UTF-8.
    body = "\ufeff" + dashboard.to_csv(section, data)
    dashboard.record_export(page.app, page.member.actor, section, data["months"])
    name = f"minsheng-{section}-{data['months'][0]}-{data['months'][-1]}.csv"
    return _secure(Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"'}))


def _charts(t: i18n.Translator, data: dict[str, Any]) -> dict[str, str]:
    """Each chart's spec as JSON, for a data-spec attribute (autoescaped like any text)."""
    months = data["months"]
    totals = {r["month"]: r for r in data["rates"] if r["department"] == dashboard.ALL}
    last = months[-1]
    depts = [r for r in data["rates"] if r["month"] == last and r["department"] != dashboard.ALL]
    volume_domains = [d for d in DOMAINS if any(r["cases"] for r in data["volume"]
                                                if r["domain"] == d)]
    volume = {(r["month"], r["domain"]): r["cases"] for r in data["volume"]}
    overdue_by: dict[str, int] = {}
    for row in data["overdue"]:
        overdue_by[row["department"] or ""] = overdue_by.get(row["department"] or "", 0) + 1
    matrix = data["misroutes"]
    specs: dict[str, dict[str, Any]] = {
        "rates": {"labels": months, "percent": True, "series": [
            {"name": t(key), "values": [totals[m][key]["value"] if m in totals else None
                                        for m in months]}
            for key in dashboard.RATE_NAMES]},
        "departments": {"labels": [t.department(r["department"]) for r in depts],
                        "percent": True, "series": [
            {"name": t(key), "values": [r[key]["value"] for r in depts]}
            for key in ("response_rate", "resolution_rate")]},
        "overdue": {"labels": [t.department(d) for d in overdue_by],
                    "series": [{"name": t("overdue"), "values": list(overdue_by.values())}]},
        "misroutes": {"labels": [t.department(d) for d in matrix["from"]],
                      "series": [{"name": t("misroutes_out"),
                                  "values": [sum(row) for row in matrix["counts"]]}]},
        "volume": {"labels": months, "stacked": True, "series": [
            {"name": t.domain(d), "values": [volume.get((m, d), 0) for m in months]}
            for d in volume_domains]},
        "satisfaction": {"labels": months, "percent": True, "series": [
            {"name": t("satisfaction_rate"),
             "values": [r["satisfaction_rate"] for r in data["satisfaction"]]}]},
    }
    for spec in specs.values():
        spec["empty"] = t("no_data")
    return {name: json.dumps(spec, ensure_ascii=False) for name, spec in specs.items()}
