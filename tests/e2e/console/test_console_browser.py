"""The staff console in headless Chromium against `minsheng serve`: a clerk works a case from
the queue to its resolution, a supervisor reads the dashboard's charts, a clerk of another
department cannot open the case, and no resident text ever becomes live markup."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any


def log_in(page: Any, base: str, login: str, password: str) -> None:
    page.goto(f"{base}/console/queue")
    assert "/console/login" in page.url
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/console/queue"))


def test_a_clerk_opens_the_queue_and_a_case_then_replies_and_resolves_it(
    console_server: Any, new_page: Callable[..., Any], screenshot_dir: Path
) -> None:
    base, seeded = console_server.base_url, console_server.seeded
    ref = seeded.refs["clerk_case"]
    page = new_page()
    dialogs: list[str] = []

    def accept_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept_dialog)
    log_in(page, base, "clerk", seeded.passwords["clerk"])

    rows = page.locator("tr.case-row")
    assert rows.count() >= 3
    # Sorted by the next deadline: the urgent case (2 h clock, now past) comes first,
    # marked overdue and urgent.
    first = rows.first
    assert first.get_attribute("data-reference") == seeded.refs["overdue"]
    assert "is-overdue" in (first.get_attribute("class") or "")
    assert first.locator(".badge.overdue").count() == 1
    assert first.locator(".badge.urgent").count() == 1
    page.screenshot(path=str(screenshot_dir / "queue.png"))

    page.click(f"a[href='/console/cases/{ref}']")
    page.wait_for_url(re.compile(ref))
    assert "路灯坏了一个星期" in page.inner_text(".description")
    assert "是东门那一盏" in page.inner_text(".transcript")
    assert page.locator("[data-clock=first_response] strong").inner_text().startswith("剩余")
    assert page.locator("[data-clock=resolution] strong").inner_text().startswith("剩余")
    page.screenshot(path=str(screenshot_dir / "case.png"), full_page=True)

    page.fill("form.action-reply textarea[name=text]", "您好，已安排维修人员明天上午到场。")
    page.click("form.action-reply button[type=submit]")
    page.wait_for_url(re.compile(r"done=reply"))
    assert "已安排维修人员" in page.inner_text(".transcript")
    # The reply was the first response: that clock stopped in time.
    assert page.locator("[data-clock=first_response].c-met").count() == 1

    page.fill("form.action-resolve textarea[name=note]", "路灯已更换，恢复照明。")
    page.click("form.action-resolve button[type=submit]")
    page.wait_for_url(re.compile(r"done=resolve"))
    assert page.inner_text(".page-head .status") == "已办结"
    assert "路灯已更换" in page.inner_text(".transcript")
    assert dialogs == ["确认发送答复？", "确认办结此件？"]


def test_a_tablet_shows_the_case_page_in_one_column(
    console_server: Any, new_page: Callable[..., Any], screenshot_dir: Path
) -> None:
    base, seeded = console_server.base_url, console_server.seeded
    page = new_page(width=820, height=1180)
    log_in(page, base, "clerk", seeded.passwords["clerk"])
    page.goto(f"{base}/console/cases/{seeded.refs['normal']}")
    side = page.locator(".case-side").bounding_box()
    main = page.locator(".case-main").bounding_box()
    assert side is not None and main is not None
    # One column: the case itself first, then its clocks and actions, nothing cut off.
    assert main["y"] < side["y"] and abs(side["x"] - main["x"]) < 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    page.screenshot(path=str(screenshot_dir / "case-tablet.png"), full_page=True)


def test_a_clerk_of_another_department_gets_not_found_for_the_case_url(
    console_server: Any, new_page: Callable[..., Any]
) -> None:
    base, seeded = console_server.base_url, console_server.seeded
    page = new_page()
    log_in(page, base, "other", seeded.passwords["other"])
    response = page.goto(f"{base}/console/cases/{seeded.refs['clerk_case']}")
    assert response is not None and response.status == 404
    assert "路灯" not in page.content()
    assert page.locator(f"tr[data-reference='{seeded.refs['clerk_case']}']").count() == 0


def test_the_supervisor_sees_every_dashboard_chart_drawn_with_data(
    console_server: Any, new_page: Callable[..., Any], screenshot_dir: Path
) -> None:
    base, seeded = console_server.base_url, console_server.seeded
    page = new_page(locale="en-GB")
    log_in(page, base, "chief", seeded.passwords["chief"])
    page.goto(f"{base}/console/dashboard?month={seeded.dashboard_month}&months=4")
    assert page.inner_text("h1") == "Dashboard"  # the browser asked for English
    page.wait_for_selector("figure[data-drawn='1'] svg")
    marks = {
        "rates": ".ms-point",
        "departments": ".ms-bar",
        "overdue": ".ms-bar",
        "misroutes": ".ms-bar",
        "volume": ".ms-bar",
        "satisfaction": ".ms-point",
    }
    for name, selector in marks.items():
        figure = page.locator(f"figure[data-name={name}]")
        assert figure.locator("svg.ms-chart").count() == 1, name
        points = figure.locator(selector)
        assert points.count() > 0, name
        values = [
            float(v)
            for v in points.evaluate_all("els => els.map(e => e.getAttribute('data-value'))")
        ]
        assert any(v > 0 for v in values), name
    # The satisfaction line carries a point for each of the three seeded months.
    assert page.locator("figure[data-name=satisfaction] .ms-point").count() == 3
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)

    page.click(".lang-switch a[lang=zh-CN]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "督办看板"


def test_none_of_200_payloads_in_resident_text_becomes_live_markup_in_any_page(
    console_server: Any,
    new_page: Callable[..., Any],
    payloads: list[str],
    dom_check: tuple[str, list[Any]],
) -> None:
    base, seeded = console_server.base_url, console_server.seeded
    script, args = dom_check
    page = new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, base, "chief", seeded.passwords["chief"])
    urls = [
        "/console/queue",
        "/console/queue?status=routed&per_page=200",
        "/console/dashboard",
        f"/console/dashboard?month={seeded.dashboard_month}",
    ]
    urls += [f"/console/cases/{ref}" for ref in seeded.refs["injected"]]
    urls += [f"/console/queue?q={p}" for p in payloads[:5]]
    shown = ""
    for url in urls:
        page.goto(base + url)
        page.wait_for_load_state("load")
        found = page.evaluate(script, args)
        assert found == [], f"{url}: {found}"
        if "/cases/" in url:
            shown += page.inner_text("main")
    # Every payload is there, as the text the resident wrote.
    # (the HTML parser drops a NUL in text, as the standard requires)
    missing = [p for p in payloads if p.replace("\u0000", "") not in shown]
    assert missing == []
    assert "1337" not in shown
    # The triage desk shows the payload cases routed to it.
    desk = new_page()
    desk.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(desk, base, "desk", seeded.passwords["desk"])
    desk.goto(f"{base}/console/triage")
    assert desk.locator("tr.case-row").count() >= 5
    assert desk.evaluate(script, args) == []
    assert dialogs == []
