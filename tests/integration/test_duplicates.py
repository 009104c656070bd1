"""Possible duplicates on the case page, and cases handled together with another (合并办理)."""

from __future__ import annotations

from typing import Any

import factories
import pytest
from sqlalchemy import select

from case_store.models import OutboxMessage
from minsheng.services.access import staff
from minsheng.services.access.staff import StaffMember
from minsheng.services.bootstrap import App
from minsheng.services.casework import duplicates, staff_actions, views, workspace_actions
from minsheng.services.errors import CaseNotFound, InvalidRequest

LAMP = "人民路88号门口的路灯不亮了，晚上很黑"
LAMP_AGAIN = "人民路88號附近路燈壞了好幾天，走路看不見"


def member(app: App, role: str = "agent", department: str = "transport_bureau") -> StaffMember:
    creds = staff.add_staff(app, name=f"{role} {department}", department=department, role=role)
    found = staff.by_public_id(app, creds.public_id)
    assert found is not None
    return found


def version(app: App, ref: str) -> int:
    return int(views.show(app, ref)["version"])


def link(app: App, who: StaffMember, ref: str, primary: str) -> dict[str, Any]:
    return duplicates.link_duplicate(app, who, ref, primary, version=version(app, ref))


def outbox(app: App, ref: str) -> list[tuple[str, str]]:
    """The messages queued for the resident of `ref` (not the department's staff notices)."""
    with app.uow() as uow:
        rows = uow.session.execute(
            select(OutboxMessage.key, OutboxMessage.recipient).where(
                OutboxMessage.key.like(f"{ref}:%"), OutboxMessage.channel == "telegram"
            )
        ).all()
    return [(key, recipient) for key, recipient in rows]


def test_the_same_lamp_post_reported_twice_in_other_words_is_found_and_unrelated_cases_are_not(
    app: App,
) -> None:
    first = factories.submit(app, LAMP, "transport", resident="tg-1")
    again = factories.submit(app, LAMP_AGAIN, "transport", resident="tg-2")
    other_road = factories.submit(app, "中山路两盏路灯不亮", "transport", resident="tg-3")
    pothole = factories.submit(app, "人民路上有个大坑，车子容易爆胎", "transport", resident="tg-4")
    lift = factories.submit(app, "和平小区3号楼电梯坏了", "housing", resident="tg-5")
    clerk = member(app)
    similar = duplicates.similar_open_cases(app, clerk, first)
    refs = [s["reference"] for s in similar]
    assert refs[0] == again
    assert pothole not in refs and lift not in refs and first not in refs
    top = similar[0]
    assert top["same_area"] is True and top["area"] and "人民路" in top["area"]
    assert top["score"] > 0.4 and top["title"].startswith("人民路88號")
    if other_road in refs:
        assert similar[refs.index(other_road)]["score"] < top["score"]


def test_only_open_cases_in_the_clerks_scope_are_offered(app: App) -> None:
    first = factories.submit(app, LAMP, "transport", resident="tg-1")
    done = factories.submit(app, LAMP_AGAIN, "transport", resident="tg-2")
    staff_actions.resolve(app, done, note="已修好")
    elsewhere = factories.submit(app, LAMP_AGAIN, "housing", resident="tg-3")
    refs = [s["reference"] for s in duplicates.similar_open_cases(app, member(app), first)]
    assert done not in refs and elsewhere not in refs
    with pytest.raises(CaseNotFound):
        duplicates.similar_open_cases(app, member(app, department="housing_bureau"), first)


def test_linking_shows_on_both_cases_and_unlinking_undoes_it(app: App) -> None:
    primary = factories.submit(app, LAMP, "transport", resident="tg-1")
    dup = factories.submit(app, LAMP_AGAIN, "transport", resident="tg-2")
    clerk = member(app)
    primary_version = version(app, primary)
    view = link(app, clerk, dup, primary)
    assert view["duplicate_of"] == primary
    assert duplicates.links(app, clerk, primary)["duplicates"][0]["reference"] == dup
    # The primary's pending actions stay valid: only its log changed.
    assert version(app, primary) == primary_version
    assert "linked_duplicate" in [e["type"] for e in views.events(app, dup)]
    assert "duplicate_linked" in [e["type"] for e in views.events(app, primary)]
    duplicates.unlink_duplicate(app, clerk, dup, version=version(app, dup))
    assert duplicates.links(app, clerk, dup)["duplicate_of"] is None
    assert duplicates.links(app, clerk, primary)["duplicates"] == []


