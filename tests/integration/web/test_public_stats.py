"""The public statistics page and JSON (信息公开): figures by month and domain, nobody named."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import factories
import pytest
from fastapi.testclient import TestClient

from minsheng.services.bootstrap import App
from minsheng.services.casework import resident_actions, staff_actions
from minsheng.web.app import create_app

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
PHONE = "13812345678"
NAME = "张先生"


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create_app(app)) as test_client:
        yield test_client


def submit(app: App, text: str, domain: str, n: int) -> str:
    return factories.submit(
        app, f"{text}，电话 {PHONE}", domain, resident=f"tg-{n}", display_name=NAME, phone=PHONE
    )


@pytest.fixture
def history(app: App, clock: Any) -> list[str]:
    """Seven cases in November 2026: five roads resolved the next day and rated 5, 5, 4, 2, 5;
    one road and one noise case never resolved. Then the clock moves to late January 2027."""
    roads = [submit(app, f"第{n}条路上有坑", "transport", n) for n in range(6)]
    noise = submit(app, "工地夜间施工噪音", "environment", 99)
    clock.advance(days=1)
    for reference, score in zip(roads[:5], (5, 5, 4, 2, 5), strict=True):
        staff_actions.resolve(app, reference, note="已修补")
        resident_actions.rate(app, reference, score=score)
    clock.set(dt.datetime(2027, 1, 20, 9, 0, tzinfo=SHANGHAI))
    return [*roads, noise]


def by(rows: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    return next(row for row in rows if row[key] == value)


def test_figures_are_published_by_month(client: TestClient, history: list[str]) -> None:
    stats = client.get("/public/stats", params={"months": 3}).json()
    assert [m["month"] for m in stats["by_month"]] == ["2026-11", "2026-12", "2027-01"]
    november = by(stats["by_month"], "month", "2026-11")
    assert november["received"] == 7 and november["resolved"] == 5
    assert november["satisfaction"]["value"] == 0.8
    assert november["satisfaction"]["sample_size"] == 5
    # All seven deadlines (30 working days after 2 November) fall in December.
    december = by(stats["by_month"], "month", "2026-12")
    assert december["received"] == 0
    assert december["resolved_on_time"]["numerator"] == 5
    assert december["resolved_on_time"]["sample_size"] == 7
    assert december["resolved_on_time"]["value"] == round(5 / 7, 4)
    january = by(stats["by_month"], "month", "2027-01")
    assert january["received"] == 0
    assert january["resolved_on_time"]["status"] == "not_enough_data"
    assert stats["totals"]["received"] == 7 and stats["totals"]["resolved"] == 5


def test_figures_are_published_by_domain(client: TestClient, history: list[str]) -> None:
    stats = client.get("/public/stats", params={"months": 3}).json()
    assert [d["domain"] for d in stats["by_domain"]][:2] == ["education", "healthcare"]
    roads = by(stats["by_domain"], "domain", "transport")
    assert roads["name_zh"] == "交通出行"
    assert (roads["received"], roads["resolved"]) == (6, 5)
    assert roads["resolved_on_time"]["value"] == round(5 / 6, 4)
    assert roads["satisfaction"]["value"] == 0.8
    noise = by(stats["by_domain"], "domain", "environment")
    assert noise["received"] == 1
    assert noise["resolved_on_time"]["value"] is None
    assert noise["resolved_on_time"]["status"] == "not_enough_data"
    assert by(stats["by_domain"], "domain", "education")["received"] == 0


def test_the_statistics_name_nobody(client: TestClient, history: list[str]) -> None:
    for path in ("/public/stats", "/public"):
        body = client.get(path, params={"months": 3}).text
        for secret in (PHONE, NAME, "tg-1", *history, "第1条路上有坑"):
            assert secret not in body, secret


def test_a_month_with_no_cases_reads_not_enough_data(client: TestClient) -> None:
    stats = client.get("/public/stats").json()
    assert len(stats["by_month"]) == 12
    assert stats["totals"]["received"] == 0
    assert stats["totals"]["satisfaction"] == {
        "value": None,
        "numerator": 0,
        "sample_size": 0,
        "status": "not_enough_data",
    }


def test_an_impossible_number_of_months_is_refused(client: TestClient) -> None:
    for months in ("0", "37", "twelve"):
        response = client.get("/public/stats", params={"months": months})
        assert 400 <= response.status_code < 500
    assert client.get("/public/stats").status_code == 200


def test_the_page_shows_the_figures_without_any_script(
    client: TestClient, history: list[str]
) -> None:
    response = client.get("/public", params={"months": 3})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "交通出行" in page and "2026年12月" in page  # months as the city writes them
    assert "71.4%" in page  # five of the seven December deadlines met
    assert "80.0%" in page  # four of five ratings 4 or 5
    assert "<script" not in page.lower()
    assert not re.search(r"<[^>]*\son\w+\s*=", page)  # no inline event handlers either
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    css = client.get("/public/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_the_page_escapes_what_it_shows(app: App, client: TestClient) -> None:
    city = app.settings.city.model_copy(update={"name_zh": "<script>alert(1)</script>临江"})
    app.settings = app.settings.model_copy(update={"city": city})
    page = client.get("/public").text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;临江" in page


def test_the_figures_refresh_within_a_minute(app: App, client: TestClient, clock: Any) -> None:
    assert client.get("/public/stats").json()["totals"]["received"] == 0
    submit(app, "路灯不亮", "transport", 1)
    clock.advance(seconds=61)
    assert client.get("/public/stats").json()["totals"]["received"] == 1


def test_the_page_gives_the_generation_time_on_the_citys_clock(
    client: TestClient, history: list[str]
) -> None:
    page = client.get("/public", params={"months": 3}).text
    # The clock stands at 2027-01-20 09:00 in Shanghai (01:00 UTC).
    assert "2027年1月20日 09:00（UTC+08:00）" in page
    assert "2026年11月 – 2027年1月" in page
    # Every figure carries its label for the narrow layout, where the table header is hidden.
    assert 'data-label="满意率 satisfaction"' in page
