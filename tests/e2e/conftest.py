"""What end-to-end tests share: `minsheng serve` started as an operator would start it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

MINSHENG = str(Path(sys.executable).parent / "minsheng")

RunningService = Callable[..., AbstractContextManager[str]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_service(
    env: dict[str, str],
    folder: Path,
    *,
    ready_path: str = "/healthz",
    timeout: float = 60.0,
    args: tuple[str, ...] = (),
) -> Iterator[str]:
    """`minsheng serve` on a free port until `ready_path` answers 200; yields the base URL."""
    port = free_port()
    log_path = folder / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [MINSHENG, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_ready(base + ready_path, process, log_path, timeout)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"minsheng serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"minsheng serve did not answer {url} within {timeout:g} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def serve() -> RunningService:
    """A context manager factory: `with serve(env, folder) as base_url: ...`."""
    return running_service
