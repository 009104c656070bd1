"""Maps settings and stored cases onto the pure routing and SLA core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import MappingProxyType
from typing import Any, TypeVar, cast

from case_store.models import Case
from minsheng.config.settings import Settings
from routing import router, sla
from routing.calendar import WorkCalendar

_T = TypeVar("_T")
# Settings are frozen, so what is built from them is built once for each settings object
# (kept with it, so that its id cannot be reused by another).
_BUILT: dict[tuple[str, int], tuple[Settings, Any]] = {}


def _once(settings: Settings, build: Callable[[Settings], _T]) -> _T:
    key = (build.__name__, id(settings))
    cached = _BUILT.get(key)
    if cached is not None and cached[0] is settings:
        return cast(_T, cached[1])
    built = build(settings)
    _BUILT[key] = (settings, built)
    return built


def routing_table(settings: Settings) -> router.RoutingTable:
    """Asked for every new case."""
    return _once(settings, _build_routing_table)


def _build_routing_table(settings: Settings) -> router.RoutingTable:
    triage = settings.triage_department
    supervisors = {d.id: d.parent for d in settings.departments if d.parent}
    return router.RoutingTable(
        domain_departments=MappingProxyType(dict(settings.routing)),
        triage_department=triage.id,
        supervisor_department=triage.parent or triage.id,
        supervisors=MappingProxyType(supervisors),
        location_overrides=tuple(
            router.LocationOverride(
                department=o.department,
                district=o.district,
                street=o.street,
                domains=tuple(o.domains or ()),
            )
            for o in settings.routing_rules.location_overrides
        ),
        min_confidence=settings.routing_rules.low_confidence_threshold,
        department_names=MappingProxyType(
            {d.id: (d.name_zh, d.name_en, *d.aliases) for d in settings.departments}
        ),
    )


def hide_identity_from(settings: Settings, case: Case) -> str | None:
    """Whom the case's complainant is hidden from, checked again against its words."""
    return router.accused_after_change(
        case.kind, case.description or "", case.hide_identity_from, routing_table(settings)
    )


def sla_policy(settings: Settings) -> sla.SlaPolicy:
    """Asked once per due case by the sweep."""
    return _once(settings, _build_sla_policy)


def _build_sla_policy(settings: Settings) -> sla.SlaPolicy:
    cfg = settings.sla
    return sla.SlaPolicy(
        first_response_hours=MappingProxyType(dict(cfg.first_response_hours)),
        complaint_first_response_hours=cfg.complaint_first_response_hours,
        resolution_working_days=cfg.resolution_working_days,
        resolution_rules=tuple(
            sla.ResolutionRule(working_days=o.working_days, domain=o.domain, kind=o.kind)
            for o in cfg.resolution_overrides
        ),
        reopen_working_days=cfg.reopen_working_days,
        resolution_warn_fractions=tuple(cfg.warn_at),
        first_response_warn_before=dt.timedelta(hours=cfg.first_response_warn_hours_before),
    )


def working_hours(settings: Settings) -> sla.WorkingHours:
    wh = settings.sla.working_hours
    return sla.WorkingHours(
        start=dt.time.fromisoformat(wh.start), end=dt.time.fromisoformat(wh.end)
    )


def clock_of(case: Case, settings: Settings, calendar: WorkCalendar) -> sla.CaseClock:
    """The pure clock of a stored case (what the sweep and the case page reason about)."""
    assert case.resolution_started_at is not None and case.resolution_due_at is not None
    started = case.resolution_started_at
    years = tuple(
        range(
            started.astimezone(settings.tz).year,
            case.resolution_due_at.astimezone(settings.tz).year + 1,
        )
    )
    policy = sla_policy(settings)
    days = int(
        case.details.get("resolution_working_days")
        or sla.resolution_working_days(policy, case.domain, case.kind)
    )
    return sla.CaseClock(
        opened_at=case.created_at,
        first_response_due=case.first_response_due_at,
        first_responded_at=case.first_responded_at,
        resolution_round=case.resolution_round,
        resolution_started_at=started,
        resolution_working_days=days,
        resolution_due=case.resolution_due_at,
        resolution_provisional=case.resolution_provisional,
        resolution_years=years,
        resolved_at=case.resolved_at,
        warn_fractions=policy.resolution_warn_fractions,
        first_response_warn_before=policy.first_response_warn_before,
    )


def store_clock(case: Case, clock: sla.CaseClock, now: dt.datetime | None = None) -> None:
    for name, value in clock_fields(clock, case.details, now).items():
        setattr(case, name, value)


def clock_fields(
    clock: sla.CaseClock, details: dict[str, Any] | None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The case columns that hold its clock (`details` is the case's, kept whole)."""
    return {
        "first_response_due_at": clock.first_response_due,
        "first_responded_at": clock.first_responded_at,
        "resolution_round": clock.resolution_round,
        "resolution_started_at": clock.resolution_started_at,
        "resolution_due_at": clock.resolution_due,
        "resolution_provisional": clock.resolution_provisional,
        "details": {**(details or {}), "resolution_working_days": clock.resolution_working_days},
        "next_due_at": sla.next_due_at(clock, after=now),
    }


def place_of(
    settings: Settings, entities: list[dict[str, Any]], address: str | None
) -> tuple[str | None, str | None]:
    """The configured override district and street named in the location or address, if any.

    Only names that some override uses matter to routing, so matching those names beats
    guessing administrative divisions from free text ("小区" is not a district).
    """
    texts = [str(e.get("value", "")) for e in entities if e.get("entity") == "location"]
    if address:
        texts.append(address)
    overrides = settings.routing_rules.location_overrides
    districts = {o.district for o in overrides if o.district}
    streets = {o.street for o in overrides if o.street}
    district = next((d for d in districts if any(d in t for t in texts)), None)
    street = next((s for s in streets if any(s in t for t in texts)), None)
    return district, street