def test_links_refuse_self_closed_cycles_and_cases_out_of_scope_and_follow_chains(
    app: App,
) -> None:
    a = factories.submit(app, LAMP, "transport", resident="tg-1")
    b = factories.submit(app, LAMP_AGAIN, "transport", resident="tg-2")
    c = factories.submit(app, "人民路88号路灯坏了", "transport", resident="tg-3")
    closed = factories.submit(app, "人民路88号路灯又坏了", "transport", resident="tg-4")
    staff_actions.resolve(app, closed, note="已修好")
    housing = factories.submit(app, "人民路88号楼道灯坏了", "housing", resident="tg-5")
    clerk = member(app)
    with pytest.raises(InvalidRequest, match="itself"):
        link(app, clerk, a, a)
    with pytest.raises(InvalidRequest, match="still being handled"):
        link(app, clerk, a, closed)
    with pytest.raises(CaseNotFound):
        link(app, clerk, a, housing)
    link(app, clerk, b, a)
    # Linking to a duplicate links to the case that answers it.
    chained = link(app, clerk, c, b)
    assert chained["duplicate_of"] == a
    with pytest.raises(InvalidRequest, match="cycle"):
        link(app, clerk, a, b)
    with pytest.raises(InvalidRequest, match="already answers for"):
        link(app, clerk, a, factories.submit(app, "人民路路灯", "transport", resident="tg-6"))
    with pytest.raises(InvalidRequest, match="already a duplicate"):
        link(app, clerk, b, a)


def test_resolving_the_primary_resolves_its_duplicates_and_each_resident_is_asked_once(
    app: App,
) -> None:
    primary = factories.submit(app, LAMP, "transport", resident="tg-1")
    dup = factories.submit(app, LAMP_AGAIN, "transport", resident="tg-2")
    clerk = member(app)
    link(app, clerk, dup, primary)
    workspace_actions.accept(app, clerk, primary, version=version(app, primary))
    workspace_actions.start(app, clerk, primary, version=version(app, primary))
    assert views.show(app, dup)["status"] == "in_progress"
    workspace_actions.reply(
        app, clerk, primary, text="维修队今晚到场", version=version(app, primary)
    )
    workspace_actions.resolve(
        app, clerk, primary, note="已更换灯泡", outcome="resolved", version=version(app, primary)
    )
    shown = views.show(app, dup)
    assert (shown["status"], shown["outcome"]) == ("resolved", "resolved")
    followed = [e for e in views.events(app, dup) if e["type"] == "followed"]
    assert [e["after"]["action"] for e in followed] == ["started", "replied", "resolved"]
    assert all(e["note"] == f"followed {primary}" for e in followed)
    for ref, chat in ((primary, "tg-1"), (dup, "tg-2")):
        keys = outbox(app, ref)
        assert {recipient for _, recipient in keys} == {chat}
        assert len([k for k, _ in keys if ":resolved:" in k]) == 1
        assert len([k for k, _ in keys if ":replied:" in k]) == 1
    with app.uow() as uow:
        survey = uow.session.scalars(
            select(OutboxMessage.payload).where(OutboxMessage.key == f"{dup}:resolved:1")
        ).one()
    assert f"rate:{dup}:5" in str(survey["buttons"])
    assert "已更换灯泡" in survey["text"]


def test_a_duplicate_unlinked_before_the_resolution_stays_open(app: App) -> None:
    primary = factories.submit(app, LAMP, "transport", resident="tg-1")
    dup = factories.submit(app, LAMP_AGAIN, "transport", resident="tg-2")
    clerk = member(app)
    link(app, clerk, dup, primary)
    duplicates.unlink_duplicate(app, clerk, dup, version=version(app, dup))
    staff_actions.resolve(app, primary, note="已更换灯泡")
    assert views.show(app, dup)["status"] == "routed"
    assert not [k for k, _ in outbox(app, dup) if ":resolved:" in k]
