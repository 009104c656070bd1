"""Staff notices leave the outbox by e-mail and in the department's Telegram group.

The use cases write one row per notice on the channel "staff", addressed to a department
(new urgent case, SLA warning, breach, escalation, daily digest). Delivering that row fans it
out: one row per destination the department has — "staff_email" to its address,
"staff_telegram" to its group — each with the parent's key and a suffix, so each destination
gets the notice once, and each is retried, backed off and dead-lettered on its own. A
department with no usable destination makes the parent row dead with the reason, listed by
`minsheng outbox dead`, instead of being retried for ever.

Notices are rendered at send time in the department's language. They name the case by its
reference and link to the console; they never carry the resident's words, phone or ID
number: the console applies the identity rules.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from case_store.taxonomy import KIND_NAMES, URGENCY_NAMES
from minsheng.config.schema import Department
from minsheng.config.settings import Settings
from minsheng.services.bootstrap import App
from minsheng.services.messaging import delivery, outbox
from minsheng.services.messaging.delivery_claims import Outgoing

CHANNEL = "staff"
EMAIL = "staff_email"
TELEGRAM = "staff_telegram"
ACCEPT_PREFIX = "staff:accept:"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    buttons: list[list[dict[str, str]]]


# -- rendering ------------------------------------------------------------------------------

_TITLES = {
    "new_case": ("新诉求", "New case"),
    "new_case_urgent": ("紧急诉求", "URGENT case"),
    "sla_warning": ("时限预警", "Deadline warning"),
    "sla_breach": ("已超时", "Deadline missed"),
    "escalated": ("挂牌督办", "Escalated"),
    "digest": ("每日摘要", "Daily digest"),
}
_ALERTS = {
    "first_response": ("首次响应", "first response"),
    "resolution": ("办结", "resolution"),
}
_LINES = {
    "domain": ("领域", "Domain"),
    "urgency": ("紧急程度", "Urgency"),
    "kind": ("类型", "Kind"),
    "due": ("时限", "Due"),
    "clock": ("时限类型", "Deadline"),
    "department": ("承办部门", "Department"),
    "open": ("在控制台查看", "Open in the console"),
    "new": ("新增", "New"),
    "due_soon": ("48 小时内到期", "Due within 48 h"),
    "overdue": ("已超期", "Overdue"),
    "more": ("等", "and more"),
    "accept": ("受理", "Accept"),
    "footer": (
        "本通知不含居民个人信息，请登录控制台查看诉求详情。",
        "This notice holds no personal data of the resident; open the case in the console.",
    ),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _name(table: dict[str, tuple[str, str]], key: Any, lang: str) -> str:
    return _pick(table.get(str(key), (str(key), str(key))), lang)


def _department_name(settings: Settings, dept_id: str, lang: str) -> str:
    try:
        dept = settings.department(dept_id)
    except KeyError:
        return dept_id
    return dept.name_en if lang == "en" else dept.name_zh


def _when(settings: Settings, value: Any) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")


def console_link(settings: Settings, reference: str | None = None) -> str:
    base = settings.notify.console_url.rstrip("/")
    return f"{base}/cases/{reference}" if reference else f"{base}/queue"


def render(settings: Settings, department: Department, payload: dict[str, Any]) -> Rendered:
    """The notice in the department's language: subject, plain text, HTML and buttons."""
    lang = department.language
    type_ = str(payload.get("type") or "")
    ref = payload.get("reference")
    city = settings.city.name_en if lang == "en" else settings.city.name_zh
    lines: list[tuple[str, str]] = []
    buttons: list[list[dict[str, str]]] = []
    if type_ == "digest":
        title = _pick(_TITLES["digest"], lang)
        heading = f"{title} {payload.get('date', '')}"
        for section in ("new", "due_soon", "overdue"):
            data = payload.get(section) or {}
            count = int(data.get("count") or 0)
            refs = list(data.get("references") or [])
            listed = ", ".join(refs) + (
                f" {_pick(_LINES['more'], lang)}" if count > len(refs) else ""
            )
            lines.append(
                (_pick(_LINES[section], lang), f"{count}" + (f": {listed}" if refs else ""))
            )
        link = console_link(settings)
    else:
        urgent = type_ == "new_case" and payload.get("urgency") == "urgent"
        title = _pick(
            _TITLES["new_case_urgent" if urgent else type_]
            if (urgent or type_ in _TITLES)
            else ("通知", "Notice"),
            lang,
        )
        heading = f"{title} {ref}"
        if payload.get("domain"):
            lines.append(
                (
                    _pick(_LINES["domain"], lang),
                    _name(settings.taxonomy.names(), payload["domain"], lang),
                )
            )
        if payload.get("urgency"):
            lines.append(
                (_pick(_LINES["urgency"], lang), _name(URGENCY_NAMES, payload["urgency"], lang))
            )
        if payload.get("kind"):
            lines.append((_pick(_LINES["kind"], lang), _name(KIND_NAMES, payload["kind"], lang)))
        alert = str(payload.get("alert") or "")
        if alert:
            clock = "first_response" if alert.startswith("first_response") else "resolution"
            lines.append((_pick(_LINES["clock"], lang), _pick(_ALERTS[clock], lang)))
        if payload.get("due_at"):
            lines.append((_pick(_LINES["due"], lang), _when(settings, payload["due_at"])))
        if type_ == "escalated" and payload.get("department"):
            lines.append(
                (
                    _pick(_LINES["department"], lang),
                    _department_name(settings, str(payload["department"]), lang),
                )
            )
        link = console_link(settings, str(ref) if ref else None)
        if urgent and ref:
            buttons = [[{"label": _pick(_LINES["accept"], lang), "data": f"{ACCEPT_PREFIX}{ref}"}]]
    dept_name = department.name_en if lang == "en" else department.name_zh
    subject = f"[{city} · {dept_name}] {heading}"
    open_label = _pick(_LINES["open"], lang)
    footer = _pick(_LINES["footer"], lang)
    text = "\n".join(
        [
            heading,
            *(f"{label}: {value}" for label, value in lines),
            f"{open_label}: {link}",
            "",
            footer,
        ]
    )
    rows = "".join(
        f'<tr><th align="left">{html.escape(label)}</th><td>{html.escape(value)}</td></tr>'
        for label, value in lines
    )
    body = (
        f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><body>'
        f"<h2>{html.escape(heading)}</h2><table>{rows}</table>"
        f'<p><a href="{html.escape(link, quote=True)}">{html.escape(open_label)}</a></p>'
        f"<p><small>{html.escape(footer)}</small></p></body></html>"
    )
    return Rendered(subject=subject, text=text, html=body, buttons=buttons)


