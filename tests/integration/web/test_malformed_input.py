"""Input no handler can use gets a 4xx that names the problem, never a 5xx: NaN and
Infinity, unpaired surrogates, nesting thousands deep, NUL characters. A generated mix of
such shapes runs against the workspace API, the web chat and Open311 (bounded, so it is quick).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minsheng.web.app import create_app

HOSTILE_TEXT = st.sampled_from(["\ud800", "a\udfffb", "\x00", "路灯\x00坏了", "ok"])
HOSTILE_NUMBER = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e400", "3"])


def _raw_json(text: str) -> str:
    """A JSON string literal that keeps lone surrogates as escapes (json.dumps would too)."""
    return (
        '"'
        + "".join(
            f"\\u{ord(c):04x}" if ord(c) < 32 or 0xD800 <= ord(c) < 0xE000 else c for c in text
        )
        + '"'
    )


@pytest.fixture
def api(workspace: Any) -> tuple[TestClient, dict[str, str], str]:
    headers = workspace.staff("admin", "supervision")
    reference = workspace.submit("楼道灯坏了", "housing")
    return TestClient(create_app(workspace.app), raise_server_exceptions=False), headers, reference


BODIES = {
    "NaN version": '{"text": "好的", "version": NaN}',
    "Infinity version": '{"text": "好的", "version": Infinity}',
    "huge number": '{"text": "好的", "version": 1e999}',
    "unpaired surrogate": '{"text": "\\ud800"}',
    "unpaired surrogate as key": '{"\\udfff": 1, "text": "x"}',
    "NUL in text": '{"text": "a\\u0000b"}',
    "nested 50000 deep": '{"text": ' + "[" * 50_000 + "]" * 50_000 + "}",
}


@pytest.mark.parametrize("body", list(BODIES.values()), ids=list(BODIES))
def test_an_unusable_json_body_is_a_400_that_says_why(
    api: tuple[TestClient, dict[str, str], str], body: str, caplog: pytest.LogCaptureFixture
) -> None:
    client, headers, reference = api
    caplog.set_level(logging.INFO, logger="minsheng.web.input_guard")
    response = client.post(
        f"/api/v1/cases/{reference}/reply",
        content=body.encode(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["detail"]
    assert len([r for r in caplog.records if r.name == "minsheng.web.input_guard"]) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/MS-2611-0001%00",
        "/api/v1/cases?q=%E8%B7%AF%00%E7%81%AF",
        "/api/v1/cases?status=routed%00",
        "/open311/v2/requests/MS%002611.json",
        "/open311/v2/requests.json?service_request_id=MS-2611-%00",
    ],
)
def test_a_nul_in_a_reference_or_a_search_is_a_400(
    api: tuple[TestClient, dict[str, str], str], path: str
) -> None:
    client, headers, _ = api
    response = client.get(path, headers=headers)
    assert response.status_code == 400
    assert "NUL" in response.text


@pytest.mark.parametrize("query", ["page=%ED%A0%80", "q=%FF%FE", "per_page=1e999"])
def test_invalid_utf8_or_huge_numbers_in_a_query_never_end_in_a_server_error(
    api: tuple[TestClient, dict[str, str], str], query: str
) -> None:
    client, headers, _ = api
    response = client.get(f"/api/v1/cases?{query}", headers=headers)
    assert response.status_code < 500 and response.json()


@given(
    text=HOSTILE_TEXT,
    number=HOSTILE_NUMBER,
    depth=st.integers(min_value=0, max_value=3000),
    where=st.sampled_from(["reply", "ask", "resolve", "transfer", "chat", "open311"]),
)
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_hostile_body_ends_in_a_server_error(
    api: tuple[TestClient, dict[str, str], str], text: str, number: str, depth: int, where: str
) -> None:
    client, headers, reference = api
    nested = "[" * depth + _raw_json(text) + "]" * depth
    if where == "open311":
        response = client.post(
            "/open311/v2/requests.json",
            content=f"api_key=x&description={text.encode('utf-8', 'surrogatepass').hex()}%00",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    elif where == "chat":
        page = client.get("/chat")
        csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        response = client.post(
            "/chat/api/send",
            content=f'{{"text": {nested}, "id": {number}}}'.encode(),
            headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
        )
    else:
        field = {"reply": "text", "ask": "question", "resolve": "note", "transfer": "reason"}[where]
        response = client.post(
            f"/api/v1/cases/{reference}/{where}",
            content=f'{{"{field}": {nested}, "version": {number}}}'.encode(),
            headers={**headers, "Content-Type": "application/json"},
        )
    assert response.status_code < 500, (where, text, number, depth, response.text[:200])
