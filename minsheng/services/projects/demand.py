"""The demand ledger (群众需求台账) and its topics.

The ledger holds every case of kind demand or suggestion, and complaints that name a missing
facility ("小区没有菜市场", "no playground"), each with its domain, area and resident.
`clusters` groups them with nlu.clusters and stores the topics: a topic's id is the
clustering's stable id, so staff overrides survive re-clustering. A merge points the absorbed
topic at the survivor (its cases follow it on every run); a split or move writes a manual
membership row, which re-clustering never touches; a topic may be marked as covered by a
project.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from case_store.models import Case, DemandTopic, DemandTopicCase, Project
from minsheng.services.bootstrap import App
from minsheng.services.errors import InvalidRequest
from nlu import clusters
from nlu.entities import extract
from nlu.normalize import normalize

LEDGER_KINDS = ("demand", "suggestion")
MISSING_FACILITY = re.compile(
    r"(没有|缺少|缺乏|缺|少了|无)(个|一个|一处|一座)?[\u4e00-\u9fff]{0,6}"
    r"(市场|菜场|公园|厕所|公厕|停车|充电|电梯|学校|幼儿园|养老|食堂|健身|路灯|红绿灯|信号灯|"
    r"座椅|长椅|垃圾|站|场地|设施|医院|诊所|卫生)"
    r"|\b(no|lack of|missing|without( a| any)?)\s+\w+",
    re.IGNORECASE,
)
_AREA_ROLES = ("district", "community", "road")


def in_ledger(kind: str, text: str) -> bool:
    return kind in LEDGER_KINDS or (kind == "complaint" and bool(MISSING_FACILITY.search(text)))


def area_of(case: Case) -> str | None:
    """The district, community or road a case names (from its address, else its text)."""
    for source in (case.address, case.description):
        if not source:
            continue
        text = normalize(source).text
        found = {f.role: text[f.start : f.end] for f in extract(text) if f.entity == "location"}
        for role in _AREA_ROLES:
            if found.get(role):
                return found[role].strip()
    return None


def ledger(
    app: App,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    domain: str | None = None,
) -> list[tuple[Case, str | None]]:
    """The ledger's cases with their area, oldest first, within local dates [since, until]."""
    stmt = select(Case).order_by(Case.created_at, Case.id)
    stmt = stmt.where(or_(Case.kind.in_(LEDGER_KINDS), Case.kind == "complaint"))
    if since is not None:
        stmt = stmt.where(Case.created_at >= _start(app, since))
    if until is not None:
        stmt = stmt.where(Case.created_at < _start(app, until + dt.timedelta(days=1)))
    if domain:
        stmt = stmt.where(Case.domain == domain)
    with app.uow() as uow:
        rows = list(uow.session.scalars(stmt).unique())
        uow.session.expunge_all()
    return [(c, area_of(c)) for c in rows if in_ledger(c.kind, c.description)]


def _start(app: App, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), app.tz)


def topic_family(session: Session, topic_id: str) -> list[str]:
    """The topic and every topic merged into it (transitively)."""
    family, frontier = [topic_id], [topic_id]
    while frontier:
        found = list(
            session.scalars(select(DemandTopic.id).where(DemandTopic.merged_into_id.in_(frontier)))
        )
        found = [f for f in found if f not in family]
        family += found
        frontier = found
    return family


def _survivor(session: Session, topic_id: str) -> str:
    seen: set[str] = set()
    current = topic_id
    while current not in seen:
        seen.add(current)
        row = session.get(DemandTopic, current)
        if row is None or row.merged_into_id is None:
            return current
        current = row.merged_into_id
    return current


def clusters_of(
    app: App,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    domain: str | None = None,
    store: bool = True,
    actor: str = "system:demand",
) -> list[dict[str, Any]]:
    """Cluster the ledger, store the topics (keeping staff overrides), return them biggest first."""
    items = ledger(app, since=since, until=until, domain=domain)
    tz = app.tz
    demands = [
        clusters.Demand(
            key=str(c.id),
            text=c.description,
            domain=c.domain,
            resident=c.resident_id,
            area=area,
            created=c.created_at.astimezone(tz).date(),
        )
        for c, area in items
    ]
    found = clusters.cluster_demands(demands)
    by_id = {c.id: (c, area) for c, area in items}
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        manual = {
            row.case_id: row.topic_id
            for row in s.scalars(select(DemandTopicCase).where(DemandTopicCase.manual.is_(True)))
        }
        members: dict[str, list[int]] = defaultdict(list)
        labels: dict[str, tuple[str, str]] = {}
        for topic in found:
            if store and s.get(DemandTopic, topic.id) is None:
                s.add(
                    DemandTopic(
                        id=topic.id,
                        label=topic.label[:200],
                        domain=topic.domain,
                        created_at=now,
                        updated_at=now,
                    )
                )
                s.flush()
            target = _survivor(s, topic.id) if store else topic.id
            labels.setdefault(target, (topic.label, topic.domain))
            for key in topic.members:
                case_id = int(key)
                members[manual.get(case_id, target)].append(case_id)
        for case_id, topic_id in manual.items():
            if case_id in by_id and case_id not in {c for m in members.values() for c in m}:
                members[topic_id].append(case_id)
        if store:
            for topic_id, case_ids in members.items():
                for case_id in case_ids:
                    row = s.get(DemandTopicCase, case_id)
                    if row is None:
                        s.add(
                            DemandTopicCase(
                                case_id=case_id, topic_id=topic_id, manual=False, at=now
                            )
                        )
                    elif not row.manual and row.topic_id != topic_id:
                        row.topic_id, row.at = topic_id, now
        out = _describe(s, members, labels, by_id, tz)
        if store:
            uow.commit()
    return out


