"""Route a classified case to a department, recording the rule that decided it.

Rules, first match wins:
0. a complaint about staff with an explicitly named accused department (given, or named in the
   text by a department's name or alias) → that department's supervisor, rule
   `complaint_about_staff` (the domain does not matter then).
1. domain `other` → the triage desk (兜底), rule `other_domain`.
2. confidence below the table's minimum → the triage desk, rule `low_confidence`.
3. a complaint about officials whose department the text does not name → the general
   supervisor, rule `complaint_about_staff`, and the complainant is hidden from every
   department but that one (`UNKNOWN_ACCUSED`): the classified domain says what the
   complaint is about, not whose staff it accuses.
4. a location override (street beats district) → its department, rule `location_override`.
5. a kind override → its department, rule `kind_override`.
6. the domain table → the domain's department, rule `domain_table`.
7. a domain missing from the table → the triage desk, rule `unmapped_domain`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

OTHER_DOMAIN = "other"
COMPLAINT = "complaint"

RULE_OTHER_DOMAIN = "other_domain"
RULE_LOW_CONFIDENCE = "low_confidence"
RULE_COMPLAINT_ABOUT_STAFF = "complaint_about_staff"
RULE_LOCATION_OVERRIDE = "location_override"
RULE_KIND_OVERRIDE = "kind_override"
RULE_DOMAIN_TABLE = "domain_table"
RULE_UNMAPPED_DOMAIN = "unmapped_domain"

# hide_identity_from when a complaint accuses officials without naming their department.
UNKNOWN_ACCUSED = "*"


@dataclass(frozen=True)
class LocationOverride:
    """Send cases from a district and/or street to a department (all given fields must match).

    `domains` limits the override to those domains; empty means every domain.
    """

    department: str
    district: str | None = None
    street: str | None = None
    domains: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.district is None and self.street is None:
            raise ValueError("a location override needs a district or a street")

    def matches(self, domain: str, district: str | None, street: str | None) -> bool:
        if self.domains and domain not in self.domains:
            return False
        if self.district is not None and self.district != district:
            return False
        return self.street is None or self.street == street

    @property
    def specificity(self) -> int:
        return (2 if self.street is not None else 0) + (1 if self.district is not None else 0)


@dataclass(frozen=True)
class KindOverride:
    """Send cases of a kind (optionally only in some domains) to a department."""

    kind: str
    department: str
    domains: tuple[str, ...] = ()

    def matches(self, domain: str, kind: str) -> bool:
        return self.kind == kind and (not self.domains or domain in self.domains)


@dataclass(frozen=True)
class RoutingTable:
    domain_departments: Mapping[str, str]
    triage_department: str
    supervisor_department: str
    supervisors: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    location_overrides: tuple[LocationOverride, ...] = ()
    kind_overrides: tuple[KindOverride, ...] = ()
    min_confidence: float = 0.6
    # department id -> the names a resident may call it by (official names and aliases)
    department_names: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def supervisor_of(self, department: str) -> str:
        """Who supervises a department: its configured supervisor, else the general one."""
        return self.supervisors.get(department, self.supervisor_department)


@dataclass(frozen=True)
class RoutingRequest:
    domain: str
    kind: str
    confidence: float
    district: str | None = None
    street: str | None = None
    complaint_about_staff: bool = False
    accused_department: str | None = None
    text: str = ""


@dataclass(frozen=True)
class RoutingDecision:
    department: str
    rule: str
    confidence: float
    reason: str
    hide_identity_from: str | None = None


def route(request: RoutingRequest, table: RoutingTable) -> RoutingDecision:
    accused = _accused_department(request, table)
    if accused is not None and accused != UNKNOWN_ACCUSED:
        return _staff_complaint_decision(request, table, accused)
    if request.domain == OTHER_DOMAIN:
        return _decision(
            table.triage_department,
            RULE_OTHER_DOMAIN,
            request,
            accused,
            "domain is 'other'; the triage desk chooses the department",
        )
    if request.confidence < table.min_confidence:
        return _decision(
            table.triage_department,
            RULE_LOW_CONFIDENCE,
            request,
            accused,
            f"confidence {request.confidence:.2f} is below {table.min_confidence:.2f}; "
            "the triage desk chooses the department",
        )
    if accused is not None:
        return _staff_complaint_decision(request, table, accused)
    override = _location_override(request, table)
    if override is not None:
        place = " / ".join(p for p in (override.district, override.street) if p)
        return _decision(
            override.department,
            RULE_LOCATION_OVERRIDE,
            request,
            None,
            f"{request.domain} case in {place} goes to {override.department}",
        )
    for kind_override in table.kind_overrides:
        if kind_override.matches(request.domain, request.kind):
            return _decision(
                kind_override.department,
                RULE_KIND_OVERRIDE,
                request,
                None,
                f"{request.kind} cases go to {kind_override.department}",
            )
    department = table.domain_departments.get(request.domain)
    if department is None:
        return _decision(
            table.triage_department,
            RULE_UNMAPPED_DOMAIN,
            request,
            None,
            f"no department configured for domain '{request.domain}'; "
            "the triage desk chooses the department",
        )
    return _decision(
        department,
        RULE_DOMAIN_TABLE,
        request,
        None,
        f"domain {request.domain} is handled by {department}",
    )


def _staff_complaint_decision(
    request: RoutingRequest, table: RoutingTable, accused: str
) -> RoutingDecision:
    if accused == UNKNOWN_ACCUSED:
        return _decision(
            table.supervisor_department,
            RULE_COMPLAINT_ABOUT_STAFF,
            request,
            accused,
            "complaint about officials whose department the text does not name; sent to the "
            f"general supervisor {table.supervisor_department}, complainant hidden from every "
            "other department",
        )
    supervisor = table.supervisor_of(accused)
    return _decision(
        supervisor,
        RULE_COMPLAINT_ABOUT_STAFF,
        request,
        accused,
        f"complaint about the staff of {accused}; sent to its supervisor "
        f"{supervisor}, complainant hidden from {accused}",
    )


def _decision(
    department: str, rule: str, request: RoutingRequest, accused: str | None, reason: str
) -> RoutingDecision:
    return RoutingDecision(department, rule, request.confidence, reason, accused)


def _location_override(request: RoutingRequest, table: RoutingTable) -> LocationOverride | None:
    matching = [
        o
        for o in table.location_overrides
        if o.matches(request.domain, request.district, request.street)
    ]
    # max() keeps the first of equally specific overrides, so config order breaks ties.
    return max(matching, key=lambda o: o.specificity) if matching else None


def _accused_department(request: RoutingRequest, table: RoutingTable) -> str | None:
    """The department whose staff a complaint accuses, `UNKNOWN_ACCUSED` when the text names
    none, or None for any other case."""
    if request.kind != COMPLAINT or not request.complaint_about_staff:
        return None
    if request.accused_department:
        return request.accused_department
    return named_department(request.text, table) or UNKNOWN_ACCUSED


def named_department(text: str, table: RoutingTable) -> str | None:
    """The department a text names, by its official name or an alias; the longest name found
    wins ("城管局执法队员" names city management, not a shorter alias elsewhere)."""
    if not text:
        return None
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for department, names in table.department_names.items():
        for name in names:
            if name and name.lower() in lowered and (best is None or len(name) > best[0]):
                best = (len(name), department)
    return best[1] if best else None


def accused_after_change(
    kind: str, text: str, current: str | None, table: RoutingTable
) -> str | None:
    """Whom a case's complainant is hidden from, checked again (each transfer, each contact
    look-up): the department the text names; when the text names none, or names another
    than the one recorded, every department but the general supervisor."""
    if current is None and not looks_like_staff_complaint(kind, text):
        return None
    named = named_department(text, table)
    if current is None or current == UNKNOWN_ACCUSED:
        return named or UNKNOWN_ACCUSED
    if named is None or named == current:
        return current
    return UNKNOWN_ACCUSED


_ZH_STAFF_CUES = (
    "工作人员",
    "办事员",
    "窗口人员",
    "窗口的",
    "公务员",
    "干部",
    "经办人",
    "接线员",
    "城管队员",
    "执法队员",
    "执法人员",
    "协管员",
    "民警",
    "警察",
    "态度",
    "不作为",
    "乱作为",
    "推诿",
    "踢皮球",
    "刁难",
    "敷衍",
    "索要好处",
    "吃拿卡要",
    "不理睬",
    "爱答不理",
    "甩脸色",
    "骂人",
    "打人",
)
_EN_STAFF_CUES = re.compile(
    r"\b(staff|clerks?|officials?|officers?|employees?|civil servants?|rude|rudely|attitude|"
    r"refused to help|passed the buck|passing the buck|bribes?|unhelpful|ignored (?:me|us)|"
    r"shouted at|yelled at)\b",
    re.IGNORECASE,
)


def looks_like_staff_complaint(kind: str, text: str) -> bool:
    """A complaint whose wording points at the conduct of a department's own staff."""
    if kind != COMPLAINT:
        return False
    return any(cue in text for cue in _ZH_STAFF_CUES) or bool(_EN_STAFF_CUES.search(text))
