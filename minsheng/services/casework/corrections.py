"""Staff corrections of a case's classification, kept as training data for the NLU.

Whenever staff change a case's domain (a transfer to another domain marks a misroute), its
urgency or its kind (a triage re-classification, an edit in the console), one row per changed
axis goes to `case_corrections` together with what the NLU originally read from the message.
`minsheng nlu corrections` exports them as Rasa YAML and the dashboard counts them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from case_store.models import Case, CaseCorrection, CaseEvent
from minsheng.logs import redact
from minsheng.services.bootstrap import App

AXES = ("domain", "urgency", "kind")
SOURCES = ("transfer", "triage", "console", "api", "cli")


def predicted(session: Session, case: Case, axis: str) -> str | None:
    """The NLU's reading of the case on one axis: stored at intake, else the value it opened with.

    Cases opened before the reading was stored fall back to the `created` event, which holds
    the labels the case was opened with (the NLU's unless the resident picked a domain).
    """
    reading = (case.details or {}).get("nlu")
    if isinstance(reading, dict) and isinstance(reading.get(axis), str):
        return str(reading[axis])
    if case.id is None:
        return None
    created = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.type == "created")
        .order_by(CaseEvent.id)
        .limit(1)
    ).first()
    value = (created.after or {}).get(axis) if created is not None else None
    return str(value) if isinstance(value, str) else None


def record(
    session: Session,
    case: Case,
    axis: str,
    after: str,
    *,
    actor: str,
    source: str,
    now: dt.datetime,
    note: str | None = None,
) -> CaseCorrection | None:
    """One correction row when `after` differs from the case's current label on `axis`.

    Call it before changing the case itself: the current label is the `before`.
    """
    if axis not in AXES:
        raise ValueError(f"unknown axis {axis!r}")
    before = str(getattr(case, axis))
    if after == before:
        return None
    row = CaseCorrection(
        case=case,
        at=now,
        actor=actor,
        source=source,
        axis=axis,
        predicted=predicted(session, case, axis),
        before=before,
        after=after,
        note=note,
    )
    session.add(row)
    return row


@dataclass(frozen=True, slots=True)
class Correction:
    """The latest correction of one case on one axis, with the message it labels."""

    reference: str
    text: str
    axis: str
    predicted: str | None
    corrected: str
    at: dt.datetime
    source: str


def latest(app: App, since: dt.datetime | None = None) -> list[Correction]:
    """Per case and axis the last correction (made at or after `since`), oldest first.

    Texts pass through the log redaction, so no phone or ID number reaches a training file.
    """
    query = (
        select(CaseCorrection, Case.reference, Case.description)
        .join(Case, Case.id == CaseCorrection.case_id)
        .order_by(CaseCorrection.at, CaseCorrection.id)
    )
    if since is not None:
        query = query.where(CaseCorrection.at >= since)
    with app.uow() as uow:
        rows = [
            (r.axis, r.predicted, r.after, r.at, r.source, ref, text)
            for r, ref, text in uow.session.execute(query)
        ]
    last: dict[tuple[str, str], Correction] = {}
    for axis, predicted_, after, at, source, reference, text in rows:
        if not (text or "").strip():
            continue
        last[(reference, axis)] = Correction(
            reference=reference,
            text=redact(text),
            axis=axis,
            predicted=predicted_,
            corrected=after,
            at=at,
            source=source,
        )
    return sorted(last.values(), key=lambda c: (c.at, c.reference, c.axis))


def to_dicts(found: list[Correction]) -> list[dict[str, Any]]:
    return [
        {
            "reference": c.reference,
            "axis": c.axis,
            "predicted": c.predicted,
            "corrected": c.corrected,
            "at": c.at.isoformat(),
            "source": c.source,
        }
        for c in found
    ]
