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
