"""A case's event log as sentences a clerk reads: who did what, in Chinese or English.

Events are stored with machine keys (`transferred`, `after={"department": ...}`); the console
shows "转办至 教育局" instead. An event kind this module does not know is still shown, by its
kind with the underscores taken out, never dropped.
"""

from __future__ import annotations

from typing import Any

from minsheng.web.console import i18n

CHANNEL_NAMES: dict[str, tuple[str, str]] = {
    "telegram": ("Telegram", "Telegram"),
    "web": ("网页", "the web chat"),
    "open311": ("Open311 接口", "Open311"),
    "terminal": ("终端", "the terminal"),
    "console": ("控制台", "the console"),
}

# Each kind: (zh, en), formatted with the values `_values` gives.
SENTENCES: dict[str, tuple[str, str]] = {
    "created": ("通过{channel}提交诉求", "submitted the case through {channel}"),
    "routed": ("派至{department}", "routed it to {department}"),
    "accepted": ("受理诉求", "accepted the case"),
    "accepted_implied": ("受理诉求（办结时一并受理）", "accepted the case (with the resolution)"),
    "started": ("开始办理", "started work"),
    "asked_resident": ("请群众补充情况", "asked the resident for more information"),
    "resident_answered": ("群众补充了情况，恢复办理", "the resident answered; work resumes"),
    "details_added": ("补充了情况", "added details"),
    "replied": ("回复群众", "replied to the resident"),
    "transferred": ("转办至{department}", "transferred it to {department}"),
    "transferred_bounced": (
        "转办至{department}（第 {bounces} 次退回）",
        "transferred it to {department} (sent back {bounces} times)",
    ),
    "resolved": ("办结：{outcome}", "resolved it: {outcome}"),
    "closed": ("诉求关闭", "the case was closed"),
    "reopened": ("重新办理（第 {round} 轮）", "reopened it (round {round})"),
    "withdrawn": ("撤回诉求", "withdrew the case"),
    "rated": ("评价 {score} 分（满分 5 分）", "rated it {score} of 5"),
    "rating_comment": ("留下了评价意见", "left a comment on the rating"),
    "contact_viewed": ("查看了群众的联系方式", "looked up the resident's contact details"),
    "contact_given": ("留下了联系电话", "left a phone number"),
    "sla_warning": ("时限预警：{deadline}临近", "deadline warning: {deadline} is near"),
    "sla_breach": ("已超过{deadline}时限", "the {deadline} deadline was missed"),
    "escalated": ("挂牌督办，报{supervisor}", "escalated to {supervisor}"),
    "linked_duplicate": ("并入 {primary} 合并办理", "linked it as a duplicate of {primary}"),
    "duplicate_linked": ("{duplicate} 并入本件合并办理", "linked {duplicate} to this case"),
    "unlinked_duplicate": ("取消与 {primary} 合并办理", "unlinked it from {primary}"),
    "duplicate_unlinked": ("{duplicate} 取消合并", "unlinked {duplicate} from this case"),
    "followed": ("随 {primary} 一并办理", "followed {primary}"),
    "deadline_recomputed": (
        "按新公布的工作日历重新计算了办结时限",
        "the resolution deadline was recomputed with the newly published calendar",
    ),
}

DEADLINE_NAMES: dict[str, tuple[str, str]] = {
    "first_response": ("首次响应", "first response"),
    "resolution": ("办结", "resolution"),
}

WHO: dict[str, tuple[str, str]] = {
    "resident": ("群众", "The resident"),
    "staff": ("工作人员", "Staff"),
    "operator": ("管理员（命令行）", "An operator (command line)"),
    "system": ("系统", "The system"),
}


def _pick(pair: tuple[str, str], t: i18n.Translator) -> str:
    return pair[1] if t.language == "en" else pair[0]


def who(event: dict[str, Any], t: i18n.Translator) -> str:
    actor = str(event.get("actor") or "")
    if event.get("actor_name"):
        return str(event["actor_name"])
    head = actor.split(":", 1)[0]
    if head in ("resident", "staff", "operator", "system"):
        return _pick(WHO[head], t)
    if head in ("sla", "sweep", "survey", "retention"):
        return _pick(WHO["system"], t)
    return _pick(WHO["staff"], t) if actor else _pick(WHO["system"], t)


def _deadline(alert: Any, t: i18n.Translator) -> str:
    text = str(alert or "")
    for key, pair in DEADLINE_NAMES.items():
        if text.startswith(key) or key in text:
            return _pick(pair, t)
    return _pick(DEADLINE_NAMES["resolution"], t)


def sentence(event: dict[str, Any], t: i18n.Translator) -> str:
    kind = str(event.get("type") or "")
    after: dict[str, Any] = dict(event.get("after") or {})
    before: dict[str, Any] = dict(event.get("before") or {})
    key = kind
    if kind == "accepted" and after.get("implied"):
        key = "accepted_implied"
    if kind == "transferred" and int(after.get("bounces") or 0) > 0:
        key = "transferred_bounced"
    template = SENTENCES.get(key)
    if template is None:
        return kind.replace("_", " ")
    channel = str(after.get("channel") or "")
    values = {
        "channel": channel_name(channel, t),
        "department": t.department(after.get("department")),
        "supervisor": t.department(after.get("supervisor")),
        "bounces": after.get("bounces") or 0,
        "outcome": t.outcome(after.get("outcome") or "resolved"),
        "round": after.get("resolution_round") or after.get("round") or 2,
        "score": after.get("score") or "–",
        "deadline": _deadline(after.get("alert"), t),
        "primary": after.get("primary") or before.get("primary") or "–",
        "duplicate": after.get("duplicate") or before.get("duplicate") or "–",
    }
    return _pick(template, t).format(**values)


# Kinds whose note is what a person wrote (a reason, a reply, a resolution note); the notes of
# other kinds are the system's own explanations (the router's rule, the sweep's alert) and stay
# in the API's event list.
PERSON_NOTES = frozenset(
    {
        "details_added",
        "replied",
        "asked_resident",
        "resident_answered",
        "transferred",
        "resolved",
        "reopened",
        "withdrawn",
        "rated",
        "rating_comment",
    }
)


def channel_name(channel: str | None, t: i18n.Translator) -> str:
    return _pick(CHANNEL_NAMES[channel], t) if channel in CHANNEL_NAMES else channel or "–"


def readable(events: list[dict[str, Any]], t: i18n.Translator) -> list[dict[str, Any]]:
    """The events with `who`, `what` and a person's `note` for the case page, oldest first."""
    return [
        {
            **e,
            "who": who(e, t),
            "what": sentence(e, t),
            "note": e.get("note") if e.get("type") in PERSON_NOTES else None,
        }
        for e in events
    ]
