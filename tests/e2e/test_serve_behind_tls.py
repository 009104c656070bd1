"""`minsheng serve` behind the HTTPS load balancer: cookies get Secure when the request came
over TLS (told by a trusted proxy's X-Forwarded-Proto), and no secret reaches the log."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from minsheng.config.settings import PROJECT_ROOT

MINSHENG = str(Path(sys.executable).parent / "minsheng")
FROM_TLS_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def _env(folder: Path, config: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    env.update(
        MINSHENG_DATABASE_URL=f"sqlite:///{folder / 'serve.db'}",
        MINSHENG_CONFIG=str(config or PROJECT_ROOT / "config.yml"),
    )
    subprocess.run(
        [MINSHENG, "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return env


def _set_cookies(base: str, path: str) -> list[str]:
    response = httpx.get(base + path, headers=FROM_TLS_PROXY, timeout=10)
    assert response.status_code in (200, 401), response.text
    cookies = response.headers.get_list("set-cookie")
    assert cookies, f"{path} set no cookie"
    return cookies


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


def _secure_everywhere(base: str) -> list[bool]:
    found = _set_cookies(base, "/chat") + _set_cookies(base, "/console/login")
    return ["; secure" in c.lower() for c in found]


def test_cookies_are_secure_when_a_trusted_proxy_says_the_request_came_over_https(
    folder: Path, serve: Any
) -> None:
    # The proxy is this machine (127.0.0.1), trusted by default.
    with serve(_env(folder), folder) as base:
        assert all(_secure_everywhere(base))
        language = httpx.get(
            f"{base}/console/lang/en", headers=FROM_TLS_PROXY, follow_redirects=False
        )
        assert "secure" in language.headers["set-cookie"].lower()


def test_an_untrusted_peer_cannot_claim_https_but_secure_can_be_forced(
    folder: Path, serve: Any
) -> None:
    only_elsewhere = ("--forwarded-allow-ips", "10.20.30.40")
    with serve(_env(folder), folder, args=only_elsewhere) as base:
        assert not any(_secure_everywhere(base))
    forced = folder / "forced.yml"
    text = (PROJECT_ROOT / "config.yml").read_text(encoding="utf-8")
    forced.write_text(
        text.replace("secure_cookies: auto", "secure_cookies: always"), encoding="utf-8"
    )
    second = folder / "second"
    second.mkdir()
    with serve(_env(second, forced), second, args=only_elsewhere) as base:
        assert all(_secure_everywhere(base))


@pytest.fixture
def keyed(folder: Path, serve: Any) -> Iterator[tuple[str, str, Path]]:
    env = _env(folder)
    created = subprocess.run(
        [MINSHENG, "apikey", "create", "--name", "app"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    with serve(env, folder) as base:
        yield base, created.stdout.strip(), folder / "serve.log"


def test_an_api_key_in_the_url_is_refused_with_a_hint_and_never_logged(
    keyed: tuple[str, str, Path],
) -> None:
    base, key, log = keyed
    url = f"{base}/open311/v2/requests.json"
    form = {
        "service_code": "transport",
        "description": "门口的路灯坏了",
        "address_string": "幸福里小区3号楼",
    }
    in_url = httpx.post(url, params={"api_key": key}, data=form, timeout=30)
    assert in_url.status_code == 400
    assert "form body" in in_url.json()[0]["description"]
    httpx.get(f"{base}/open311/v2/requests.json", params={"token": "t0ps3cret-value"}, timeout=30)
    in_body = httpx.post(url, data={**form, "api_key": key}, timeout=30)
    assert in_body.status_code == 200, in_body.text
    text = log.read_text()
    assert "POST /open311/v2/requests.json?api_key=[redacted]" in text  # uvicorn's access line
    assert key not in text and "t0ps3cret-value" not in text
