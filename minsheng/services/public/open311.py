"""Open311 GeoReport v2: the services offered, submitting a request, and requests as the public
sees them.

A submitted request becomes a case exactly as a chat message does: the NLU reads the
description (urgency, kind, safety rules, places), the service code is the resident's choice of
domain, and the router picks the department. What GET returns is public: no name, no contact,
phone numbers, ID numbers and e-mail addresses masked in the description and address, and
coordinates rounded to about 100 m.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.dialogue import RULE_ADVICE
from case_store.lifecycle import OPEN_STATUSES, Status, is_open
from case_store.models import Case
from case_store.references import normalise_reference
from case_store.taxonomy import DOMAIN_NAMES, DOMAINS
from minsheng.services import policy
from minsheng.services.access.apikeys import Client
from minsheng.services.bootstrap import App
from minsheng.services.casework import submission
from minsheng.services.errors import CaseNotFound, InvalidRequest
from minsheng.services.residents import intake
from minsheng.services.rights.masking import mask_personal
from routing import sla

CHANNEL = "open311"
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
COORDINATE_DECIMALS = 3  # about 100 m: enough to find the pothole, not the flat
OPEN, CLOSED = "open", "closed"
_CLOSED_STATUSES = tuple(s.value for s in Status if not is_open(s))
# Descriptions that could expose a vulnerable person or a complainant are not published.
_UNPUBLISHED_RULES = frozenset({"self_harm", "child_in_danger"})

SERVICE_TEXTS: dict[str, tuple[str, str, str]] = {
    # key: (zh description, en description, comma-separated keywords)
    "education": (
        "学校与幼儿园、入学、教师、课后服务、校园餐与校车、学费",
        (
            "Schools and kindergartens, enrolment, teachers, after-school care, school "
            "meals and buses, fees"
        ),
        "学校,幼儿园,入学,school,kindergarten",
    ),
    "healthcare": (
        "医院与社区卫生服务、家庭医生、药品、疫苗接种、医保报销、公共卫生",
        (
            "Hospitals and clinics, family doctors, medicines, vaccination, medical "
            "insurance, public health"
        ),
        "医院,医保,疫苗,hospital,clinic",
    ),
    "elderly_care": (
        "居家、社区和机构养老，老年食堂，护理床位，养老补贴，适老化改造",
        (
            "Care at home, in the community and in care homes, canteens for older "
            "people, allowances, age-friendly fittings"
        ),
        "养老,老年食堂,elderly,care",
    ),
    "housing": (
        "老旧小区改造、加装电梯、物业管理、房屋渗漏、保障性住房、房屋维修",
        (
            "Old-estate renovation, lifts for old buildings, property management, leaks, "
            "public housing, repairs"
        ),
        "物业,电梯,漏水,property,lift",
    ),
    "utilities": (
        "供水与水质、供电、燃气供应与燃气泄漏、集中供暖",
        "Water supply and quality, electricity, gas supply and gas leaks, heating",
        "停水,停电,燃气,暖气,water,power,gas,heating",
    ),
    "transport": (
        "公交地铁、道路与坑洼、红绿灯、停车、道路照明、骑行与步行",
        (
            "Buses and metro, roads and potholes, traffic lights, parking, street "
            "lights, cycling and walking"
        ),
        "公交,道路,红绿灯,路灯,bus,pothole",
    ),
    "environment": (
        "噪音，大气、水和土壤污染，垃圾收运与分类，公厕，道路保洁，绿地，占道经营",
        (
            "Noise, pollution, rubbish and recycling, public toilets, street cleaning, "
            "green spaces, street stalls"
        ),
        "噪音,垃圾,污染,noise,rubbish",
    ),
    "public_safety": (
        "消防隐患与消防通道堵塞、危险建筑、高空坠物、溺水风险、治安、诈骗",
        (
            "Fire hazards and blocked exits, dangerous structures, falling objects, "
            "drowning risks, public order, fraud"
        ),
        "消防,坠物,诈骗,fire,fraud",
    ),
    "social_security": (
        "欠薪、劳动争议、就业培训、养老金与社保、低保、残疾与困难救助",
        (
            "Unpaid wages, labour disputes, jobs and training, pensions and social "
            "insurance, subsistence and hardship assistance"
        ),
        "欠薪,社保,低保,wages,pension",
    ),
    "community": (
        "社区服务中心、社区食堂与便民店、活动室、文体设施、15分钟生活圈",
        (
            "Community centres, canteens and shops, activity rooms, culture and sports "
            "facilities, neighbourhood affairs"
        ),
        "社区,文体,活动室,community",
    ),
    "market": (
        "食品安全、消费者权益、价格、无证经营、产品质量",
        "Food safety, consumer rights, prices, unlicensed businesses, product quality",
        "食品安全,消费,价格,food safety,consumer",
    ),
    "other": (
        "不属于以上类别的其他事项",
        "Anything that fits none of the other services",
        "其他,other",
    ),
}

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


def _lang(locale: str | None) -> int:
    """0 for Chinese (the default), 1 for English."""
    return 1 if locale and locale.lower().startswith("en") else 0


# -- services -----------------------------------------------------------------------------


def service_list(locale: str | None = None) -> list[dict[str, Any]]:
    """One service per domain of the taxonomy; `service_code` is the domain key."""
    lang = _lang(locale)
    return [
        {
            "service_code": key,
            "service_name": DOMAIN_NAMES[key][lang],
            "description": SERVICE_TEXTS[key][lang],
            "metadata": True,
            "type": "realtime",
            "keywords": SERVICE_TEXTS[key][2],
            "group": "民生诉求" if lang == 0 else "Public services",
        }
        for key in DOMAINS
    ]


def service_definition(service_code: str, locale: str | None = None) -> dict[str, Any]:
    """The extra attributes a client may send with a request of this service."""
    if service_code not in DOMAINS:
        raise InvalidRequest(f"unknown service_code '{service_code}'")
    zh = _lang(locale) == 0
    return {
        "service_code": service_code,
        "attributes": [
            {
                "variable": True,
                "code": "contact_consent",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "yes 或 no" if zh else "yes or no",
                "order": 1,
                "description": (
                    "是否同意承办部门通过您留下的电话联系您（默认：留了电话即同意）"
                    if zh
                    else "May the department call the requester on the phone "
                    "number given? (default: yes when one is given)"
                ),
                "values": [
                    {"key": "yes", "name": "同意" if zh else "Yes"},
                    {"key": "no", "name": "不同意" if zh else "No"},
                ],
            }
        ],
    }


# -- submitting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRequest:
    """The fields of POST requests that are used: what the client sent, as text, not yet
    checked. first_name, last_name, email, device_id and account_id are accepted by the
    endpoint and not stored."""

    service_code: str | None
    description: str | None = None
    address_string: str | None = None
    lat: str | None = None
    long: str | None = None
    phone: str | None = None
    media_url: str | None = None
    contact_consent: str | None = None


def _clean(value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    if value and "\x00" in value:
        raise InvalidRequest("a field contains a NUL character")
    return value or None


def _coordinates(lat: str | None, long: str | None) -> tuple[float, float] | None:
    if lat is None and long is None:
        return None
    if lat is None or long is None:
        raise InvalidRequest("lat and long must be given together")
    try:
        latitude, longitude = float(lat), float(long)
    except ValueError:
        raise InvalidRequest("lat and long must be decimal degrees") from None
    if not (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    ):
        raise InvalidRequest("lat must lie in [-90, 90] and long in [-180, 180]")
    return latitude, longitude


def _consent(value: str | None, has_contact: bool) -> bool:
    if value is None:
        return has_contact
    answer = value.strip().lower()
    if answer in ("yes", "true", "1", "是", "同意"):
        return True
    if answer in ("no", "false", "0", "否", "不同意"):
        return False
    raise InvalidRequest("attribute[contact_consent] must be yes or no")


def submit_request(app: App, client: Client, request: NewRequest) -> dict[str, Any]:
    """Create and route a case from an Open311 request; returns the POST answer's item."""
    code = _clean(request.service_code)
    if code is None:
        raise InvalidRequest("service_code is required")
    if code not in DOMAINS:
        raise InvalidRequest(f"unknown service_code '{code}'")
    text = _clean(request.description)
    if text is None:
        raise InvalidRequest("description is required: say what is wrong or what is needed")
    limit = app.settings.limits.max_text_chars
    if len(text) > limit:
        raise InvalidRequest(f"description is longer than {limit} characters")
    address = _clean(request.address_string)
    location = _coordinates(_clean(request.lat), _clean(request.long))
    if address is None and location is None:
        raise InvalidRequest("address_string or lat and long are required")
    if address is not None and len(address) > 500:
        raise InvalidRequest("address_string is longer than 500 characters")
    # Data minimisation: the phone (kept on the case, where staff see it and retention clears
    # it) is the one way back to the requester; names, e-mail and device ids are not stored.
    phone = _clean(request.phone)
    consent = _consent(_clean(request.contact_consent), phone is not None)

    draft = intake.to_intake(
        intake.classify(app, text),
        channel=CHANNEL,
        text=text,
        address=address,
        phone=phone,
        domain=code,
    )
    media_url = _clean(request.media_url)
    details: dict[str, Any] = {
        "contact_consent": consent,
        "photo": media_url is not None,
        "open311": {
            "client": client.name,
            "client_id": client.id,
            **({"media_url": media_url} if media_url else {}),
        },
    }
    if location is not None:
        details["location"] = {"latitude": location[0], "longitude": location[1]}
    view = submission.submit(app, dataclasses.replace(draft, details=details))
    return {
        "service_request_id": view["reference"],
        "service_notice": _service_notice(app, view, draft.safety_rules),
    }


