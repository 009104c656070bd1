"""Open311 GeoReport v2: submitting a request.

A submitted request becomes a case exactly as a chat message does: the NLU reads the
description (urgency, kind, safety rules, places), the service code is the resident's choice of
domain, and the router picks the department.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.dialogue import RULE_ADVICE
from case_store.taxonomy import DOMAINS
from minsheng.services import policy
from minsheng.services.access.apikeys import Client
from minsheng.services.bootstrap import App
from minsheng.services.casework import submission
from minsheng.services.errors import InvalidRequest
from minsheng.services.public.open311_services import department_name
from minsheng.services.residents import intake
from routing import sla

CHANNEL = "open311"


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
        f"已转交{department_name(app, view['department'])}办理，"
        f"{working_days} 个工作日内（{due} 前）办结。"
    )
    return "\n".join(parts)
