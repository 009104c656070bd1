"""Possible duplicates of a case, and cases linked as duplicates of another (合并办理).

`similar_open_cases` compares a case with the recent open cases of its domain or department
in the member's scope: character-bigram TF-IDF cosine of what is asked for (`nlu.clusters`
terms, places cut out), plus the place names themselves, so "人民路88号路灯不亮" and
"人民路88號的路燈壞了" meet while the same fault on another road ranks lower.

A linked duplicate points at its primary; links never chain. Whenever the primary is replied
to, started or resolved, `follow` repeats that on each open duplicate in the same unit of
work, through the lifecycle, with a "followed" event and the duplicate's own resident
notices (keys per case, so each resident hears once) and satisfaction survey.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from case_store.lifecycle import (
    OPEN_STATUSES,
    TRANSITIONS,
    Action,
    Status,
    is_open,
    may_reply,
)
from case_store.models import Case, CaseEvent, Message
from minsheng.services.access.staff import StaffMember, scope_of
from minsheng.services.bootstrap import App
from minsheng.services.casework import workspace_view as present
from minsheng.services.casework.queue import check_scope, scoped_case
from minsheng.services.casework.records import (
    apply_action,
    check_version,
    first_response,
    record_event,
)
from minsheng.services.errors import InvalidRequest
from minsheng.services.messaging.notify import notify_resident
from minsheng.services.projects.demand import area_of
from nlu import clusters
from nlu.entities import extract
from nlu.normalize import normalize

CANDIDATES = 500
MIN_SCORE = 0.3
PLACE = "p:"
_PLACE_ROLES = frozenset({"road", "community", "district", "street", "building", "address"})
FOLLOWED = ("replied", "started", "resolved")


# -- similarity -----------------------------------------------------------------------------


def terms_of(text: str, address: str | None = None) -> list[str]:
    """What a case is compared by: the need's terms, and the bigrams of the places it names."""
    out = clusters.terms(text)
    for source in (address, text):
        if not source:
            continue
        norm = normalize(source).text
        for found in extract(norm):
            if found.entity == "location" and found.role in _PLACE_ROLES:
                place = norm[found.start : found.end].strip()
                out += [PLACE + place[i : i + 2] for i in range(max(1, len(place) - 1))]
    return out


def _vectors(docs: list[list[str]]) -> list[dict[str, float]]:
    """Sublinear TF-IDF vectors over these documents, L2-normalised."""
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    n = len(docs)
    out = []
    for doc in docs:
        vec = {
            term: (1 + math.log(count)) * (math.log((1 + n) / (1 + df[term])) + 1)
            for term, count in Counter(doc).items()
        }
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        out.append({term: v / norm for term, v in vec.items()})
    return out


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(term, 0.0) for term, v in a.items())


def similar_open_cases(
    app: App, member: StaffMember, reference: str, limit: int = 5
) -> list[dict[str, Any]]:
    """Open cases in the member's scope that may report the same thing, most similar first.

    Looks at the latest `CANDIDATES` open cases of the same domain or department only, so the
    work per page view is bounded however big the queue grows.
    """
    if not 1 <= limit <= 50:
        raise InvalidRequest("limit is between 1 and 50")
    with app.uow() as uow:
        s = uow.session
        c = scoped_case(app, s, member, reference)
        stmt = select(Case).where(
            Case.status.in_(OPEN_STATUSES),
            Case.id != c.id,
            or_(Case.domain == c.domain, Case.department == c.department),
        )
        scope = scope_of(app.settings, member)
        if scope.departments is not None:
            stmt = stmt.where(Case.department.in_(sorted(scope.departments)))
        candidates = list(
            s.scalars(stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(CANDIDATES))
        )
        if not candidates:
            return []
        vectors = _vectors([terms_of(x.description, x.address) for x in [c, *candidates]])
        area = _area(c)
        scored = []
        for other, vec in zip(candidates, vectors[1:], strict=True):
            score = _cosine(vectors[0], vec)
            other_area = _area(other) if score >= MIN_SCORE / 2 else None
            same_area = area is not None and other_area == area
            if same_area:
                # One place named alike is evidence the words alone understate.
                score = min(1.0, score + 0.1)
            if score >= MIN_SCORE:
                scored.append((score, other, other_area if same_area else None))
        scored.sort(key=lambda item: (-item[0], item[1].created_at, item[1].id))
        out = []
        for score, other, shared in scored[:limit]:
            hidden = present.hidden_from(app, member, other)
            out.append(
                {
                    "reference": other.reference,
                    "title": _title(present.mask(other.description, hidden)),
                    "created_at": present.local(app, other.created_at),
                    "status": other.status,
                    "domain": other.domain,
                    "department": other.department,
                    "area": shared or other_area or _area(other),
                    "same_area": shared is not None,
                    "score": round(score, 3),
                    "version": other.version,
                    "duplicate_of": _reference_of(s, other.duplicate_of_id),
                }
            )
    return out


