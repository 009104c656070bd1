"""What /mydata shows and /forget removes of a resident's part in projects.

Forgetting keeps the backing, rating and announcement rows and only unlinks them (so counts,
means and awareness stay right); subscriptions are only the person's wish and are deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from case_store.models import (
    Announcement,
    Project,
    ProjectBacking,
    ProjectRating,
    Subscription,
)


def my_data(session: Session, resident_id: int, tz: dt.tzinfo) -> dict[str, Any]:
    def day(moment: dt.datetime) -> str:
        return moment.astimezone(tz).date().isoformat()

    backings = [
        {"project": ref, "at": day(at), "source": source}
        for ref, at, source in session.execute(
            select(Project.reference, ProjectBacking.at, ProjectBacking.source)
            .join(Project, Project.id == ProjectBacking.project_id)
            .where(ProjectBacking.resident_id == resident_id)
            .order_by(ProjectBacking.at)
        )
    ]
    ratings = [
        {"project": ref, "score": score, "at": day(at)}
        for ref, score, at in session.execute(
            select(Project.reference, ProjectRating.score, ProjectRating.at)
            .join(Project, Project.id == ProjectRating.project_id)
            .where(ProjectRating.resident_id == resident_id)
            .order_by(ProjectRating.at)
        )
    ]
    subscriptions = [
        {"kind": kind, "value": value}
        for kind, value in session.execute(
            select(Subscription.kind, Subscription.value)
            .where(Subscription.resident_id == resident_id)
            .order_by(Subscription.id)
        )
    ]
    announcements = len(
        list(
            session.scalars(
                select(Announcement.id).where(
                    Announcement.resident_id == resident_id,
                    Announcement.event_key != "audience",
                )
            )
        )
    )
    return {
        "project_backings": backings,
        "project_ratings": ratings,
        "subscriptions": subscriptions,
        "project_announcements": announcements,
    }


def forget(session: Session, resident_id: int) -> dict[str, int]:
    counts = {}
    for name, model in (
        ("project_backings", ProjectBacking),
        ("project_ratings", ProjectRating),
        ("announcements", Announcement),
    ):
        ids = list(session.scalars(select(model.id).where(model.resident_id == resident_id)))
        if ids:
            session.execute(
                update(model)
                .where(model.id.in_(ids))
                .values(resident_id=None)
                .execution_options(synchronize_session=False)
            )
        counts[name] = len(ids)
    subs = list(
        session.scalars(select(Subscription.id).where(Subscription.resident_id == resident_id))
    )
    if subs:
        session.execute(delete(Subscription).where(Subscription.id.in_(subs)))
    counts["subscriptions"] = len(subs)
    return counts