# -- fanning out ---------------------------------------------------------------------------


def destinations(
    settings: Settings, department: Department, usable: Iterable[str]
) -> dict[str, str]:
    """The department's destinations this deployment can send to, by channel."""
    usable = set(usable)
    found: dict[str, str] = {}
    if department.email and EMAIL in usable:
        found[EMAIL] = department.email
    if department.telegram_chat_id is not None and TELEGRAM in usable:
        found[TELEGRAM] = str(department.telegram_chat_id)
    return found


def usable_channels(settings: Settings) -> list[str]:
    """The staff channels this configuration can deliver (e-mail needs SMTP, groups a bot)."""
    found = []
    if settings.notify.smtp is not None:
        found.append(EMAIL)
    if settings.telegram_token is not None:
        found.append(TELEGRAM)
    return found


def _no_destination(settings: Settings, department: Department, index: int) -> str:
    key = f"departments.{index}"
    if department.email is None and department.telegram_chat_id is None:
        return (
            f"department '{department.id}' has no staff channel: "
            f"set {key}.email or {key}.telegram_chat_id"
        )
    missing = []
    if department.email is not None:
        missing.append("e-mail needs notify.smtp")
    if department.telegram_chat_id is not None:
        missing.append("the Telegram group needs MINSHENG_TELEGRAM_TOKEN")
    return f"department '{department.id}' cannot be reached: " + "; ".join(missing)


class StaffFanOut:
    """The sender of the "staff" channel: writes one row per destination of the department."""

    def __init__(self, app: App, usable: Iterable[str] | None = None) -> None:
        self._app = app
        self._usable = list(usable) if usable is not None else usable_channels(app.settings)

    def send(self, recipient: str, text: str, buttons: delivery.Buttons) -> None:
        raise delivery.RejectedMessage("staff notices are fanned out from their whole row")

    def send_message(self, message: Outgoing) -> None:
        settings = self._app.settings
        index = next(
            (i for i, d in enumerate(settings.departments) if d.id == message.recipient), None
        )
        if index is None:
            raise delivery.RejectedMessage(f"unknown department '{message.recipient}'")
        department = settings.departments[index]
        found = destinations(settings, department, self._usable)
        if not found:
            raise delivery.RejectedMessage(_no_destination(settings, department, index))
        now = self._app.now()
        with self._app.uow() as uow:
            for channel, address in found.items():
                # Idempotent: a fan-out repeated after a crash finds the keys taken.
                outbox.enqueue(
                    uow.session,
                    key=f"{message.key}>{channel.removeprefix('staff_')}",
                    channel=channel,
                    recipient=address,
                    payload={**message.payload, "department": department.id, "parent": message.id},
                    now=now,
                    case_id=message.case_id,
                )
            uow.commit()


class RenderedSender:
    """A staff channel's sender: renders the notice for the department, then sends it as
    text and buttons through a chat sender (the Telegram group)."""

    def __init__(self, app: App, inner: delivery.Sender) -> None:
        self._app = app
        self._inner = inner

    def send(self, recipient: str, text: str, buttons: delivery.Buttons) -> None:
        self._inner.send(recipient, text, buttons)

    def send_message(self, message: Outgoing) -> None:
        rendered = render_for(self._app.settings, message)
        self._inner.send(message.recipient, rendered.text, rendered.buttons)


def render_for(settings: Settings, message: Outgoing) -> Rendered:
    dept_id = str(message.payload.get("department") or "")
    try:
        department = settings.department(dept_id)
    except KeyError:
        raise delivery.RejectedMessage(f"unknown department '{dept_id}'") from None
    return render(settings, department, message.payload)


def senders(
    app: App, *, telegram: delivery.Sender | None, email: delivery.Sender | None
) -> dict[str, delivery.Sender]:
    """The staff senders of a process, given its Telegram and e-mail senders (if any)."""
    found: dict[str, delivery.Sender] = {}
    if email is not None:
        found[EMAIL] = email
    if telegram is not None:
        found[TELEGRAM] = RenderedSender(app, telegram)
    # The fan-out follows the configuration, not this process: another process (a worker
    # with SMTP) may deliver what this one cannot.
    found[CHANNEL] = StaffFanOut(app)
    return found
