"""The project cycle in headless Chromium: a clerk reviews and publishes a project in the
console, a resident backs it in the web chat, the department records its progress in the
console, and the resident rates it in the web chat when it is completed.

The service runs in this process under uvicorn on a SQLite file (as the web chat test does).
"""

from __future__ import annotations

import re
from typing import Any

import factories
from project_factories import at, proposed

from minsheng.services.access import staff
from minsheng.services.projects import views

# The web chat test's fixtures: the served app and the system Chromium.
from tests.e2e.test_web_chat_browser import WAIT_MS, browser, served  # noqa: F401


def _log_in(page: Any, base: str, login: str, password: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/console/(queue|projects).*"), timeout=WAIT_MS)


def _press(page: Any, base: str, ref: str, form_class: str, **fields: str) -> None:
    page.goto(f"{base}/console/projects/{ref}")
    form = page.locator(f"form.{form_class}")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*done=.*"), timeout=WAIT_MS)


def test_a_project_is_reviewed_backed_followed_and_rated_across_console_and_chat(
    served: tuple[str, Any],  # noqa: F811
    browser: Any,  # noqa: F811
    clock: Any,
) -> None:
    from playwright.sync_api import expect

    base, app = served
    # Two-step sign-in has tests of its own; this walk signs a supervisor in with a password.
    console_cfg = app.settings.console.model_copy(update={"two_factor_roles": []})
    app.settings = app.settings.model_copy(update={"console": console_cfg})
    at(clock, 2026, 6, 1)
    clerk = staff.add_staff(
        app, name="王科长", department="supervision", role="supervisor", login="wang"
    )
    dept = staff.add_staff(
        app, name="住建承办", department="housing_bureau", role="agent", login="zhujian"
    )
    ref = proposed(app)
    factories.submit(app, "另一件诉求", "housing", resident="tg-9")

    console = browser.new_page(locale="zh-CN")
    _log_in(console, base, "wang", clerk.password)
    console.goto(f"{base}/console/projects?review=street")
    expect(console.locator("tr.project-row")).to_contain_text(ref)
    for _ in ("street", "department", "expert"):
        _press(console, base, ref, "action-approve")
    _press(console, base, ref, "action-publish")
    assert views.show(app, ref)["stage"] == "open"

    chat = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    chat.goto(f"{base}/chat")
    expect(chat.locator(".msg.bot").first).to_contain_text("民生服务助手", timeout=WAIT_MS)
    chat.fill("#text", "/projects")
    chat.click("#send")
    chat.get_by_role("button", name=f"支持 {ref}").click()
    expect(chat.locator(".msg.bot").last).to_contain_text("感谢支持", timeout=WAIT_MS)
    assert views.show(app, ref)["backers"] == 1

    _press(console, base, ref, "action-select")
    _press(console, base, ref, "action-start")
    expect(chat.locator(".msg.bot", has_text="已入选")).to_be_visible(timeout=WAIT_MS)

    department = browser.new_context(locale="zh-CN").new_page()
    _log_in(department, base, "zhujian", dept.password)
    _press(department, base, ref, "action-progress", percent="100", note="菜市场建成")
    _press(department, base, ref, "action-complete")
    assert views.show(app, ref)["stage"] == "completed"

    expect(chat.locator(".msg.bot", has_text="已完工")).to_be_visible(timeout=WAIT_MS)
    chat.locator(".msg.bot", has_text="已完工").get_by_role("button", name="5⭐").click()
    expect(chat.locator(".msg.bot").last).to_contain_text("感谢您为", timeout=WAIT_MS)
    shown = views.show(app, ref)
    assert shown["ratings"] == 1
    assert shown["awareness"]["delivered"] >= 1 and shown["awareness"]["opened"] >= 1