def _describe(
    s: Session,
    members: dict[str, list[int]],
    labels: dict[str, tuple[str, str]],
    by_id: dict[int, tuple[Case, str | None]],
    tz: dt.tzinfo,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for topic_id, case_ids in members.items():
        cases = sorted(
            (by_id[i] for i in set(case_ids) if i in by_id),
            key=lambda ca: (ca[0].created_at, ca[0].id),
        )
        if not cases:
            continue
        row = s.get(DemandTopic, topic_id)
        label, domain = labels.get(topic_id, (row.label if row else "", row.domain if row else ""))
        covered = None
        if row is not None and row.covered_by_project_id is not None:
            covered = s.scalar(
                select(Project.reference).where(Project.id == row.covered_by_project_id)
            )
        days = [c.created_at.astimezone(tz).date() for c, _ in cases]
        months = Counter(d.strftime("%Y-%m") for d in days)
        out.append(
            {
                "id": topic_id,
                "domain": (row.domain if row else domain) or domain,
                "label": (row.label if row else label) or label,
                "residents": len({c.resident_id for c, _ in cases if c.resident_id is not None}),
                "cases": len(cases),
                "references": [c.reference for c, _ in cases],
                "areas": [
                    {"area": a, "count": n}
                    for a, n in sorted(
                        Counter(a for _, a in cases if a).items(), key=lambda x: (-x[1], x[0])
                    )[:5]
                ],
                "first_seen": min(days).isoformat(),
                "last_seen": max(days).isoformat(),
                "trend": [{"month": m, "cases": months[m]} for m in sorted(months)],
                "covered_by": covered,
            }
        )
    out.sort(key=lambda t: (-int(t["cases"]), str(t["id"])))
    return out


def merge(app: App, absorbed: str, into: str, *, actor: str) -> None:
    """File topic `absorbed` (and its cases, now and on every later run) under `into`."""
    if absorbed == into:
        raise InvalidRequest("a topic cannot be merged into itself")
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        a, b = s.get(DemandTopic, absorbed), s.get(DemandTopic, into)
        if a is None or b is None:
            raise InvalidRequest(f"no demand topic {absorbed if a is None else into}")
        if _survivor(s, into) == absorbed:
            raise InvalidRequest(f"{into} is already merged into {absorbed}")
        a.merged_into_id, a.updated_at = b.id, now
        for row in s.scalars(select(DemandTopicCase).where(DemandTopicCase.topic_id == a.id)):
            row.topic_id, row.at = b.id, now
        uow.commit()


def split(app: App, topic_id: str, references: list[str], *, label: str, actor: str) -> str:
    """Move the named cases out of a topic into a new manual topic; its id comes back."""
    from case_store.references import normalise_reference

    if not references:
        raise InvalidRequest("name the cases to split off")
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        source = s.get(DemandTopic, topic_id)
        if source is None:
            raise InvalidRequest(f"no demand topic {topic_id}")
        refs = [normalise_reference(r.strip()) or r.strip() for r in references]
        case_ids = list(s.scalars(select(Case.id).where(Case.reference.in_(refs))))
        if len(case_ids) != len(set(refs)):
            raise InvalidRequest("some of those cases do not exist")
        rows = list(
            s.scalars(
                select(DemandTopicCase).where(
                    and_(
                        DemandTopicCase.case_id.in_(case_ids), DemandTopicCase.topic_id == topic_id
                    )
                )
            )
        )
        if len(rows) != len(case_ids):
            raise InvalidRequest(f"every case split off must be in topic {topic_id}")
        new_id = clusters._topic_id(f"split:{topic_id}:{min(case_ids)}")
        if s.get(DemandTopic, new_id) is None:
            s.add(
                DemandTopic(
                    id=new_id,
                    label=(label.strip() or source.label)[:200],
                    domain=source.domain,
                    created_at=now,
                    updated_at=now,
                )
            )
            s.flush()
        for row in rows:
            row.topic_id, row.manual, row.set_by, row.at = new_id, True, actor, now
        uow.commit()
    return new_id


def cover(app: App, topic_id: str, project_reference: str | None, *, actor: str) -> None:
    """Mark a topic as covered by a project (None clears the mark)."""
    from minsheng.services.projects.records import get_project

    with app.uow() as uow:
        s = uow.session
        topic = s.get(DemandTopic, topic_id)
        if topic is None:
            raise InvalidRequest(f"no demand topic {topic_id}")
        topic.covered_by_project_id = (
            get_project(s, project_reference).id if project_reference else None
        )
        topic.updated_at = app.now()
        uow.commit()


def stored_topics(app: App) -> list[dict[str, Any]]:
    """The stored topics (after merges and splits), biggest first, for the console."""
    with app.uow() as uow:
        s = uow.session
        rows = list(
            s.execute(
                select(DemandTopicCase.topic_id, Case).join(
                    Case, Case.id == DemandTopicCase.case_id
                )
            ).all()
        )
        members: dict[str, list[int]] = defaultdict(list)
        by_id: dict[int, tuple[Case, str | None]] = {}
        for topic_id, case in rows:
            members[topic_id].append(case.id)
            by_id[case.id] = (case, area_of(case))
        return _describe(s, members, {}, by_id, app.tz)
