"""An independent Open311 client against the running service: `minsheng serve` in its own
process on a fresh SQLite database; reads through the `georeport` package (JSON and XML), the
POST as plain form-encoded HTTP, as a third-party app would send it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import georeport
import httpx
import pytest
import requests

from minsheng.config.settings import PROJECT_ROOT

MINSHENG = str(Path(sys.executable).parent / "minsheng")
PHONE, DASHED, ID_NUMBER = "13812345678", "138-1234-5678", "110101199003074578"


class Service:
    def __init__(self, env: dict[str, str], base_url: str) -> None:
        self.env = env
        self.root = f"{base_url}/open311/v2"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [MINSHENG, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def client(self, output_format: str = "json") -> Any:
        return georeport.GeoReport(self.root, output_format=output_format)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, serve: Any) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("open311")
    env = {
        **os.environ,
        "MINSHENG_DATABASE_URL": f"sqlite:///{folder / 'serve.db'}",
        "MINSHENG_CONFIG": str(PROJECT_ROOT / "config.yml"),
    }
    for name in ("MINSHENG_REDIS_URL", "MINSHENG_TELEGRAM_TOKEN", "GEOREPORT_API_KEY"):
        env.pop(name, None)
    subprocess.run([MINSHENG, "db", "upgrade"], env=env, check=True, capture_output=True)
    with serve(env, folder) as base:
        yield Service(env, base)


@pytest.fixture(scope="module")
def api_key(service: Service) -> str:
    proc = service.cli("apikey", "create", "--name", "city app")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def post(service: Service, **fields: str) -> httpx.Response:
    return httpx.post(f"{service.root}/requests.json", data=fields, timeout=30)


def test_apikey_create_prints_the_key_alone_on_stdout(service: Service, api_key: str) -> None:
    proc = service.cli("apikey", "create", "--name", "another app")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("msk_") and len(lines[0]) > 40
    assert lines[0] != api_key
    assert lines[0] not in proc.stderr


def test_the_client_reads_the_service_list_in_json_and_xml(service: Service) -> None:
    services = service.client().get_service_list()
    codes = [s["service_code"] for s in services]
    assert "transport" in codes and "housing" in codes and len(codes) == 12
    xml_services = service.client("xml").get_service_list()
    assert [s["service_code"] for s in xml_services] == codes
    definition = service.client().get_service_definition("transport")
    assert definition["attributes"][0]["code"] == "contact_consent"


def test_a_post_without_a_valid_key_gets_the_open311_error_list(service: Service) -> None:
    fields = {"service_code": "transport", "description": "路灯坏了", "address_string": "人民路"}
    missing = post(service, **fields)
    assert missing.status_code == 400
    assert missing.json()[0]["code"] == 400
    wrong = post(service, api_key="msk_wrong", **fields)
    assert wrong.status_code == 403
    assert wrong.json() == [{"code": 403, "description": "api_key is not valid"}]


def test_a_posted_request_is_tracked_by_the_client_until_it_is_closed(
    service: Service, api_key: str
) -> None:
    response = post(
        service,
        api_key=api_key,
        service_code="transport",
        description=f"人民路红绿灯坏了，电话 {PHONE} 或 {DASHED}，身份证 {ID_NUMBER}",
        address_string="人民路与解放路路口",
        first_name="小明",
        last_name="王",
        phone=PHONE,
    )
    assert response.status_code == 200, response.text
    (created,) = response.json()
    reference = created["service_request_id"]

    for client in (service.client(), service.client("xml")):
        found = client.get_service_request(reference)
        assert found["service_request_id"] == reference
        assert found["status"] == "open"
        assert found["agency_responsible"] == "交通运输局"
        assert found["expected_datetime"] and found["requested_datetime"]
        assert "人民路红绿灯坏了" in found["description"]
        for secret in (PHONE, DASHED, ID_NUMBER, "小明"):
            assert secret not in str(found), secret

    listed = service.client().get_service_requests(status="open", service_code="transport")
    assert reference in [r["service_request_id"] for r in listed]
    for row in listed:
        assert PHONE not in str(row) and ID_NUMBER not in str(row)

    resolved = service.cli("case", "resolve", reference, "--note", "已更换信号灯")
    assert resolved.returncode == 0, resolved.stderr
    assert service.client().get_service_request(reference)["status"] == "closed"
    closed = service.client().get_service_requests(status="closed")
    assert [r["service_request_id"] for r in closed] == [reference]


def test_an_unknown_request_is_a_404_for_the_client(service: Service) -> None:
    with pytest.raises(requests.HTTPError) as raised:
        service.client().get_service_request("MS-2611-ZZZZZZ")
    assert raised.value.response.status_code == 404
    assert raised.value.response.json()[0]["code"] == 404
