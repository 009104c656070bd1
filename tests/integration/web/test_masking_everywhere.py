"""The shared table of hostile samples, written by a resident into a real case and read back
through every place that masks it: the accused department's case page and CSV export, the
case after /forget, and Open311 (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from redaction_samples import HOSTILE, NAMES

from minsheng.services.rights import privacy

SECRETS = [secret for _, secret in HOSTILE] + [name for _, name in NAMES]
TEXT = "供水所工作人员态度恶劣。" + "；".join(sample for sample, _ in HOSTILE + NAMES)
CHAT = "tg-7007"


def _complaint(ws: Any) -> str:
    return str(
        ws.submit(
            TEXT,
            "utilities",
            kind="complaint",
            resident=CHAT,
            complaint_about_staff=True,
            accused_department="utilities_desk",
        )
    )


def _to_the_accused(ws: Any, ref: str) -> dict[str, str]:
    admin = ws.staff("admin", "supervision")
    moved = ws.client.post(
        f"/api/v1/cases/{ref}/transfer",
        headers=admin,
        json={
            "reason": "请说明情况",
            "to_department": "utilities_desk",
            "version": ws.version(ref),
        },
    )
    assert moved.status_code == 200, moved.text
    return dict(ws.staff("agent", "utilities_desk"))


def hidden_case_page(ws: Any, ref: str) -> str:
    detail = ws.client.get(f"/api/v1/cases/{ref}", headers=_to_the_accused(ws, ref))
    assert detail.json()["identity_hidden"] is True
    return str(detail.json()["description"]) + str(detail.json()["transcript"])


def hidden_csv_export(ws: Any, ref: str) -> str:
    exported = ws.client.get("/api/v1/cases/export.csv", headers=_to_the_accused(ws, ref)).text
    assert ref in exported
    return exported


def after_forget(ws: Any, ref: str) -> str:
    privacy.forget(ws.app, "telegram", CHAT)
    admin = ws.staff("admin", "supervision")
    detail = ws.client.get(f"/api/v1/cases/{ref}", headers=admin).json()
    return str(detail["description"]) + str(detail["transcript"])


def open311(ws: Any, ref: str) -> str:
    response = ws.client.get(f"/open311/v2/requests/{ref}.json")
    assert response.status_code == 200, response.text
    return response.text


SITES: dict[str, Callable[[Any, str], str]] = {
    "hidden_case_page": hidden_case_page,
    "hidden_csv_export": hidden_csv_export,
    "forget": after_forget,
    "open311": open311,
}


@pytest.mark.parametrize("site", sorted(SITES))
def test_what_the_resident_typed_comes_back_masked_wherever_it_is_read(
    workspace: Any, site: str
) -> None:
    ref = _complaint(workspace)
    shown = SITES[site](workspace, ref)
    assert "供水所工作人员态度恶劣" in shown or site == "open311"
    leaked = [s for s in SECRETS if s in shown]
    assert leaked == []
