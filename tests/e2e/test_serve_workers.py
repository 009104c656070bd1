"""`minsheng serve --workers N`: several processes on one socket, each a full service."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

COMMAND = Path(sys.executable).with_name("minsheng")
PROJECT = Path(__file__).resolve().parents[2]


def _env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update(
        MINSHENG_DATABASE_URL=f"sqlite:///{folder / 'minsheng.db'}",
        MINSHENG_CONFIG=str(PROJECT / "config.yml"),
        **extra,
    )
    subprocess.run(
        [str(COMMAND), "db", "upgrade"], env=env, cwd=PROJECT, check=True, capture_output=True
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_workers_serve_the_web_chat_and_stop_on_sigterm(tmp_path: Path) -> None:
    env = _env(tmp_path)
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [str(COMMAND), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=PROJECT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        with httpx.Client(base_url=base) as client:
            page = client.get("/chat")
            csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
            answer = client.post(
                "/chat/api/send", json={"text": "/help"}, headers={"x-csrf-token": csrf}
            )
        assert answer.status_code == 200 and answer.json()["replies"]
        # The first worker can answer while the second is still starting on a busy machine.
        started = (tmp_path / "serve.log").read_text()
        while started.count("Started server process") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            started = (tmp_path / "serve.log").read_text()
        assert started.count("Started server process") == 2, started
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    assert process.returncode == 0


def test_several_workers_refuse_telegram_polling_with_a_clear_reason(tmp_path: Path) -> None:
    env = _env(tmp_path, MINSHENG_TELEGRAM_TOKEN="123456:TEST-token")
    result = subprocess.run(
        [str(COMMAND), "serve", "--port", str(_free_port()), "--workers", "2"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "webhook" in result.stderr and "--workers 1" in result.stderr