def _area(case: Case) -> str | None:
    """The ledger's area (district, community, road), else the numbered address or building
    the case names (人民路88号): a lamp post is reported by its door number."""
    found = area_of(case)
    if found is not None:
        return found
    for source in (case.address, case.description):
        if not source:
            continue
        text = normalize(source).text
        for f in extract(text):
            if f.entity == "location" and f.role in ("address", "building"):
                return text[f.start : f.end].strip()
    return None


def _title(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _reference_of(s: Session, case_id: int | None) -> str | None:
    if case_id is None:
        return None
    return s.scalar(select(Case.reference).where(Case.id == case_id))


# -- links ----------------------------------------------------------------------------------


def links(app: App, member: StaffMember, reference: str) -> dict[str, Any]:
    """The case's primary (when it is a duplicate) and its duplicates (when it is a primary)."""
    with app.uow() as uow:
        s = uow.session
        c = scoped_case(app, s, member, reference)
        return _links_of(app, s, c)


def _links_of(app: App, s: Session, c: Case) -> dict[str, Any]:
    rows = s.scalars(select(Case).where(Case.duplicate_of_id == c.id).order_by(Case.id))
    return {
        "duplicate_of": _reference_of(s, c.duplicate_of_id),
        "duplicates": [
            {
                "reference": d.reference,
                "status": d.status,
                "created_at": present.local(app, d.created_at),
                "version": d.version,
            }
            for d in rows
        ],
    }


def link_duplicate(
    app: App, member: StaffMember, reference: str, primary_reference: str, *, version: int
) -> dict[str, Any]:
    """Link `reference` as a duplicate of `primary_reference` (or of that case's own primary).

    `version` is the duplicate's: it is the case that changes. Both must be in the member's
    scope; a case outside it is not found.
    """
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        c = scoped_case(app, s, member, reference)
        primary = scoped_case(app, s, member, primary_reference)
        check_version(c, version)
        if primary.id == c.id:
            raise InvalidRequest(f"{c.reference} cannot be a duplicate of itself")
        chained_from: str | None = None
        if primary.duplicate_of_id is not None:
            # Links never chain: the primary's own primary is the case that answers both.
            chained_from = primary.reference
            primary = s.get_one(Case, primary.duplicate_of_id)
            check_scope(app, member, primary)
            if primary.id == c.id:
                raise InvalidRequest(
                    f"{chained_from} is already a duplicate of {c.reference}: "
                    "linking back would make a cycle"
                )
        if not is_open(c.status):
            raise InvalidRequest(
                f"{c.reference} is {c.status}: only an open case can be linked as a duplicate"
            )
        if not is_open(primary.status):
            raise InvalidRequest(
                f"{primary.reference} is {primary.status}: link to a case still being handled"
            )
        if c.duplicate_of_id == primary.id:
            raise InvalidRequest(f"{c.reference} is already a duplicate of {primary.reference}")
        if c.duplicate_of_id is not None:
            current = _reference_of(s, c.duplicate_of_id)
            raise InvalidRequest(
                f"{c.reference} is already a duplicate of {current}: unlink it first"
            )
        own = list(s.scalars(select(Case.reference).where(Case.duplicate_of_id == c.id)))
        if own:
            raise InvalidRequest(
                f"{c.reference} already answers for {', '.join(own)}: link "
                f"{primary.reference} to {c.reference} instead, or unlink those first"
            )
        c.duplicate_of_id = primary.id
        c.updated_at = now
        after: dict[str, Any] = {"primary": primary.reference}
        if chained_from is not None:
            after["via"] = chained_from
        record_event(s, c, "linked_duplicate", member.actor, now, after=after)
        # By case_id: the primary's own pending actions must not turn stale.
        s.add(
            CaseEvent(
                case_id=primary.id,
                at=now,
                actor=member.actor,
                type="duplicate_linked",
                after={"duplicate": c.reference},
            )
        )
        s.flush()
        view = {"reference": c.reference, "version": c.version, **_links_of(app, s, c)}
        uow.commit()
    return view


def unlink_duplicate(
    app: App, member: StaffMember, reference: str, *, version: int
) -> dict[str, Any]:
    """The case is handled on its own again; its former primary's log says so too."""
    now = app.now()
    with app.uow() as uow:
        s = uow.session
        c = scoped_case(app, s, member, reference)
        check_version(c, version)
        if c.duplicate_of_id is None:
            raise InvalidRequest(f"{c.reference} is not linked as a duplicate")
        primary = s.get_one(Case, c.duplicate_of_id)
        c.duplicate_of_id = None
        c.updated_at = now
        record_event(
            s, c, "unlinked_duplicate", member.actor, now, before={"primary": primary.reference}
        )
        s.add(
            CaseEvent(
                case_id=primary.id,
                at=now,
                actor=member.actor,
                type="duplicate_unlinked",
                before={"duplicate": c.reference},
            )
        )
        s.flush()
        view = {"reference": c.reference, "version": c.version, **_links_of(app, s, c)}
        uow.commit()
    return view


# -- following the primary ------------------------------------------------------------------

# The lifecycle moves a duplicate makes to follow its primary, tried in order; a move the
# lifecycle does not allow from the duplicate's state is left out (a routed duplicate is
# accepted before it is started).
_MOVES: dict[str, tuple[Action, ...]] = {
    "started": (Action.ACCEPT, Action.START),
    "resolved": (Action.RESOLVE,),
    "replied": (),
}


def follow(
    app: App,
    s: Session,
    primary: Case,
    what: str,
    actor: str,
    now: dt.datetime,
    *,
    text: str | None = None,
    outcome: str | None = None,
) -> list[str]:
    """Repeat the primary's reply, start or resolution on each of its duplicates still
    open (a reply reaches a resolved one too); the references that followed."""
    if what not in FOLLOWED:
        raise ValueError(f"duplicates do not follow {what!r}")
    if primary.id is None:
        return []  # not stored yet, so nothing can point at it
    dupes = list(
        s.scalars(select(Case).where(Case.duplicate_of_id == primary.id).order_by(Case.id))
    )
    done = []
    for dup in dupes:
        if what == "replied" and not may_reply(dup.status):
            continue
        if what != "replied" and not is_open(dup.status):
            continue
        moved = False
        for action in _MOVES[what]:
            if (Status(dup.status), action) not in TRANSITIONS:
                continue
            extra: dict[str, Any] = {"followed": primary.reference}
            if action is Action.RESOLVE:
                extra.update(outcome=outcome, round=dup.resolution_round)
            apply_action(app, s, dup, action, actor, now, note=text, extra=extra)
            moved = True
        if what != "replied" and not moved:
            continue
        if what == "replied":
            assert text is not None
            s.add(Message(case=dup, at=now, author="staff", author_name=actor, text=text))
            record_event(
                s, dup, "replied", actor, now, after={"followed": primary.reference}, note=text
            )
            first_response(app, dup, now)
            dup.updated_at = now
            notify_resident(s, dup, "replied", now, text=text, settings=app.settings)
        elif what == "started":
            notify_resident(s, dup, "started", now, settings=app.settings)
        else:
            dup.outcome = outcome
            dup.resolution_note = text
            dup.resolved_at = now
            dup.next_due_at = None
            assert text is not None
            s.add(Message(case=dup, at=now, author="staff", author_name=actor, text=text))
            notify_resident(s, dup, "resolved", now, settings=app.settings)
        record_event(
            s,
            dup,
            "followed",
            actor,
            now,
            after={"primary": primary.reference, "action": what},
            note=f"followed {primary.reference}",
        )
        done.append(dup.reference)
    return done
