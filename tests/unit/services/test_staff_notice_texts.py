"""How a staff notice reads: the department's language, the reference, a console link, an
accept button only on urgent cases, and nothing about the resident."""

from __future__ import annotations

import pytest

from minsheng.config.settings import PROJECT_ROOT, load_settings
from minsheng.services.messaging import staff_notices

SETTINGS = load_settings(PROJECT_ROOT / "config.yml", env={})
DESK = SETTINGS.department("utilities_desk")


def test_an_urgent_new_case_names_the_case_links_the_console_and_offers_accept() -> None:
    notice = staff_notices.render(
        SETTINGS,
        DESK,
        {
            "type": "new_case",
            "reference": "MS-2612-7KQ2XD",
            "domain": "utilities",
            "urgency": "urgent",
            "kind": "demand",
        },
    )
    assert "紧急诉求 MS-2612-7KQ2XD" in notice.subject and DESK.name_zh in notice.subject
    link = f"{SETTINGS.notify.console_url}/cases/MS-2612-7KQ2XD"
    assert link in notice.text and f'href="{link}"' in notice.html
    assert notice.buttons == [[{"label": "受理", "data": "staff:accept:MS-2612-7KQ2XD"}]]


def test_a_normal_case_and_sla_notices_carry_no_button() -> None:
    for payload in (
        {"type": "new_case", "reference": "MS-1", "urgency": "normal", "domain": "transport"},
        {
            "type": "sla_breach",
            "reference": "MS-1",
            "alert": "first_response_breach",
            "due_at": "2026-11-02T12:00:00+08:00",
        },
    ):
        assert staff_notices.render(SETTINGS, DESK, payload).buttons == []


def test_an_english_department_reads_english_and_times_are_local() -> None:
    english = DESK.model_copy(update={"language": "en"})
    notice = staff_notices.render(
        SETTINGS,
        english,
        {
            "type": "escalated",
            "reference": "MS-2",
            "alert": "resolution_breach",
            "department": "utilities_desk",
            "due_at": "2026-11-02T15:59:59+00:00",
        },
    )
    assert notice.subject.endswith("Escalated MS-2")
    assert "Due: 2026-11-02 23:59" in notice.text and "Deadline: resolution" in notice.text


def test_the_digest_lists_its_sections_with_counts() -> None:
    notice = staff_notices.render(
        SETTINGS,
        DESK,
        {
            "type": "digest",
            "date": "2026-11-02",
            "new": {"count": 2, "references": ["MS-1", "MS-2"]},
            "due_soon": {"count": 0, "references": []},
            "overdue": {"count": 25, "references": ["MS-3"]},
        },
    )
    assert "每日摘要 2026-11-02" in notice.subject
    assert "新增: 2: MS-1, MS-2" in notice.text and "已超期: 25: MS-3 等" in notice.text
    assert f"{SETTINGS.notify.console_url}/queue" in notice.text


@pytest.mark.parametrize("text", ["<script>", "a&b"])
def test_the_html_part_escapes_what_it_shows(text: str) -> None:
    notice = staff_notices.render(SETTINGS, DESK, {"type": "new_case", "reference": text})
    assert text not in notice.html
