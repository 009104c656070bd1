"""The console in headless Chromium: the queue refreshes itself when a case arrives, a reply
template fills the reply box, and "show contact" reveals the resident (and says it is logged)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any


def log_in(page: Any, base: str, login: str, password: str, target: str) -> None:
    page.goto(f"{base}{target}")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(re.escape(target.split("?")[0])))


def test_the_queue_shows_a_new_case_without_a_reload(
    console_server: Any, new_page: Callable[..., Any], screenshot_dir: Path
) -> None:
    import factories

    from minsheng.services.bootstrap import bootstrap

    base, seeded = console_server.base_url, console_server.seeded
    page = new_page()
    log_in(page, base, "clerk", seeded.passwords["clerk"], "/console/queue?refresh=5")
    page.evaluate("window.__sameDocument = true")
    before = page.locator("tr.case-row").count()
    app = bootstrap(seeded.settings.model_copy(update={"database_url": seeded.database_url}))
    try:
        ref = factories.submit(app, "小区消防通道被车辆堵塞，请处理", "housing", urgency="high")
    finally:
        app.dispose()
    page.wait_for_selector(f"tr[data-reference='{ref}']", timeout=15_000)
    assert page.locator("tr.case-row").count() == before + 1
    assert page.evaluate("window.__sameDocument") is True  # refreshed in place, not reloaded
    page.click("th a.sort >> text=编号")
    page.wait_for_url(re.compile(r"sort=reference"))
    shown = [
        page.locator("tr.case-row").nth(i).get_attribute("data-reference")
        for i in range(page.locator("tr.case-row").count())
    ]
    assert shown == sorted(shown)
    page.screenshot(path=str(screenshot_dir / "queue-sorted.png"))


def test_a_clerk_fills_a_reply_from_a_template_and_looks_up_the_contact(
    console_server: Any, new_page: Callable[..., Any], screenshot_dir: Path
) -> None:
    base, seeded = console_server.base_url, console_server.seeded
    ref = seeded.refs["clerk_case"]
    page = new_page()
    log_in(page, base, "clerk", seeded.passwords["clerk"], f"/console/cases/{ref}")
    template = page.locator("select.reply-template option").nth(1).get_attribute("value")
    assert template
    page.select_option("select.reply-template", index=1)
    assert page.input_value("#reply-text") == template
    # The log reads as sentences, with the resident's addition in it.
    log = page.inner_text("ol.events")
    assert "通过Telegram提交诉求" in log and "补充了情况" in log and "status" not in log
    page.click("#show-contact")
    page.wait_for_selector(".contact-details")
    assert re.search(r"居民\d+", page.inner_text(".contact-details"))
    assert "查看了群众的联系方式" in page.inner_text("ol.events")
    page.screenshot(path=str(screenshot_dir / "case-contact.png"), full_page=True)
