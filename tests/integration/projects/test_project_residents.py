"""Backing, announcements, the milestone sweep, ratings and /forget, as residents and
departments notice them."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from project_factories import DEPT, at, opened, started
from sqlalchemy import func, select

from case_store.models import Announcement, OutboxMessage, ProjectBacking, Subscription
from minsheng.services.access.staff import Role, StaffMember
from minsheng.services.bootstrap import App, bootstrap
from minsheng.services.messaging import delivery, delivery_claims
from minsheng.services.projects import backing, cycle, sweep, views
from minsheng.services.projects.backing import NotRatable
from minsheng.services.rights import privacy


class Sender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Sequence[Sequence[Mapping[str, str]]]]] = []

    def send(
        self, recipient: str, text: str, buttons: Sequence[Sequence[Mapping[str, str]]]
    ) -> None:
        self.sent.append((recipient, text, buttons))


def _deliver(app: App, sender: Sender) -> int:
    return delivery.deliver_due(app, {"telegram": sender}, worker_id="test")


def test_a_resident_backs_a_project_once_and_a_second_time_changes_nothing(
    app: App, june: Any
) -> None:
    ref = opened(app)
    first = backing.back(app, ref, channel="telegram", external_id="tg-5")
    again = backing.back(app, ref, channel="telegram", external_id="tg-5")
    assert (first["backed"], again["backed"]) == (True, False)
    assert again["backers"] == 1
    assert [p["reference"] for p in backing.backed_by(app, "telegram", "tg-5")] == [ref]


def test_two_replicas_backing_for_the_same_resident_at_once_record_one_backing(
    postgres_url: str, base_settings: Any, clock: Any
) -> None:
    from case_store import migrate

    at(clock, 2026, 6, 1)
    settings = base_settings.model_copy(update={"database_url": postgres_url})
    one, two = bootstrap(settings, clock=clock), bootstrap(settings, clock=clock)
    migrate.upgrade(one.engine)
    try:
        ref = opened(one)
        barrier = threading.Barrier(8)
        results: list[bool] = []
        errors: list[BaseException] = []

        def back(app: App) -> None:
            barrier.wait()
            try:
                results.append(
                    bool(backing.back(app, ref, channel="telegram", external_id="tg-new")["backed"])
                )
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=back, args=(one if i % 2 else two,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert sorted(results) == [False] * 7 + [True]
        assert views.show(one, ref)["backers"] == 1
    finally:
        one.dispose()
        two.dispose()


def test_the_sweep_warns_on_official_working_days_and_supervises_a_missed_milestone(
    app: App, june: Any
) -> None:
    ref = started(app)
    cycle.progress(app, ref, percent=20, note="开工", actor="dept")
    # 12 June 2026 is 11 working days from 30 June (19 June is the Dragon Boat holiday).
    assert sweep.run(app, dt.date(2026, 6, 12))["warnings"] == 0
    warned = sweep.run(app, dt.date(2026, 6, 15))
    assert warned["warnings"] == 1
    assert sweep.run(app, dt.date(2026, 6, 16))["warnings"] == 0  # told once, not daily
    with app.uow() as uow:
        notice = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.key.like("project:%:warn:2026-06-30"))
        ).one()
        assert notice.channel == "staff" and notice.recipient == DEPT
        assert notice.payload["working_days_left"] == 10
    assert sweep.run(app, dt.date(2026, 6, 30))["supervised"] == 0  # due today, not yet missed
    result = sweep.run(app, dt.date(2026, 7, 1))
    assert result["supervised"] == 1 and result["supervised_now"] == [ref]
    assert views.show(app, ref)["supervised"] is True
    at(app.clock, 2026, 7, 2)  # type: ignore[arg-type]
    view = cycle.progress(app, ref, percent=55, note="追上进度", actor="dept")
    assert view["supervised"] is False
    assert [m["met"] for m in view["milestones"]] == [False, None, None]
    kinds = [e["kind"] for e in views.history(app, ref)["events"]]
    assert kinds.count("supervised") == 1 and kinds.count("supervision_cleared") == 1


def test_announcements_reach_each_resident_once_even_when_a_sender_dies_mid_send(
    app: App, june: Any
) -> None:
    ref = started(app, backers=("tg-1", "tg-7"))
    sender = Sender()
    # A worker claims the messages and dies before sending: the claim goes stale.
    claimed = delivery_claims.claim(app, ["telegram"], "dead-worker/1", 50)
    assert claimed
    app.clock.advance(seconds=app.settings.delivery.stale_claim_seconds + 1)  # type: ignore[attr-defined]
    _deliver(app, sender)
    _deliver(app, sender)
    sweep.run(app, dt.date(2026, 6, 2))
    _deliver(app, sender)
    per_person: dict[str, int] = {}
    for recipient, text, _ in sender.sent:
        if "已入选" in text:
            per_person[recipient] = per_person.get(recipient, 0) + 1
    assert per_person == {"tg-1": 1, "tg-2": 1, "tg-7": 1}  # backers and a linked resident
    awareness = views.show(app, ref)["awareness"]
    assert awareness == {"audience": 3, "delivered": 3, "opened": 0}
    backing.opened(app, ref, "telegram", "tg-7")
    assert views.show(app, ref)["awareness"]["opened"] == 1


def test_subscribers_of_the_area_or_domain_hear_when_a_project_is_selected(
    app: App, june: Any
) -> None:
    ref = opened(app)
    backing.subscribe(app, "telegram", "tg-sub", "domain", "housing")
    assert backing.subscribe(app, "telegram", "tg-sub", "domain", "housing") is False
    cycle.select_project(app, ref, actor="x")
    sender = Sender()
    _deliver(app, sender)
    assert "tg-sub" in {r for r, _, _ in sender.sent}
    assert backing.unsubscribe(app, "telegram", "tg-sub") == 1


def _complete(app: App, ref: str) -> None:
    cycle.progress(app, ref, percent=100, note="建成", actor="dept")
    cycle.complete(app, ref, actor="dept")


def test_completion_asks_backers_and_linked_residents_to_rate_once_each(
    app: App, june: Any
) -> None:
    ref = started(app, backers=("tg-1", "tg-7"))
    _complete(app, ref)
    sender = Sender()
    _deliver(app, sender)
    keyboards = {r: b for r, t, b in sender.sent if "已完工" in t}
    assert set(keyboards) == {"tg-1", "tg-2", "tg-7"}
    assert [b["data"] for b in keyboards["tg-7"][0]] == [f"pjr:{ref}:{n}" for n in range(1, 6)]
    assert backing.rate(app, ref, channel="telegram", external_id="tg-7", score=5)["rated"]
    again = backing.rate(app, ref, channel="telegram", external_id="tg-7", score=1)
    assert again["rated"] is False and again["ratings"] == 1
    with pytest.raises(NotRatable):
        backing.rate(app, ref, channel="telegram", external_id="stranger", score=4)
    offline = backing.rate(
        app,
        ref,
        channel="offline",
        external_id="13800000000",
        score=4,
        source="offline",
        recorded_by="worker",
    )
    assert offline["ratings"] == 2 and offline["rating_mean"] is None  # below the min sample
    # One reminder, after the survey's delay, to those who have not rated yet.
    app.clock.advance(days=app.settings.sla.survey.reminder_after_days + 0.1)  # type: ignore[attr-defined]
    first = sweep.run(app)["rating_reminders"]
    assert first == 2 and sweep.run(app)["rating_reminders"] == 0


def test_only_an_evaluator_records_a_third_party_evaluation(app: App, june: Any) -> None:
    from minsheng.services.access.staff import AccessDenied

    ref = started(app)
    _complete(app, ref)
    clerk = StaffMember("s1", "Clerk", None, DEPT, Role.AGENT)
    with pytest.raises(AccessDenied):
        backing.evaluate(app, ref, score=90, note="好", evaluator=clerk)
    judge = StaffMember("s2", "Evaluator", None, "supervision", Role.EVALUATOR)
    view = backing.evaluate(app, ref, score=88, note="按期完成", evaluator=judge)
    assert view["evaluation"] == {"score": 88, "note": "按期完成"}


def test_forget_removes_a_resident_from_backings_ratings_and_audiences_but_counts_stay(
    app: App, june: Any
) -> None:
    ref = started(app, backers=("tg-1", "tg-7"))
    backing.subscribe(app, "telegram", "tg-7", "area", "朝阳区")
    _complete(app, ref)
    _deliver(app, Sender())
    backing.rate(app, ref, channel="telegram", external_id="tg-7", score=5)
    mine = privacy.my_data(app, "telegram", "tg-7")
    assert [b["project"] for b in mine["project_backings"]] == [ref]
    assert mine["project_ratings"][0]["score"] == 5
    assert mine["subscriptions"] == [{"kind": "area", "value": "朝阳区"}]
    before = views.show(app, ref)
    counts = privacy.forget(app, "telegram", "tg-7")
    assert counts["project_backings"] == 1 and counts["subscriptions"] == 1
    after = views.show(app, ref)
    for key in ("backers", "ratings", "awareness"):
        assert after[key] == before[key]
    with app.uow() as uow:
        s = uow.session
        assert s.scalar(select(func.count(Subscription.id))) == 0
        linked = s.scalar(
            select(func.count(ProjectBacking.id)).where(ProjectBacking.resident_id.is_not(None))
        )
        assert linked == 1
        forgotten = s.scalar(
            select(func.count(Announcement.id)).where(Announcement.resident_id.is_(None))
        )
        assert forgotten and forgotten > 0
    assert privacy.my_data(app, "telegram", "tg-7")["identity"] is None


def test_demand_topics_keep_merges_splits_and_coverage_across_runs(app: App, june: Any) -> None:
    import factories

    from minsheng.services.projects import demand

    texts = [
        ("和平小区附近没有菜市场，买菜很不方便", "housing", "r1"),
        ("希望在小区附近建个菜市场", "housing", "r2"),
        ("附近沒有菜市場，買菜太遠了", "housing", "r3"),
        ("We need a food market near our estate", "housing", "r4"),
        ("人民路的路灯坏了好几盏，晚上很黑", "transport", "r5"),
        ("路燈壞了，晚上走路看不見", "transport", "r6"),
        ("street lights broken on our road", "transport", "r7"),
        ("小区门口没有公厕", "housing", "r8"),
    ]
    for text, domain, resident in texts:
        factories.submit(app, text, domain, resident=resident, kind="demand")
    factories.submit(app, "窗口工作人员态度差", "other", resident="r9", kind="complaint")
    topics = demand.clusters_of(app)
    all_refs = [r for t in topics for r in t["references"]]
    assert len(all_refs) == 8  # the staff complaint is not in the ledger
    assert topics == sorted(topics, key=lambda t: (-t["cases"], t["id"]))
    biggest = topics[0]
    assert demand.clusters_of(app) == topics  # the same input gives the same topics
    other = next(t for t in topics if t["id"] != biggest["id"])
    demand.merge(app, other["id"], biggest["id"], actor="staff")
    merged = {t["id"]: t for t in demand.clusters_of(app)}
    assert other["id"] not in merged
    assert set(other["references"]) <= set(merged[biggest["id"]]["references"])
    new_id = demand.split(app, biggest["id"], other["references"][:1], label="拆分", actor="staff")
    again = {t["id"]: t for t in demand.clusters_of(app)}
    assert again[new_id]["references"] == other["references"][:1]
    project = cycle.propose(app, title="菜市场", topic=biggest["id"], department=DEPT, year=2026)
    assert {t["id"]: t for t in demand.clusters_of(app)}[biggest["id"]]["covered_by"] == project[
        "reference"
    ]
