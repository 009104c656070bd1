"""`minsheng serve` as an operator runs it: a real process on a free port, a real database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

# Test folders are not packages here (importlib mode): reach the fake through its folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_bot_api import FakeBotApi

COMMAND = Path(sys.executable).with_name("minsheng")
PROJECT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update(
        MINSHENG_DATABASE_URL=f"sqlite:///{folder / 'minsheng.db'}",
        MINSHENG_CONFIG=str(PROJECT / "config.yml"),
        **extra,
    )
    subprocess.run(
        [str(COMMAND), "db", "upgrade"],
        env=env,
        cwd=PROJECT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(COMMAND), *args], env=env, cwd=PROJECT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(COMMAND), "serve", "--port", str(port)],
            env=env,
            cwd=PROJECT,
            stdout=out,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"serve did not answer:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _wait(predicate: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_serve_answers_healthz_openapi_and_metrics_and_stops_cleanly(tmp_path: Path) -> None:
    env = _env(tmp_path)
    log = tmp_path / "serve.log"
    with serving(env, log) as (base, process):
        health = httpx.get(f"{base}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["checks"] == {"database": "ok"}
        spec = httpx.get(f"{base}/openapi.json", timeout=10).json()
        assert "/api/v1/cases" in spec["paths"] and "/healthz" in spec["paths"]
        metrics = httpx.get(f"{base}/metrics", timeout=10)
        assert metrics.headers["content-type"].startswith("text/plain")
        assert 'route="/healthz"' in metrics.text
        # The in-process sweep runs at start, so its age shows up without Redis or cron.
        _wait(
            lambda: (
                httpx.get(f"{base}/healthz", timeout=10).json()["last_sweep_age_seconds"]
                is not None
            )
        )
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert process.wait(30) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in log.read_text()


def test_a_new_staff_account_works_the_queue_over_http(tmp_path: Path) -> None:
    env = _env(tmp_path)
    added = _cli(
        env,
        "staff",
        "add",
        "--name",
        "王芳",
        "--department",
        "transport_bureau",
        "--role",
        "agent",
        "--login",
        "wangfang",
        "--json",
    )
    creds = json.loads(added.stdout)
    assert creds["login"] == "wangfang" and len(creds["token"]) >= 32
    assert "only now" in added.stderr
    listed = _cli(env, "staff", "list", "--json").stdout
    assert creds["token"] not in listed and creds["password"] not in listed
    reference = json.loads(
        _cli(
            env,
            "case",
            "submit",
            "--text",
            "人民路红绿灯坏了",
            "--domain",
            "transport",
            "--urgency",
            "high",
            "--kind",
            "demand",
            "--json",
        ).stdout
    )["reference"]
    headers = {"Authorization": f"Bearer {creds['token']}"}
    with serving(env, tmp_path / "serve.log") as (base, _):
        queue = httpx.get(f"{base}/api/v1/cases", headers=headers, timeout=10).json()
        assert [item["reference"] for item in queue["items"]] == [reference]
        etag = httpx.get(f"{base}/api/v1/cases/{reference}", headers=headers, timeout=10).headers[
            "etag"
        ]
        accepted = httpx.post(
            f"{base}/api/v1/cases/{reference}/accept",
            timeout=10,
            headers={**headers, "If-Match": etag},
        )
        assert accepted.status_code == 200
        again = httpx.post(
            f"{base}/api/v1/cases/{reference}/accept",
            timeout=10,
            headers={**headers, "If-Match": etag},
        )
        assert again.status_code == 409
    shown = json.loads(_cli(env, "case", "show", reference, "--json").stdout)
    assert shown["status"] == "accepted"


def test_serve_with_a_bot_token_polls_telegram_and_delivers_staff_replies(tmp_path: Path) -> None:
    fake = FakeBotApi(token=TOKEN).start()
    try:
        env = _env(
            tmp_path, MINSHENG_TELEGRAM_TOKEN=TOKEN, MINSHENG_TELEGRAM_BASE_URL=fake.base_url
        )
        creds = json.loads(
            _cli(
                env,
                "staff",
                "add",
                "--name",
                "李强",
                "--department",
                "city_management",
                "--role",
                "agent",
                "--json",
            ).stdout
        )
        headers = {"Authorization": f"Bearer {creds['token']}"}
        chat = 6_000_001
        with serving(env, tmp_path / "serve.log") as (base, _):
            fake.wait_for(lambda: fake.calls_of("getUpdates"), timeout=60)
            fake.send_text(chat, "/start")
            fake.wait_for_messages(chat, 1, 30)  # the bot answers from the same process
            reference = _submit_for_chat(env, chat)
            seen = len(fake.sent_to(chat))
            etag = httpx.get(
                f"{base}/api/v1/cases/{reference}", headers=headers, timeout=10
            ).headers["etag"]
            replied = httpx.post(
                f"{base}/api/v1/cases/{reference}/reply",
                timeout=10,
                headers={**headers, "If-Match": etag},
                json={"text": "环卫工人今天下午清理"},
            )
            assert replied.status_code == 200
            fake.wait_for_messages(chat, seen + 1, 30)
            assert any("环卫工人今天下午清理" in m.text for m in fake.sent_to(chat)[seen:])
    finally:
        fake.stop()


def _submit_for_chat(env: dict[str, str], chat: int) -> str:
    """A case of this Telegram resident, created by the service layer as the chat would."""
    from minsheng.config.settings import load_settings
    from minsheng.services.bootstrap import bootstrap
    from minsheng.services.casework import submission

    app = bootstrap(load_settings(env["MINSHENG_CONFIG"], env=env))
    try:
        view = submission.submit(
            app,
            submission.Intake(
                text="小区门口垃圾堆了一周没人清理",
                domain="environment",
                urgency="normal",
                kind="demand",
                channel="telegram",
                external_id=str(chat),
                display_name="居民",
            ),
        )
    finally:
        app.dispose()
    return str(view["reference"])


@pytest.mark.parametrize("role", ["boss", ""])
def test_staff_add_refuses_an_unknown_role(tmp_path: Path, role: str) -> None:
    env = _env(tmp_path)
    result = subprocess.run(
        [
            str(COMMAND),
            "staff",
            "add",
            "--name",
            "x",
            "--department",
            "transport_bureau",
            "--role",
            role,
        ],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "role" in result.stderr
