"""Signing in and out, and switching the console's language."""

from __future__ import annotations

import math
import secrets

from fastapi import Request
from fastapi.responses import Response

from minsheng.services.access import web_sessions
from minsheng.web.console import i18n
from minsheng.web.console.common import (
    CODE_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Page,
    client_address,
    console_router,
    error_page,
    https,
    page_for,
    redirect,
    safe_next,
)

router = console_router()


@router.get("")
@router.get("/")
def home(request: Request) -> Response:
    return redirect("/console/queue")


@router.get("/login")
def login_form(request: Request, next: str | None = None, changed: str | None = None) -> Response:
    page = page_for(request)
    if page.session is not None:
        return redirect(safe_next(next))
    return _login_page(page, next, changed=changed == "1")


def _login_page(
    page: Page,
    next_url: str | None,
    *,
    failed: bool = False,
    wait: float | None = None,
    changed: bool = False,
) -> Response:
    # Login CSRF: a random value in a cookie and in the form must match (double submit).
    token = secrets.token_urlsafe(24)
    status = 429 if wait is not None else 401 if failed else 200
    response = page.render(
        "login.html",
        status=status,
        failed=failed,
        changed=changed,
        wait_minutes=_minutes(wait),
        next_url=safe_next(next_url),
        login_csrf=token,
    )
    if wait is not None:
        response.headers["Retry-After"] = str(math.ceil(wait))
    _login_cookie(page, response, LOGIN_CSRF_COOKIE, token, 3600)
    return response


def _minutes(wait: float | None) -> int | None:
    return None if wait is None else max(1, math.ceil(wait / 60))


def _csrf_matches(request: Request, sent: str) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    return bool(cookie) and secrets.compare_digest(cookie.encode(), sent.encode())


@router.post("/login")
async def login_submit(request: Request) -> Response:
    page = page_for(request)
    form = await request.form()
    next_url = str(form.get("next") or "")
    if not _csrf_matches(request, str(form.get("login_csrf") or "")):
        return _login_page(page, next_url, failed=True)
    result = web_sessions.log_in(
        page.app,
        str(form.get("login") or ""),
        str(form.get("password") or ""),
        client_address(request),
    )
    if result.pending_token is not None:
        return _code_page(page, next_url, pending=result.pending_token)
    return _after_sign_in(page, result, next_url)


@router.post("/login/code")
async def code_submit(request: Request) -> Response:
    page = page_for(request)
    form = await request.form()
    next_url = str(form.get("next") or "")
    if not _csrf_matches(request, str(form.get("login_csrf") or "")):
        return _login_page(page, next_url, failed=True)
    result = web_sessions.verify_code(
        page.app,
        request.cookies.get(CODE_COOKIE),
        str(form.get("code") or ""),
        client_address(request),
    )
    if result.failed and request.cookies.get(CODE_COOKIE):
        # A wrong code keeps the pending sign-in (until it expires): ask again.
        return _code_page(page, next_url, pending=None, failed=True)
    response = _after_sign_in(page, result, next_url)
    if result.session is not None:
        response.delete_cookie(CODE_COOKIE, path="/console/login")
    return response


def _code_page(
    page: Page, next_url: str | None, *, pending: str | None, failed: bool = False
) -> Response:
    token = secrets.token_urlsafe(24)
    response = page.render(
        "login_code.html",
        status=401 if failed else 200,
        failed=failed,
        next_url=safe_next(next_url),
        login_csrf=token,
    )
    _login_cookie(page, response, LOGIN_CSRF_COOKIE, token, 3600)
    if pending is not None:
        max_age = int(web_sessions.PENDING_LIFETIME.total_seconds())
        _login_cookie(page, response, CODE_COOKIE, pending, max_age)
    return response


def _login_cookie(page: Page, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=https(page.request),
        path="/console/login",
        max_age=max_age,
    )


def _after_sign_in(page: Page, result: web_sessions.SignIn, next_url: str) -> Response:
    if result.refused_for is not None:
        return _login_page(page, next_url, wait=result.refused_for)
    if result.session is None:
        return _login_page(page, next_url, failed=True)
    new = result.session
    target = "/console/security" if new.session.enrol_required else safe_next(next_url)
    response = redirect(target)
    max_age = int((new.session.expires_at - page.app.now()).total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        httponly=True,
        samesite="lax",
        secure=https(page.request),
        path="/console",
        max_age=max_age,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login", secure=https(page.request))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    page = page_for(request)
    form = await request.form()
    if page.session is not None:
        if not web_sessions.csrf_ok(page.session, str(form.get("csrf") or "")):
            return error_page(page, 403, "csrf_failed")
        web_sessions.log_out(page.app, request.cookies.get(SESSION_COOKIE))
    response = redirect("/console/login")
    response.delete_cookie(SESSION_COOKIE, path="/console", secure=https(request))
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    target = safe_next(next) if next != "/console/login" else "/console/login"
    response = redirect(target)
    if code in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE,
            code,
            samesite="lax",
            secure=https(request),
            path="/console",
            max_age=365 * 86_400,
        )
    return response
