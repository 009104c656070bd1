"""Open311 GeoReport v2: requests as the public sees them.

What GET returns is public: no name, no contact, phone numbers, ID numbers and e-mail addresses
masked in the description and address, and coordinates rounded to about 100 m.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from case_store.lifecycle import OPEN_STATUSES, Status, is_open
from case_store.models import Case
from case_store.references import normalise_reference
from case_store.taxonomy import DOMAIN_NAMES, DOMAINS
from minsheng.services.bootstrap import App
from minsheng.services.errors import CaseNotFound, InvalidRequest
from minsheng.services.public.open311_services import department_name, language_index
from minsheng.services.rights.masking import mask_personal

DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
COORDINATE_DECIMALS = 3  # about 100 m: enough to find the pothole, not the flat
OPEN, CLOSED = "open", "closed"
_CLOSED_STATUSES = tuple(s.value for s in Status if not is_open(s))
# Descriptions that could expose a vulnerable person or a complainant are not published.
_UNPUBLISHED_RULES = frozenset({"self_harm", "child_in_danger"})

_STATUS_NOTES: dict[str, tuple[str, str]] = {
    "new": ("已登记", "Registered"),
    "routed": ("已派单，等待部门受理", "Sent to the department, awaiting acceptance"),
    "accepted": ("部门已受理", "Accepted by the department"),
    "in_progress": ("办理中", "In progress"),
    "awaiting_resident": ("等待诉求人补充信息", "Waiting for more information from the requester"),
    "resolved": ("已办结", "Resolved"),
    "closed": ("已办结", "Closed"),
    "withdrawn": ("诉求人已撤回", "Withdrawn by the requester"),
}
_OUTCOME_NOTES: dict[str, tuple[str, str]] = {
    "resolved": ("问题已解决", "the problem was solved"),
    "not_responsible": ("不属于本市受理范围", "outside the city's remit"),
    "unresolved": ("未能解决", "could not be solved"),
}


@dataclass(frozen=True)
class RequestQuery:
    """GET requests' filters, as text; `service_request_id` overrides all the others."""

    service_request_id: str | None = None
    service_code: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None
    locale: str | None = None
    page: int = 1
    page_size: int = 100


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _moment(app: App, text: str | None, name: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequest(
            f"{name} must be a W3C date-time such as 2026-11-01T00:00:00+08:00"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=app.tz)


def window(
    app: App, start_text: str | None, end_text: str | None
) -> tuple[dt.datetime, dt.datetime]:
    """[start, end] of requested_datetime: the last 90 days by default, never more than 90."""
    start, end = _moment(app, start_text, "start_date"), _moment(app, end_text, "end_date")
    try:
        if end is None:
            end = start + DEFAULT_WINDOW if start is not None else app.now()
        if start is None:
            start = end - DEFAULT_WINDOW
    except OverflowError:
        raise InvalidRequest("start_date or end_date is out of range") from None
    if end < start:
        raise InvalidRequest("end_date is before start_date")
    if end - start > DEFAULT_WINDOW:
        raise InvalidRequest("start_date and end_date may not span more than 90 days")
    return start, end


def _statuses(text: str | None) -> list[str]:
    wanted = _split(text)
    unknown = [w for w in wanted if w not in (OPEN, CLOSED)]
    if unknown:
        raise InvalidRequest(f"unknown status '{unknown[0]}' (open or closed)")
    found: list[str] = []
    if OPEN in wanted:
        found.extend(OPEN_STATUSES)
    if CLOSED in wanted:
        found.extend(_CLOSED_STATUSES)
    return found


def list_requests(app: App, query: RequestQuery) -> tuple[list[dict[str, Any]], bool]:
    """One page of public requests, newest first, and whether another page follows.

    One row more than the page is read to know that, so no page costs a count of them all.
    """
    ids = _split(query.service_request_id)
    size = max(1, min(query.page_size, MAX_RESULTS))
    stmt = (
        select(Case)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .offset((max(1, query.page) - 1) * size)
        .limit(size + 1)
    )
    if ids:
        refs = [r for r in (normalise_reference(i) for i in ids[:MAX_RESULTS]) if r]
        stmt = stmt.where(Case.reference.in_(refs))
    else:
        start, end = window(app, query.start_date, query.end_date)
        stmt = stmt.where(Case.created_at >= start, Case.created_at <= end)
        codes = _split(query.service_code)
        if unknown := [c for c in codes if c not in DOMAINS]:
            raise InvalidRequest(f"unknown service_code '{unknown[0]}'")
        if codes:
            stmt = stmt.where(Case.domain.in_(codes))
        if statuses := _statuses(query.status):
            stmt = stmt.where(Case.status.in_(statuses))
    with app.uow() as uow:
        cases = list(uow.session.scalars(stmt))
        return [public_view(app, case, query.locale) for case in cases[:size]], len(cases) > size


def get_request(app: App, request_id: str, locale: str | None = None) -> dict[str, Any]:
    reference = normalise_reference(request_id)
    if reference is None:
        raise CaseNotFound(request_id)
    with app.uow() as uow:
        case = uow.session.scalars(select(Case).where(Case.reference == reference)).first()
        if case is None:
            raise CaseNotFound(reference)
        return public_view(app, case, locale)


def public_status(status: str) -> str:
    return OPEN if status in OPEN_STATUSES else CLOSED


def _status_notes(case: Case, lang: int) -> str:
    note = _STATUS_NOTES.get(case.status, (case.status, case.status))[lang]
    if case.outcome and public_status(case.status) == CLOSED:
        outcome = _OUTCOME_NOTES.get(case.outcome)
        if outcome is not None:
            note += ("：" if lang == 0 else ": ") + outcome[lang]
    if case.resolution_round > 1 and public_status(case.status) == OPEN:
        note += "（已重新办理）" if lang == 0 else " (reopened)"
    return note


def _published_description(case: Case, lang: int) -> str | None:
    rules = {str(r.get("id")) for r in (case.details or {}).get("safety_rules") or []}
    if case.hide_identity_from is not None or rules & _UNPUBLISHED_RULES:
        return "（内容涉及个人隐私，不予公开）" if lang == 0 else "(not published: personal matter)"
    return mask_personal(case.description)


def _rounded(value: Any) -> float | None:
    return round(float(value), COORDINATE_DECIMALS) if isinstance(value, int | float) else None


def public_view(app: App, case: Case, locale: str | None = None) -> dict[str, Any]:
    """One request as GeoReport v2 publishes it; nothing here names or reaches a person."""
    lang = language_index(locale)
    location = (case.details or {}).get("location") or {}

    def local(value: dt.datetime | None) -> str | None:
        return value.astimezone(app.tz).isoformat(timespec="seconds") if value is not None else None

    return {
        "service_request_id": case.reference,
        "status": public_status(case.status),
        "status_notes": _status_notes(case, lang),
        "service_name": DOMAIN_NAMES.get(case.domain, (case.domain, case.domain))[lang],
        "service_code": case.domain,
        "description": _published_description(case, lang),
        "agency_responsible": department_name(app, case.department, locale),
        "service_notice": None,
        "requested_datetime": local(case.created_at),
        "updated_datetime": local(case.updated_at),
        "expected_datetime": local(case.resolution_due_at),
        "address": mask_personal(case.address),
        "address_id": None,
        "zipcode": None,
        "lat": _rounded(location.get("latitude")),
        "long": _rounded(location.get("longitude")),
        "media_url": None,
    }
