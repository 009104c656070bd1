"""`minsheng demo` on a fresh install: sample cases, staff accounts that sign in, ratings that
fill the dashboard and the public page, and a clear refusal the second time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from minsheng.config.settings import PROJECT_ROOT

MINSHENG = str(Path(sys.executable).parent / "minsheng")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MINSHENG, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path, str]]:
    folder = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update(
        MINSHENG_DATABASE_URL=f"sqlite:///{folder / 'demo.db'}",
        MINSHENG_CONFIG=str(PROJECT_ROOT / "config.yml"),
    )
    assert run(env, "db", "upgrade").returncode == 0
    proc = run(env, "demo")
    assert proc.returncode == 0, proc.stderr
    yield env, folder, proc.stdout


def passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(demo\.\w+)\s+(\S+)\s+", output, re.MULTILINE))


def test_demo_fills_a_fresh_install_and_prints_the_sign_in_details(
    demo: tuple[dict[str, str], Path, str],
) -> None:
    env, _, output = demo
    counts = re.search(
        r"(\d+) cases \((\d+) open, (\d+) overdue, (\d+) resolved, (\d+) rated, (\d+) transferred",
        output,
    )
    assert counts, output
    total, still_open, overdue, resolved, rated, transferred = map(int, counts.groups())
    assert total == 120 and still_open >= 10 and overdue >= 3
    assert resolved >= 50 and rated >= 40 and transferred >= 3
    logins = passwords(output)
    assert {"demo.admin", "demo.supervisor", "demo.housing", "demo.triage"} <= set(logins)
    listed = run(env, "staff", "list").stdout
    assert "demo.housing" in listed and "王芳" in listed


def test_demo_refuses_to_run_twice_with_a_clear_message(
    demo: tuple[dict[str, str], Path, str],
) -> None:
    env, _, _ = demo
    again = run(env, "demo")
    assert again.returncode == 1
    assert "already holds 120 case(s)" in again.stderr
    assert "only fills a fresh install" in again.stderr
    assert run(env, "staff", "list").stdout.count("demo.") == 6  # nothing was added


def test_the_demo_shows_on_the_dashboard_and_the_public_page_on_a_phone(
    demo: tuple[dict[str, str], Path, str], serve: Any
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; `make test` installs it (as root)")
    from playwright.sync_api import sync_playwright

    env, folder, output = demo
    shots = Path(os.environ.get("MINSHENG_SCREENSHOT_DIR") or folder)
    with serve(env, folder, ready_path="/healthz", timeout=30) as base:
        figures = httpx.get(f"{base}/public/stats?months=6", timeout=10).json()
        assert figures["totals"]["received"] == 120
        assert figures["totals"]["satisfaction"]["value"] is not None
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
            phone.goto(f"{base}/public?months=6")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            text = phone.inner_text("body")
            assert re.search(
                r"统计时间 / generated \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（UTC\+08:00）", text
            )
            assert "满意率" in text and "%" in text
            phone.screenshot(path=str(shots / "public-phone.png"), full_page=True)

            desk = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            desk.goto(f"{base}/console/queue")
            desk.fill("input[name=login]", "demo.supervisor")
            desk.fill("input[name=password]", passwords(output)["demo.supervisor"])
            desk.click("form.stack button[type=submit]")
            # A supervisor's first sign-in sets up two-step sign-in before anything else.
            desk.wait_for_url(re.compile(r"/console/security"))
            secret = desk.inner_text("figure.qr code")
            desk.fill("input[name=code]", pyotp.TOTP(secret).now())
            desk.locator("form[action='/console/security/two-factor'] button").click()
            desk.wait_for_url(re.compile(r"done=two_factor"))
            desk.goto(f"{base}/console/queue")
            assert desk.locator("tr.case-row").count() >= 10
            desk.goto(f"{base}/console/dashboard")
            assert desk.locator("svg").count() >= 1
            desk.screenshot(path=str(shots / "demo-dashboard.png"), full_page=True)
            browser.close()
