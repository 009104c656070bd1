"""A member's own security page: two-step sign-in (enrol with a QR code) and the password."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from minsheng.services.access import staff, two_factor, web_sessions
from minsheng.services.errors import InvalidRequest
from minsheng.web.console.common import (
    SESSION_COOKIE,
    Page,
    console_router,
    error_page,
    page_for,
    redirect,
    to_login,
)

router = console_router()
DONE = ("two_factor", "two_factor_removed")


@router.get("/security")
def security_page(request: Request, done: str | None = None) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    return _render(page, done=done if done in DONE else None)


def _render(
    page: Page, *, status: int = 200, done: str | None = None, error: str | None = None
) -> Response:
    assert page.session is not None
    member = page.session.member
    enrolled = two_factor.enrolled(page.app, member.public_id)
    return page.render(
        "security.html",
        status=status,
        done=done,
        error=error,
        enrolled=enrolled,
        required=two_factor.required(page.app, member),
        enrolment=None if enrolled else two_factor.new_enrolment(page.app, member),
    )


async def _form(page: Page, request: Request) -> dict[str, str] | None:
    """The posted form if its CSRF token is right; None otherwise."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    assert page.session is not None
    return form if web_sessions.csrf_ok(page.session, form.get("csrf")) else None


@router.post("/security/two-factor")
async def enable_two_factor(request: Request) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    form = await _form(page, request)
    if form is None:
        return error_page(page, 403, "csrf_failed")
    member = page.session.member
    if not two_factor.confirm_enrolment(
        page.app, member, form.get("secret", ""), form.get("code", "")
    ):
        return _render(page, status=400, error=page.t("enrol_failed"))
    web_sessions.enrolment_done(page.app, request.cookies.get(SESSION_COOKIE))
    return redirect("/console/security?done=two_factor")


@router.post("/security/two-factor/remove")
async def remove_two_factor(request: Request) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    form = await _form(page, request)
    if form is None:
        return error_page(page, 403, "csrf_failed")
    try:
        two_factor.remove(page.app, page.session.member)
    except InvalidRequest:
        return _render(page, status=400, error=page.t("two_factor_required"))
    return redirect("/console/security?done=two_factor_removed")


@router.post("/security/password")
async def change_password(request: Request) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    form = await _form(page, request)
    if form is None:
        return error_page(page, 403, "csrf_failed")
    try:
        staff.change_password(
            page.app, page.session.member, form.get("current", ""), form.get("new", "")
        )
    except staff.PasswordRejected as exc:
        return _render(page, status=400, error=page.t("password_" + exc.reason))
    response = redirect("/console/login?changed=1")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response
