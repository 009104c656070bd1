"""/chat in headless Chromium: a resident reports a problem, confirms it and rates the result.

Debian's chromium is driven by Playwright (no browser is downloaded at run time); the
service runs in this process under uvicorn on a free port, on a SQLite file.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from case_store.models import Rating

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 20_000


class LampNlu:
    def parse(self, text: str) -> dict[str, Any]:
        lamp = "路灯" in text
        domain, confidence = ("transport", 0.9) if lamp else ("other", 0.3)
        return {
            "text": text,
            "intent": {"name": domain, "confidence": confidence},
            "domain": {"name": domain, "confidence": confidence},
            "urgency": {"name": "normal", "confidence": 0.9},
            "kind": {"name": "demand", "confidence": 0.9},
            "entities": [{"entity": "location", "start": 0, "end": 8, "value": "幸福里小区3号楼"}]
            if lamp
            else [],
            "rules": [],
            "language": "zh",
            "low_confidence": not lamp,
        }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(sqlite_app: Any, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    import uvicorn

    from minsheng.web.app import create_app

    sqlite_app.settings = sqlite_app.settings.model_copy(update={"base_dir": tmp_path})
    sqlite_app.__dict__["nlu"] = LampNlu()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(sqlite_app), host="127.0.0.1", port=port, log_config=None, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the web service did not start"
    yield f"http://127.0.0.1:{port}", sqlite_app
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing; `make test` installs it (as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def test_a_resident_reports_confirms_and_rates_a_case_in_the_web_chat(
    served: tuple[str, Any], browser: Any
) -> None:
    from playwright.sync_api import expect

    from minsheng.services.casework import staff_actions

    base, app = served
    page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/chat")
    expect(page.locator(".msg.bot").first).to_contain_text("民生服务助手", timeout=WAIT_MS)

    page.fill("#text", "幸福里小区3号楼门口的路灯坏了三天了 <b>急</b>")
    page.click("#send")
    page.get_by_role("button", name="可以").click()
    expect(page.locator(".msg.bot").last).to_contain_text("请核对", timeout=WAIT_MS)
    expect(page.locator(".msg.bot").last).to_contain_text("<b>急</b>")  # shown, not parsed
    page.get_by_role("button", name="确认").last.click()
    created = page.locator(".msg.bot", has_text="已提交")
    expect(created).to_be_visible(timeout=WAIT_MS)
    reference = re.search(r"MS-\d{4}-[0-9A-Z]{6}", created.inner_text())
    assert reference, created.inner_text()

    staff_actions.resolve(app, reference.group(0), note="已更换灯泡")
    expect(page.locator(".msg.bot", has_text="对处理结果满意吗")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="5⭐").click()
    expect(page.locator(".msg.bot").last).to_contain_text("谢谢您的评价", timeout=WAIT_MS)

    with app.uow() as uow:
        assert uow.session.scalars(select(Rating.score)).all() == [5]
    assert not any("Content Security Policy" in e for e in errors), errors


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _shots(tmp_path: Path) -> Path:
    """docs/screenshots is refreshed only when MINSHENG_SCREENSHOT_DIR names it."""
    target = Path(os.environ.get("MINSHENG_SCREENSHOT_DIR") or tmp_path / "shots")
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_a_resident_sends_a_photo_and_the_location_then_leaves_a_phone_and_reloads(
    served: tuple[str, Any], browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from case_store.models import Attachment, Case
    from minsheng.services.casework import staff_actions

    base, app = served
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": 30.27415, "longitude": 120.15515},
        permissions=["geolocation"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/chat")
    expect(page.locator(".msg.bot").first).to_contain_text("民生服务助手", timeout=WAIT_MS)
    expect(page.locator("#counter")).to_have_text("0 / 2000 字")

    page.fill("#text", "幸福里小区3号楼门口的路灯坏了三天了")
    expect(page.locator("#counter")).to_have_text("18 / 2000 字")
    page.click("#send")
    expect(page.locator(".msg.bot").last).to_contain_text("联系您", timeout=WAIT_MS)

    page.set_input_files(
        "#photo", files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": PNG}]
    )
    expect(page.locator(".msg.me", has_text="照片：lamp.png")).to_be_visible(timeout=WAIT_MS)
    page.click("#locate")
    expect(page.locator("#consent")).to_contain_text("位置只用于处理您的诉求")
    page.screenshot(path=str(_shots(tmp_path) / "web-chat-location-consent.png"))
    page.get_by_role("button", name="发送位置").click()
    expect(page.locator(".msg.me", has_text="30.27415, 120.15515")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("button", name="可以").last.click()
    expect(page.locator(".msg.bot").last).to_contain_text("请核对", timeout=WAIT_MS)
    expect(page.locator(".msg.bot").last).to_contain_text("照片")
    page.get_by_role("button", name="确认").last.click()
    created = page.locator(".msg.bot", has_text="已提交")
    expect(created).to_be_visible(timeout=WAIT_MS)
    reference = re.search(r"MS-\d{4}-[0-9A-Z]{6}", created.inner_text())
    assert reference, created.inner_text()

    # Consent given: the page asks for a number, refuses a wrong one and keeps what was typed.
    ask = page.locator(".msg.contact")
    expect(ask).to_contain_text(reference.group(0), timeout=WAIT_MS)
    page.fill("#contact-phone", "12345")
    ask.get_by_role("button", name="提交电话").click()
    expect(ask.locator(".problem")).to_contain_text("不像电话号码", timeout=WAIT_MS)
    expect(page.locator("#contact-phone")).to_have_value("12345")
    page.screenshot(path=str(_shots(tmp_path) / "web-chat-contact.png"))
    page.fill("#contact-phone", "138 0013 8000")
    ask.get_by_role("button", name="提交电话").click()
    expect(page.locator(".msg.bot").last).to_contain_text("138****8000", timeout=WAIT_MS)

    # A department reply arrives; after a reload the whole conversation is still there.
    staff_actions.reply(app, reference.group(0), text="明天上午派人更换灯泡。")
    expect(page.locator(".msg.bot", has_text="明天上午派人更换灯泡")).to_be_visible(timeout=WAIT_MS)
    page.reload()
    expect(page.locator(".msg.bot", has_text="明天上午派人更换灯泡")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".msg.me").first).to_contain_text("幸福里小区3号楼门口的路灯坏了三天了")
    expect(page.locator(".msg.bot", has_text=reference.group(0)).first).to_be_visible()
    expect(page.locator(".msg.contact")).to_have_count(0)  # the number is on file now
    page.screenshot(path=str(_shots(tmp_path) / "web-chat-reloaded.png"))

    with app.uow() as uow:
        case = uow.session.scalars(select(Case)).one()
        assert case.phone == "13800138000"
        kinds = sorted(a.kind for a in uow.session.scalars(select(Attachment)))
    assert kinds == ["location", "photo"]
    assert not any("Content Security Policy" in e for e in errors), errors
    context.close()


def test_a_text_over_the_limit_shows_the_count_and_the_servers_message_and_is_kept(
    served: tuple[str, Any], browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    base, _ = served
    page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    page.goto(f"{base}/chat")
    expect(page.locator(".msg.bot").first).to_contain_text("民生服务助手", timeout=WAIT_MS)
    long_text = "路灯" * 1001  # 2,002 characters
    page.fill("#text", long_text)
    expect(page.locator("#counter")).to_have_text("超出 2 字，请精简后再发")
    expect(page.locator("#counter")).to_have_class(re.compile("over"))
    page.click("#send")
    expect(page.locator(".msg.bot").last).to_contain_text("最多 2000 字", timeout=WAIT_MS)
    assert page.input_value("#text") == long_text  # nothing is lost
    page.screenshot(path=str(_shots(tmp_path) / "web-chat-too-long.png"))