def _service_notice(app: App, view: dict[str, Any], rules: Sequence[dict[str, Any]]) -> str:
    """What the chat tells the resident on submission: department and due date, and for an
    urgent case the emergency advice first."""
    working_days = sla.resolution_working_days(
        policy.sla_policy(app.settings), view["domain"], view["kind"]
    )
    due = (view.get("resolution_due_at") or "")[:10]
    parts: list[str] = []
    if view["urgency"] == "urgent":
        advice = app.settings.emergency.advice
        keys = [RULE_ADVICE.get(str(r.get("id")), "default") for r in rules] or ["default"]
        found = [advice[k].zh for k in dict.fromkeys(keys) if k in advice]
        if not found and "default" in advice:
            found = [advice["default"].zh]
        parts.extend(found)
    parts.append(
        f"已转交{_department_name(app, view['department'])}办理，"
        f"{working_days} 个工作日内（{due} 前）办结。"
    )
    return "\n".join(parts)


def _department_name(app: App, dept_id: str | None, locale: str | None = None) -> str | None:
    if dept_id is None:
        return None
    for dept in app.settings.departments:
        if dept.id == dept_id:
            return dept.name_en if _lang(locale) else dept.name_zh
    return dept_id


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestQuery:
    """GET requests' filters, as text; `service_request_id` overrides all the others."""

    service_request_id: str | None = None
    service_code: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None
    locale: str | None = None


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


def list_requests(app: App, query: RequestQuery) -> list[dict[str, Any]]:
    """Public requests, newest first, at most 1,000."""
    ids = _split(query.service_request_id)
    stmt = select(Case).order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_RESULTS)
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
        return [public_view(app, case, query.locale) for case in uow.session.scalars(stmt)]


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
    lang = _lang(locale)
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
        "agency_responsible": _department_name(app, case.department, locale),
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


def discovery(app: App, base_url: str) -> dict[str, Any]:
    """Where the endpoint is and what it speaks (GeoReport v2 service discovery)."""
    settings = app.settings
    return {
        "changeset": "2026-12-01T00:00:00+08:00",
        "contact": f"{settings.city.name_zh} 12345 政务服务便民热线",
        "key_service": "API keys are issued by the city's operators (minsheng apikey create).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base_url.rstrip("/"),
                "changeset": "2026-12-01T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
