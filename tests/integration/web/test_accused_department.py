"""A complaint about officials accuses the department it names, whatever its domain, and the
complainant stays hidden from that department after every transfer."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from case_store import repository
from minsheng.services.casework import views
from routing.router import looks_like_staff_complaint

COMPLAINANT = "赵先生"
TEXT = "今天在菜市场门口，几个城管执法队员把卖菜的老人推倒还打人"


def _complaint(workspace: Any, text: str = TEXT, domain: str = "market") -> str:
    assert looks_like_staff_complaint("complaint", text)
    return str(
        workspace.submit(
            text,
            domain,
            kind="complaint",
            resident="tg-3003",
            name=COMPLAINANT,
            phone="13700001111",
            complaint_about_staff=True,
        )
    )


def _transfer(workspace: Any, ref: str, to: str, headers: dict[str, str]) -> None:
    response = workspace.client.post(
        f"/api/v1/cases/{ref}/transfer",
        headers=headers,
        json={"reason": "请城管说明情况", "to_department": to, "version": workspace.version(ref)},
    )
    assert response.status_code == 200, response.text


def test_a_complaint_naming_city_management_officers_is_not_shown_to_city_management(
    workspace: Any,
) -> None:
    ref = _complaint(workspace)
    view = views.show(workspace.app, ref)
    # classified as market, but the complaint is about city management's officers
    assert view["department"] == "supervision"
    admin = workspace.staff("admin", "supervision")
    _transfer(workspace, ref, "city_management", admin)
    clerk = workspace.staff("agent", "city_management")
    detail = workspace.client.get(f"/api/v1/cases/{ref}", headers=clerk)
    assert detail.status_code == 200 and detail.json()["identity_hidden"] is True
    contact = workspace.client.get(f"/api/v1/cases/{ref}/contact", headers=clerk)
    assert contact.status_code == 403
    assert COMPLAINANT not in contact.text


def test_a_case_stored_with_the_domains_department_is_rechecked_at_transfer_and_look_up(
    workspace: Any,
) -> None:
    ref = _complaint(workspace)
    # As routed before departments had aliases: the market bureau taken for the accused.
    with workspace.app.uow() as uow:
        case = repository.get_case(uow.session, ref)
        case.hide_identity_from = "market_regulation"
        case.department = "market_regulation"
        uow.commit()
    market = workspace.staff("supervisor", "market_regulation")
    clerk = workspace.staff("agent", "city_management")
    # The look-up alone already checks the words again.
    _transfer(workspace, ref, "city_management", market)
    assert workspace.client.get(f"/api/v1/cases/{ref}/contact", headers=clerk).status_code == 403
    with workspace.app.uow() as uow:
        stored = uow.session.scalar(
            sa.text("select hide_identity_from from cases where reference = :r"), {"r": ref}
        )
    assert stored == "*"


@pytest.mark.parametrize("clerk_department", ["market_regulation", "city_management"])
def test_a_complaint_about_officials_naming_no_department_hides_the_complainant(
    workspace: Any, clerk_department: str
) -> None:
    ref = _complaint(workspace, text="那几个工作人员态度恶劣，还动手推人")
    admin = workspace.staff("admin", "supervision")
    _transfer(workspace, ref, clerk_department, admin)
    clerk = workspace.staff("agent", clerk_department)
    response = workspace.client.get(f"/api/v1/cases/{ref}/contact", headers=clerk)
    assert response.status_code == 403
    # the general supervisor still reaches the complainant
    contact = workspace.client.get(f"/api/v1/cases/{ref}/contact", headers=admin)
    assert contact.status_code == 200 and contact.json()["name"] == COMPLAINANT
