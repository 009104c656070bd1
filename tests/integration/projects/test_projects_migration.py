"""Migration 0004: the project tables on real SQLite and PostgreSQL, up and down again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from case_store import migrate
from case_store.db import make_engine, make_session_factory
from case_store.models import (
    Announcement,
    Base,
    Case,
    DemandTopic,
    DemandTopicCase,
    Project,
    ProjectBacking,
    ProjectEvent,
    ProjectRating,
    Resident,
    Subscription,
)
from case_store.references import new_access_token, new_project_reference, new_reference
from routing.rates import satisfaction

PROJECT_TABLES = {
    "projects",
    "project_events",
    "project_cases",
    "project_backings",
    "project_progress",
    "project_ratings",
    "project_evaluations",
    "demand_topics",
    "demand_topic_cases",
    "subscriptions",
    "announcements",
}
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _resident(s, external_id: str) -> Resident:  # type: ignore[no-untyped-def]
    resident = Resident(channel="telegram", external_id=external_id, created_at=NOW)
    s.add(resident)
    s.flush()
    return resident


def _project(s) -> Project:  # type: ignore[no-untyped-def]
    project = Project(
        reference=new_project_reference(2026),
        title="老旧小区加装电梯",
        domain="housing",
        description="幸福里小区6栋加装电梯",
        area="幸福街道",
        budget_fen=120_000_000,
        plan_year=2026,
        stage="open",
        proposed_by="staff:1",
        milestones=[{"due": "2026-06-30", "percent": 50}],
        created_at=NOW,
        updated_at=NOW,
    )
    s.add(project)
    s.flush()
    return project


def test_upgrade_creates_every_project_table_and_the_models_match_it(engine: Engine) -> None:
    assert set(sa.inspect(engine).get_table_names()) >= PROJECT_TABLES
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        drift = [
            d
            for d in compare_metadata(context, Base.metadata)
            if any(t in repr(d) for t in PROJECT_TABLES)
        ]
    assert drift == []


def test_downgrade_removes_only_the_project_tables_and_keeps_the_cases(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        s.add(
            Case(
                reference=new_reference(NOW),
                access_token=new_access_token(),
                channel="web",
                domain="housing",
                urgency="normal",
                kind="demand",
                description="电梯坏了",
                status="routed",
                details={},
                created_at=NOW,
                updated_at=NOW,
            )
        )
        _project(s)
        s.commit()
    migrate.downgrade(engine, "0003_privacy")
    tables = set(sa.inspect(engine).get_table_names())
    assert not PROJECT_TABLES & tables and "cases" in tables
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from cases")).scalar() == 1
    migrate.upgrade(engine)
    assert set(sa.inspect(engine).get_table_names()) >= PROJECT_TABLES


def test_a_resident_backs_a_project_once_and_a_second_backing_is_refused(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        resident, project = _resident(s, "1001"), _project(s)
        s.add(ProjectBacking(project_id=project.id, resident_id=resident.id, source="chat", at=NOW))
        s.commit()
        s.add(ProjectBacking(project_id=project.id, resident_id=resident.id, source="chat", at=NOW))
        with pytest.raises(IntegrityError):
            s.flush()


def test_an_offline_backing_needs_the_staff_member_who_recorded_it(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        project = _project(s)
        s.add(
            ProjectBacking(project_id=project.id, source="offline", recorded_by="staff:7", at=NOW)
        )
        s.add(
            ProjectBacking(project_id=project.id, source="offline", recorded_by="staff:7", at=NOW)
        )
        s.commit()
        s.add(ProjectBacking(project_id=project.id, source="offline", at=NOW))
        with pytest.raises(IntegrityError):
            s.flush()


def test_a_rating_outside_one_to_five_is_refused_by_the_database(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        project = _project(s)
        s.add(ProjectRating(project_id=project.id, score=6, source="chat", at=NOW))
        with pytest.raises(IntegrityError):
            s.flush()


def test_forgetting_residents_keeps_backing_and_rating_counts(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        project = _project(s)
        residents = [_resident(s, str(2000 + i)) for i in range(6)]
        for resident, score in zip(residents, [5, 4, 4, 3, 5, 2]):
            s.add(
                ProjectBacking(
                    project_id=project.id, resident_id=resident.id, source="chat", at=NOW
                )
            )
            s.add(
                ProjectRating(
                    project_id=project.id,
                    resident_id=resident.id,
                    score=score,
                    source="chat",
                    at=NOW,
                )
            )
        s.add(
            Subscription(resident_id=residents[0].id, kind="area", value="幸福街道", created_at=NOW)
        )
        s.add(
            Announcement(
                project_id=project.id,
                resident_id=residents[0].id,
                event_key="published",
                created_at=NOW,
                delivered_at=NOW,
            )
        )
        s.commit()
        before = satisfaction(s.scalars(select(ProjectRating.score)))
        # The erasure unlinks the person; a hard delete of the row must do no worse.
        s.execute(
            sa.update(ProjectBacking)
            .where(ProjectBacking.resident_id == residents[1].id)
            .values(resident_id=None)
        )
        s.execute(
            sa.update(ProjectRating)
            .where(ProjectRating.resident_id == residents[1].id)
            .values(resident_id=None)
        )
        s.execute(sa.delete(Resident).where(Resident.id == residents[0].id))
        s.commit()
        s.expire_all()
        assert s.scalar(select(func.count()).select_from(ProjectBacking)) == 6
        assert s.scalar(select(func.count()).where(ProjectBacking.resident_id.is_(None))) == 2
        after = satisfaction(s.scalars(select(ProjectRating.score)))
        assert (after.mean.value, after.rate.value, after.sample_size) == (
            before.mean.value,
            before.rate.value,
            6,
        )
        assert s.scalar(select(func.count()).select_from(Subscription)) == 0
        announcement = s.scalars(select(Announcement)).one()
        assert announcement.resident_id is None and announcement.delivered_at is not None


def test_an_announcement_is_recorded_once_per_project_resident_and_event(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        project, resident = _project(s), _resident(s, "3001")
        s.add(
            Announcement(
                project_id=project.id,
                resident_id=resident.id,
                event_key="published",
                created_at=NOW,
            )
        )
        s.commit()
        s.add(
            Announcement(
                project_id=project.id,
                resident_id=resident.id,
                event_key="published",
                created_at=NOW,
            )
        )
        with pytest.raises(IntegrityError):
            s.flush()


def test_two_staff_saving_the_same_project_at_once_conflict(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        project_id = _project(s).id
        s.commit()
    first, second = factory(), factory()
    a = first.get(Project, project_id)
    first.commit()  # release SQLite's write lock; the row stays loaded at version 1
    b = second.get(Project, project_id)
    second.commit()
    assert a is not None and b is not None
    a.progress_percent = 30
    first.commit()
    b.progress_percent = 40
    with pytest.raises(sa.orm.exc.StaleDataError):
        second.commit()
    first.close()
    second.close()


def test_a_project_keeps_its_event_log_and_a_topic_points_at_the_project_covering_it(
    engine: Engine,
) -> None:
    factory = make_session_factory(engine)
    with factory() as s:
        project = _project(s)
        project.events.append(
            ProjectEvent(
                at=NOW,
                actor="street:幸福街道",
                kind="street_approved",
                before="proposed",
                after="street_approved",
                review="street",
            )
        )
        case = Case(
            reference=new_reference(NOW),
            access_token=new_access_token(),
            channel="web",
            domain="housing",
            urgency="normal",
            kind="demand",
            description="6栋没有电梯",
            status="routed",
            details={},
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(case)
        s.flush()
        s.add(
            DemandTopic(
                id="TP-0000ABCD",
                label="电梯 / 加装",
                domain="housing",
                covered_by_project_id=project.id,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        s.flush()
        s.add(
            DemandTopicCase(
                case_id=case.id, topic_id="TP-0000ABCD", manual=True, set_by="staff:1", at=NOW
            )
        )
        s.commit()
        s.expire_all()
        assert [e.kind for e in s.get(Project, project.id).events] == ["street_approved"]
        topic = s.get(DemandTopic, "TP-0000ABCD")
        assert topic is not None and topic.covered_by_project_id == project.id
