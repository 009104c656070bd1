"""Signing in and out, and switching the console's language."""

from __future__ import annotations

import secrets

from fastapi import Request
from fastapi.responses import Response

from minsheng.services.access import web_sessions
from minsheng.web.console import i18n
from minsheng.web.console.common import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Page,
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
def login_form(request: Request, next: str | None = None) -> Response:
    page = page_for(request)
    if page.session is not None:
        return redirect(safe_next(next))
    return _login_page(page, next, failed=False)


def _login_page(page: Page, next_url: str | None, *, failed: bool) -> Response:
    # Login CSRF: a random value in a cookie and in the form must match (double submit).
    token = secrets.token_urlsafe(24)
    response = page.render(
        "login.html",
        status=401 if failed else 200,
        failed=failed,
        next_url=safe_next(next_url),
        login_csrf=token,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=https(page.request),
        path="/console/login",
        max_age=3600,
    )
    return response


@router.post("/login")
async def login_submit(request: Request) -> Response:
    page = page_for(request)
    form = await request.form()
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    sent = str(form.get("login_csrf") or "")
    next_url = str(form.get("next") or "")
    if not cookie or not secrets.compare_digest(cookie.encode(), sent.encode()):
        return _login_page(page, next_url, failed=True)
    new = web_sessions.log_in(
        page.app, str(form.get("login") or ""), str(form.get("password") or "")
    )
    if new is None:
        return _login_page(page, next_url, failed=True)
    response = redirect(safe_next(next_url))
    max_age = int((new.session.expires_at - page.app.now()).total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        httponly=True,
        samesite="lax",
        secure=https(request),
        path="/console",
        max_age=max_age,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login", secure=https(request))
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
