"""Linking the member's Telegram account to their login, for acting from the department's
group (accepting urgent cases from the notice). The page shows whether the account is linked
and hands out a one-time code to send as `/link CODE` in the group."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from minsheng.services.access import telegram_link, web_sessions
from minsheng.web.console.common import Page, console_router, error_page, page_for, to_login

router = console_router()

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Telegram 绑定", "Telegram"),
    "intro": (
        "绑定后，可在本部门的 Telegram 工作群中直接点击紧急诉求通知上的「受理」按钮，"
        "视同在控制台受理（计入首次响应）。",
        "Once linked, you can press “Accept” on an urgent case's notice in your department's "
        "Telegram group; it counts as accepting in the console (the first response).",
    ),
    "linked": ("已绑定（{at}）。", "Linked ({at})."),
    "not_linked": ("尚未绑定。", "Not linked yet."),
    "get_code": ("获取一次性绑定码", "Get a one-time code"),
    "new_code": ("获取新的绑定码", "Get a new code"),
    "code_is": ("您的绑定码：", "Your code:"),
    "how": (
        "请在 {minutes} 分钟内（{until} 前）在部门工作群中发送：",
        "Within {minutes} minutes (before {until}), send this in your department's group:",
    ),
    "once": (
        "绑定码只能使用一次；机器人会删除含绑定码的消息。",
        "The code works once; the bot removes the message that carries it.",
    ),
    "unlink": ("解除绑定", "Unlink"),
    "unlinked": ("已解除绑定。", "Unlinked."),
}


def _tt(page: Page, key: str, **values: object) -> str:
    pair = TEXTS[key]
    text = pair[1] if page.t.language == "en" else pair[0]
    return text.format(**values) if values else text


def _render(
    page: Page, *, code: telegram_link.LinkCode | None = None, note: str | None = None
) -> Response:
    state = telegram_link.status(page.app, page.member)
    tz = page.app.tz
    return page.render(
        "telegram.html",
        tt=lambda key, **v: _tt(page, key, **v),
        linked=state.linked,
        linked_at=state.linked_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        if state.linked_at
        else "",
        code=code.code if code else None,
        until=code.expires_at.astimezone(tz).strftime("%H:%M") if code else "",
        minutes=telegram_link.LINK_MINUTES,
        note=note,
    )


@router.get("/telegram")
def telegram_page(request: Request) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    return _render(page)


@router.post("/telegram/{action}")
async def telegram_action(request: Request, action: str) -> Response:
    page = page_for(request)
    if page.session is None:
        return to_login(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not web_sessions.csrf_ok(page.session, form.get("csrf")):
        return error_page(page, 403, "csrf_failed")
    if action == "code":
        return _render(page, code=telegram_link.new_code(page.app, page.member))
    if action == "unlink":
        telegram_link.unlink(page.app, page.member)
        return _render(page, note=_tt(page, "unlinked"))
    return error_page(page, 404, "not_found")
