"""The dialogue engine: state + one inbound event -> new state, replies, service commands.

Pure: no database, no network, no clock. The caller loads the state, hands over the NLU's
reading of free text and what it knows of the resident's cases, carries out the commands
through the service layer, and feeds each command's result back through `after`.
The state is a JSON-ready dict so it can live in a database row.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot import texts
from bot.texts import t
from case_store.taxonomy import DOMAINS

# -- what goes in and out ---------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes


@dataclass(frozen=True)
class Reply:
    text: str  # plain text; adapters escape it
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True)
class Event:
    """One inbound message or button tap, with the NLU's reading of free text."""

    text: str | None = None
    callback: str | None = None
    location: tuple[float, float] | None = None
    has_photo: bool = False
    language_hint: str | None = None
    nlu: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class CaseBrief:
    """What the dialogue needs to know about one of the resident's cases."""

    reference: str
    status: str
    domain: str
    department: str | None
    created: dt.date
    resolution_due: dt.date | None = None
    working_days_left: int | None = None
    rating: int | None = None


OPEN = frozenset({"new", "routed", "accepted", "in_progress", "awaiting_resident"})


@dataclass(frozen=True)
class Context:
    """Settings and facts the engine reads; built by the caller for every event."""

    today: dt.date
    city: Mapping[str, str] = field(default_factory=lambda: {"zh": "本市", "en": "the city"})
    advice: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    routing: Mapping[str, str] = field(default_factory=dict)
    department_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    cases: tuple[CaseBrief, ...] = ()  # the resident's cases, newest first
    low_confidence_threshold: float = 0.5

    def department(self, lang: str, dept_id: str | None) -> str:
        if dept_id is None:
            return "—"
        names = self.department_names.get(dept_id)
        if names is None:
            return dept_id
        return names[1] if lang == "en" else names[0]

    def open_cases(self) -> list[CaseBrief]:
        return [c for c in self.cases if c.status in OPEN]

    def case(self, reference: str) -> CaseBrief | None:
        return next((c for c in self.cases if c.reference == reference), None)


@dataclass(frozen=True)
class Submit:
    text: str
    domain: str
    domain_chosen: bool
    urgency: str
    kind: str
    language: str
    address: str | None
    consent: bool
    location: tuple[float, float] | None
    has_photo: bool
    nlu: Mapping[str, Any]


@dataclass(frozen=True)
class AddDetails:
    reference: str
    text: str


@dataclass(frozen=True)
class Rate:
    reference: str
    score: int


@dataclass(frozen=True)
class Comment:
    reference: str
    text: str


@dataclass(frozen=True)
class Reopen:
    reference: str
    reason: str


@dataclass(frozen=True)
class Withdraw:
    reference: str


@dataclass(frozen=True)
class SetLanguage:
    language: str


@dataclass(frozen=True)
class MyData:
    """Show the resident everything stored about them."""


@dataclass(frozen=True)
class Forget:
    """Erase the resident's personal data (asked for, then confirmed)."""


Command = (Submit | AddDetails | Rate | Comment | Reopen | Withdraw | SetLanguage | MyData
           | Forget)


@dataclass(frozen=True)
class Result:
    """A command's outcome. `error`: not_found, already_rated, not_ratable, not_open, failed."""

    ok: bool
    data: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


State = dict[str, Any]
Turn = tuple[State, list[Reply], list[Command]]

# -- recognising what the resident typed -------------------------------------------------

REFERENCE = re.compile(r"MS-?\d{4}-?[0-9A-Za-z]{6}", re.IGNORECASE)
_REF_TAIL = str.maketrans("OIL", "011")
_PUNCT = re.compile(r"[\s。．.!！?？~～，,、\"“”'‘’]+")

_PLAIN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), name) for p, name in (
        (r"(查询|查看|查|看看)?(一下)?(我的)?(诉求|投诉|案件|工单|问题|反映)?的?(办理)?"
         r"(进展|进度|状态|结果)(如何|怎么样|怎样|查询)?", "status"),
        (r"(办|处理)到哪(了|一步了)?", "status"),
        (r"(check\s*)?(my\s*)?(case|request|complaint)?\s*(status|progress)", "status"),
        (r"(查询|查看|看看)?(我的|我提交的)(全部|所有)?(诉求|投诉|案件|工单)(列表)?", "mycases"),
        (r"(show\s*)?(all\s*)?my\s*(cases|requests|complaints)", "mycases"),
        (r"帮助|怎么用|使用说明|help|menu|菜单", "help"),
        (r"你好|您好|hi|hello|start|开始", "start"),
        (r"(提交|反映)?(新的?)(诉求|问题)|new(\s*(case|request|problem))?|我要(反映|提交)问题", "new"),
        (r"取消|退出|算了|cancel|quit", "cancel"),
        (r"(查看|查询)?我的(个人)?(数据|信息|资料)|(show\s*)?my\s*data", "mydata"),
        (r"(删除|清除)(我的)?(个人)?(数据|信息|资料)|forget\s*me|delete\s*my\s*data", "forget"),
        (r"中文|切换(到)?中文|说中文|chinese", "lang:zh"),
        (r"english|英文|英语|切换(到)?英文|switch\s*to\s*english", "lang:en"),
    )
)
_WITHDRAW = re.compile(r"(撤回|撤销|withdraw)\s*(MS-?\d{4}-?[0-9A-Za-z]{6})?", re.IGNORECASE)

_YES = {"是", "是的", "好", "好的", "可以", "行", "同意", "确认", "确定", "对", "没问题", "嗯",
        "yes", "y", "ok", "okay", "sure", "confirm", "yep", "yeah"}
_NO = {"不", "不用", "不要", "否", "不可以", "不行", "不同意", "别", "no", "n", "nope", "no thanks"}

PLACE_BOUND = frozenset({"housing", "utilities", "transport", "environment", "public_safety",
                         "community"})
PLACE_BOUND_KINDS = frozenset({"demand", "complaint"})

# NLU safety-rule ids -> keys of settings.emergency.advice (anything else: "default").
RULE_ADVICE = {
    "gas_leak": "gas", "gas": "gas",
    "fire_smoke": "fire", "fire": "fire",
    "trapped": "trapped",
    "elderly_fall_alone": "fall", "fall": "fall",
    "home_flooding": "flood", "flood": "flood",
    "self_harm": "self_harm",
    "child_in_danger": "child", "child": "child",
    "life_support_power": "power_medical", "power_medical": "power_medical",
    "no_heating_frail_cold": "cold", "cold": "cold",
}


def normalise_reference(text: str) -> str | None:
    m = re.fullmatch(r"MS-?(\d{4})-?([0-9A-Z]{6})", text.strip().upper())
    if not m:
        return None
    return f"MS-{m.group(1)}-{m.group(2).translate(_REF_TAIL)}"


def _plain(text: str) -> str:
    return _PUNCT.sub("", text).lower() if len(text) <= 40 else ""


def parse_command(text: str) -> tuple[str, str] | None:
    """(name, argument) for a slash command or its plain-word twin; None for free text."""
    stripped = text.strip()
    if stripped.startswith("/"):
        head, _, arg = stripped[1:].partition(" ")
        return head.split("@", 1)[0].lower(), arg.strip()
    if m := _WITHDRAW.fullmatch(stripped):
        return "withdraw", m.group(2) or ""
    if REFERENCE.fullmatch(stripped):
        return "status", stripped
    compact = _plain(stripped)
    if not compact:
        return None
    for pattern, name in _PLAIN:
        if pattern.fullmatch(compact):
            if name.startswith("lang:"):
                return "lang", name[5:]
            return name, ""
    return None


def wants_nlu(event: Event) -> bool:
    """Whether the caller should classify this event's text before calling `handle`."""
    return bool(event.text and event.text.strip() and event.callback is None
                and parse_command(event.text) is None)


def _word(text: str) -> str:
    return _PUNCT.sub(" ", text).strip().lower()


def is_yes(text: str) -> bool:
    return _word(text) in _YES


def is_no(text: str) -> bool:
    return _word(text) in _NO


# -- the engine --------------------------------------------------------------------------


def new_state() -> State:
    return {"lang": None, "lang_fixed": False, "greeted": False, "step": "idle",
            "draft": None, "consent": None, "survey": None}


def handle(state: Mapping[str, Any] | None, event: Event, ctx: Context) -> Turn:
    """One inbound event: the new state, the replies to send now, the commands to run."""
    s: State = {**new_state(), **copy.deepcopy(dict(state or {}))}
    if s["lang"] is None:
        s["lang"] = texts.lang_of(event.language_hint) if event.language_hint else "zh"
    if event.callback is not None:
        return _on_callback(s, event.callback, ctx)
    text = (event.text or "").strip()
    if text:
        command = parse_command(text)
        if command is not None:
            return _on_command(s, command[0], command[1], ctx)
        return _on_text(s, text, event, ctx)
    if event.location is not None or event.has_photo:
        return _on_attachment(s, event, ctx)
    return s, [Reply(t(s["lang"], "text_only"))], []


def after(state: Mapping[str, Any], command: Command, result: Result,
          ctx: Context) -> tuple[State, list[Reply]]:
    """The replies for a command's outcome, and the state that follows from it."""
    s: State = {**new_state(), **copy.deepcopy(dict(state))}
    lang = s["lang"] or "zh"
    if isinstance(command, Submit):
        return _after_submit(s, result, ctx)
    if isinstance(command, AddDetails):
        if result.ok:
            key = "answer_forwarded" if result.data.get("answered") else "details_added"
            return s, [Reply(t(lang, key, ref=command.reference))]
        return s, [Reply(_failure(lang, result, command.reference, "details_failed"))]
    if isinstance(command, Rate):
        return _after_rate(s, command, result)
    if isinstance(command, Comment):
        return _after_comment(s, command)
    if isinstance(command, Reopen):
        s["step"], s["survey"] = "idle", None
        if result.ok:
            return s, [Reply(t(lang, "reopened", ref=command.reference,
                               department=ctx.department(lang, result.data.get("department")),
                               days=result.data.get("working_days"),
                               due=_due(lang, result.data.get("resolution_due"))))]
        return s, [Reply(t(lang, "reopen_failed", ref=command.reference))]
    if isinstance(command, MyData):
        if result.ok:
            return s, [Reply(my_data_text(lang, result.data))]
        return s, [Reply(t(lang, "error"))]
    if isinstance(command, Forget):
        if result.ok:
            return new_state() | {"lang": lang}, [Reply(t(lang, "forgotten"))]
        return s, [Reply(t(lang, "error"))]
    if isinstance(command, Withdraw):
        if result.ok:
            return s, [Reply(t(lang, "withdrawn", ref=command.reference))]
        return s, [Reply(_failure(lang, result, command.reference, "withdraw_not_open"))]
    return s, []


# -- text ---------------------------------------------------------------------------------


def _on_text(s: State, text: str, event: Event, ctx: Context) -> Turn:
    nlu = dict(event.nlu or {})
    step = s["step"]
    if step == "idle" and (rating := _rating_digit(text, ctx)) is not None:
        return s, [], [rating]
    model_urgent = _label(nlu, "urgency", "normal")[0] == "urgent"
    if (nlu.get("rules") and step != "comment") or (
            model_urgent and step in ("idle", "describe", "choose_target")):
        return _urgent(s, text, nlu, ctx)
    if step in ("idle", "describe"):
        if step == "idle" and (turn := _idle_text(s, text, nlu, ctx)) is not None:
            return turn
        return _start_intake(s, text, nlu, ctx)
    if step == "choose_target":
        draft = s["draft"]
        draft["text"] = f"{draft['text']}\n{text}"
        return s, [_choose_target_reply(s, ctx, prefix=None)], []
    if step == "pick_domain":
        domain = _domain_from_words(text)
        if domain is None:
            return s, [_domain_list(s["lang"], "pick_domain_unclear")], []
        return _choose_domain(s, domain, ctx)
    if step == "location":
        if len(text) < 2:
            return s, [Reply(t(s["lang"], "location_too_short"), _cancel_row(s["lang"]))], []
        s["draft"]["address"] = text
        return s, _advance(s, ctx), []
    if step == "consent":
        if is_yes(text) or is_no(text):
            return _set_consent(s, is_yes(text), ctx)
        return s, [_consent_reply(s["lang"], t(s["lang"], "consent_unclear"))], []
    if step == "confirm":
        if is_yes(text):
            return _confirm(s)
        if is_no(text):
            return _cancel(s)
        s["draft"]["text"] = f"{s['draft']['text']}\n{text}"
        return s, [Reply(t(s["lang"], "added_to_draft")), _summary(s, ctx)], []
    if step == "comment":
        survey = s["survey"]
        return s, [], [Comment(survey["ref"], text)]
    if step == "reopen":
        if is_yes(text):
            return _reopen(s, s["survey"]["ref"])
        if is_no(text):
            return _survey_done(s)
        return s, [_reopen_offer(s["lang"], s["survey"]["ref"])], []
    s["step"] = "idle"
    return _start_intake(s, text, nlu, ctx)


def _idle_text(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn | None:
    """Text outside any intake: an answer to a department's question, or more for a case."""
    awaiting = [c for c in ctx.cases if c.status == "awaiting_resident"]
    if awaiting:
        return s, [], [AddDetails(awaiting[0].reference, text)]
    if ctx.open_cases():
        _detect_language(s, nlu)
        s["draft"] = _draft(text, nlu, s.get("draft"))
        s["step"] = "choose_target"
        return s, [_choose_target_reply(s, ctx, prefix=_greeting(s, ctx))], []
    return None


def _rating_digit(text: str, ctx: Context) -> Rate | None:
    """A bare 1-5 answers the survey of the newest case waiting for a rating."""
    if text not in {"1", "2", "3", "4", "5"}:
        return None
    waiting = [c for c in ctx.cases if c.status == "resolved" and c.rating is None]
    return Rate(waiting[0].reference, int(text)) if waiting else None


def _on_attachment(s: State, event: Event, ctx: Context) -> Turn:
    lang = s["lang"]
    if s["step"] in ("idle", "describe") or s["draft"] is None:
        draft = s["draft"] if s["step"] == "describe" and s["draft"] else _empty_draft()
        if event.location is not None:
            draft["location"] = list(event.location)
        draft["photo"] = draft["photo"] or event.has_photo
        s["draft"], s["step"] = draft, "describe"
        key = "photo_first" if event.has_photo else "location_first"
        return s, [Reply(t(lang, key), _cancel_row(lang))], []
    draft = s["draft"]
    if event.location is not None:
        draft["location"] = list(event.location)
    draft["photo"] = draft["photo"] or event.has_photo
    if s["step"] in ("location", "confirm"):
        return s, _advance(s, ctx), []
    return s, _reprompt(s, ctx), []


# -- intake ----------------------------------------------------------------------------------


def _empty_draft() -> dict[str, Any]:
    return {"text": "", "nlu": {}, "domain": "other", "confidence": 0.0, "domain_chosen": False,
            "low_confidence": False, "urgency": "normal", "kind": "demand", "address": None,
            "location": None, "photo": False}


def _label(nlu: Mapping[str, Any], axis: str, default: str) -> tuple[str, float]:
    value = nlu.get(axis)
    if isinstance(value, Mapping) and value.get("name"):
        return str(value["name"]), float(value.get("confidence") or 0.0)
    return default, 0.0


def _draft(text: str, nlu: Mapping[str, Any], previous: Mapping[str, Any] | None) -> dict[str, Any]:
    draft = _empty_draft()
    if previous:  # a photo or location sent before the words
        draft["location"], draft["photo"] = previous.get("location"), previous.get("photo", False)
    domain, confidence = _label(nlu, "domain", "other")
    places = [str(e.get("value")) for e in nlu.get("entities") or []
              if e.get("entity") == "location"]
    draft.update(
        text=text,
        nlu={k: nlu[k] for k in ("domain", "urgency", "kind", "entities", "rules", "language")
             if k in nlu},
        domain=domain if domain in DOMAINS else "other",
        confidence=confidence,
        low_confidence=bool(nlu.get("low_confidence")),
        urgency=_label(nlu, "urgency", "normal")[0],
        kind=_label(nlu, "kind", "demand")[0],
        address="".join(dict.fromkeys(places)) or None,
    )
    return draft


def _detect_language(s: State, nlu: Mapping[str, Any]) -> None:
    if not s["lang_fixed"] and nlu.get("language") in texts.LANGUAGES:
        s["lang"] = nlu["language"]


def _greeting(s: State, ctx: Context) -> str | None:
    if s["greeted"]:
        return None
    s["greeted"] = True
    return t(s["lang"], "greeting", city=ctx.city.get(s["lang"], ""))


def _start_intake(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn:
    _detect_language(s, nlu)
    if _label(nlu, "urgency", "normal")[0] == "urgent":
        return _urgent(s, text, nlu, ctx)
    s["draft"] = _draft(text, nlu, s["draft"] if s["step"] == "describe" else None)
    replies = _advance(s, ctx)
    if (greeting := _greeting(s, ctx)) is not None:
        first = replies[0]
        replies[0] = Reply(f"{greeting}\n{first.text}", first.buttons)
    return s, replies, []


def _urgent(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn:
    """Advice first, then the case, with no questions asked."""
    _detect_language(s, nlu)
    lang = s["lang"]
    previous = s["draft"] if s["step"] == "describe" else None
    draft = _draft(text, nlu, previous)
    s.update(step="idle", draft=None, greeted=True)
    command = Submit(text=text, domain=draft["domain"], domain_chosen=False, urgency="urgent",
                     kind=draft["kind"], language=lang, address=draft["address"],
                     consent=True, location=_loc(draft["location"]), has_photo=draft["photo"],
                     nlu=draft["nlu"])
    return s, [Reply(advice_text(ctx, lang, nlu.get("rules") or []))], [command]


def advice_text(ctx: Context, lang: str, rules: Sequence[Mapping[str, Any]]) -> str:
    keys = [RULE_ADVICE.get(str(rule.get("id")), "default") for rule in rules] or ["default"]
    found = [ctx.advice[k][lang] for k in dict.fromkeys(keys) if k in ctx.advice]
    if not found and "default" in ctx.advice:
        found = [ctx.advice["default"][lang]]
    return "\n\n".join(found) or t(lang, "help").splitlines()[-1]


def _loc(value: Any) -> tuple[float, float] | None:
    return (float(value[0]), float(value[1])) if value else None


def _needs_domain(s: State, ctx: Context) -> bool:
    d = s["draft"]
    if d["domain_chosen"]:
        return False
    return d["low_confidence"] or d["confidence"] < ctx.low_confidence_threshold


def _needs_place(d: Mapping[str, Any]) -> bool:
    return (d["domain"] in PLACE_BOUND and d["kind"] in PLACE_BOUND_KINDS
            and not d["address"] and not d["location"])


def _advance(s: State, ctx: Context) -> list[Reply]:
    """Ask the next missing thing, or show the summary."""
    lang, d = s["lang"], s["draft"]
    if _needs_domain(s, ctx):
        s["step"] = "pick_domain"
        return [_domain_list(lang, "pick_domain")]
    if _needs_place(d):
        s["step"] = "location"
        return [Reply(t(lang, "ask_location"), _cancel_row(lang))]
    if s["consent"] is None:
        s["step"] = "consent"
        return [_consent_reply(lang, t(lang, "ask_consent"))]
    s["step"] = "confirm"
    return [_summary(s, ctx)]


def _reprompt(s: State, ctx: Context) -> list[Reply]:
    """The question the resident still owes an answer to, asked again."""
    lang, step = s["lang"], s["step"]
    if step in ("pick_domain", "location", "consent", "confirm"):
        return _advance(s, ctx) if step != "pick_domain" else [_domain_list(lang, "pick_domain_again")]
    if step == "choose_target":
        return [_choose_target_reply(s, ctx, prefix=None)]
    if step == "describe":
        return [Reply(t(lang, "ask_describe"), _cancel_row(lang))]
    if step == "comment":
        return [_comment_prompt(lang, "comment_empty")]
    if step == "reopen":
        return [_reopen_offer(lang, s["survey"]["ref"])]
    return []


def _cancel_row(lang: str) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t(lang, "btn_cancel"), "x"),),)


def _consent_reply(lang: str, text: str) -> Reply:
    return Reply(text, ((Button(t(lang, "btn_yes"), "ct:y"), Button(t(lang, "btn_no"), "ct:n")),))


def _domain_list(lang: str, key: str) -> Reply:
    buttons = [Button(texts.domain_name(lang, d), f"d:{d}") for d in DOMAINS]
    per_row = 2 if lang == "en" else 3
    rows = [tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row)]
    rows.append((Button(t(lang, "btn_cancel"), "x"),))
    return Reply(t(lang, key), tuple(rows))


def _domain_from_words(text: str) -> str | None:
    word = _word(text)
    for domain in DOMAINS:
        if word in {domain, texts.domain_name("zh", domain), texts.domain_name("en", domain).lower()}:
            return domain
    hits = [d for d in DOMAINS if len(word) >= 2 and word in texts.domain_name("zh", d)]
    return hits[0] if len(hits) == 1 else None


def _summary(s: State, ctx: Context) -> Reply:
    lang, d = s["lang"], s["draft"]
    extras = ""
    if d["photo"]:
        extras += t(lang, "summary_photo")
    if d["location"]:
        extras += t(lang, "summary_location")
    if s["consent"] is False:
        extras += t(lang, "summary_no_contact")
    place = t(lang, "summary_place", place=d["address"]) if d["address"] else ""
    text = t(lang, "summary", domain=texts.domain_name(lang, d["domain"]),
             urgency=texts.urgency_name(lang, d["urgency"]),
             department=ctx.department(lang, ctx.routing.get(d["domain"])), place=place,
             text=_short(d["text"]), extras=extras)
    return Reply(text, (
        (Button(t(lang, "btn_confirm"), "ok"),),
        (Button(t(lang, "btn_change_domain"), "dom"), Button(t(lang, "btn_cancel"), "x")),
    ))


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _choose_domain(s: State, domain: str, ctx: Context) -> Turn:
    s["draft"].update(domain=domain, domain_chosen=True)
    return s, _advance(s, ctx), []


def _set_consent(s: State, consent: bool, ctx: Context) -> Turn:
    s["consent"] = consent
    return s, _advance(s, ctx), []


def _confirm(s: State) -> Turn:
    d = s["draft"]
    command = Submit(text=d["text"], domain=d["domain"], domain_chosen=d["domain_chosen"],
                     urgency=d["urgency"], kind=d["kind"], language=s["lang"],
                     address=d["address"], consent=bool(s["consent"]),
                     location=_loc(d["location"]), has_photo=d["photo"], nlu=d["nlu"])
    return s, [], [command]


def _cancel(s: State) -> Turn:
    lang = s["lang"]
    if s["step"] == "idle" and not s["draft"]:
        return s, [Reply(t(lang, "nothing_to_cancel"))], []
    s.update(step="idle", draft=None, survey=None)
    return s, [Reply(t(lang, "cancelled"))], []


def _after_submit(s: State, result: Result, ctx: Context) -> tuple[State, list[Reply]]:
    lang = s["lang"]
    if not result.ok:
        if s["draft"]:
            s["step"] = "confirm"
            key = "too_many_cases" if result.error == "rate_limited" else "submit_failed"
            return s, [Reply(t(lang, key, **dict(result.data)), _summary(s, ctx).buttons)]
        return s, [Reply(t(lang, "error"))]
    s.update(step="idle", draft=None)
    data = result.data
    lines = [t(lang, "created", ref=data["reference"],
               department=ctx.department(lang, data.get("department")),
               days=data.get("working_days"), due=_due(lang, data.get("resolution_due")))]
    first = data.get("first_response_due")
    if isinstance(first, dt.datetime):
        lines.append(t(lang, "created_first_response", when=texts.date_time(lang, first)))
    lines.append(t(lang, "created_tail"))
    return s, [Reply("\n".join(lines))]


def _due(lang: str, value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    return texts.date(lang, value) if isinstance(value, dt.date) else "—"


def _choose_target_reply(s: State, ctx: Context, prefix: str | None) -> Reply:
    lang = s["lang"]
    rows = [(Button(t(lang, "btn_add_to", ref=c.reference), f"add:{c.reference}"),)
            for c in ctx.open_cases()[:3]]
    rows.append((Button(t(lang, "btn_new_problem"), "new"),))
    rows.append((Button(t(lang, "btn_cancel"), "x"),))
    text = t(lang, "choose_target")
    return Reply(f"{prefix}\n{text}" if prefix else text, tuple(rows))


# -- survey ----------------------------------------------------------------------------------


def _comment_prompt(lang: str, key: str) -> Reply:
    return Reply(t(lang, key), ((Button(t(lang, "btn_skip"), "skip"),),))


def _reopen_offer(lang: str, ref: str) -> Reply:
    return Reply(t(lang, "survey_offer_reopen", ref=ref), (
        (Button(t(lang, "btn_reopen"), f"ro:{ref}:y"), Button(t(lang, "btn_no_reopen"), f"ro:{ref}:n")),
    ))


def _after_rate(s: State, command: Rate, result: Result) -> tuple[State, list[Reply]]:
    lang = s["lang"]
    if not result.ok:
        key = {"already_rated": "already_rated"}.get(result.error or "", "not_ratable")
        return s, [Reply(_failure(lang, result, command.reference, key))]
    s["survey"] = {"ref": command.reference, "score": command.score}
    s["step"] = "comment"
    return s, [_comment_prompt(lang, "survey_thanks")]


def _after_comment(s: State, command: Comment) -> tuple[State, list[Reply]]:
    lang = s["lang"]
    replies = [Reply(t(lang, "survey_comment_saved"))]
    return _after_survey_answer(s, command.reference, replies)


def _after_survey_answer(s: State, ref: str, replies: list[Reply]) -> tuple[State, list[Reply]]:
    survey = s["survey"] or {}
    if int(survey.get("score") or 5) <= 2:
        s["step"] = "reopen"
        return s, [*replies, _reopen_offer(s["lang"], ref)]
    s.update(step="idle", survey=None)
    return s, replies


def _survey_done(s: State) -> Turn:
    s.update(step="idle", survey=None)
    return s, [Reply(t(s["lang"], "survey_done"))], []


def _reopen(s: State, ref: str) -> Turn:
    survey = s["survey"] or {}
    score = survey.get("score")
    reason = f"resident asked to reopen after rating {score}" if score else "resident asked to reopen"
    return s, [], [Reopen(ref, reason)]


def _failure(lang: str, result: Result, ref: str, default_key: str) -> str:
    if result.error == "not_found":
        return t(lang, "case_not_found", ref=ref)
    if result.error == "failed":
        return t(lang, "error")
    return t(lang, default_key, ref=ref)


# -- buttons ---------------------------------------------------------------------------------


def _on_callback(s: State, data: str, ctx: Context) -> Turn:
    lang, step = s["lang"], s["step"]
    kind, _, rest = data.partition(":")
    if kind == "rate":
        ref, _, score = rest.rpartition(":")
        if ref and score in {"1", "2", "3", "4", "5"}:
            return s, [], [Rate(ref, int(score))]
    elif kind == "ro":
        ref, _, answer = rest.rpartition(":")
        if ref and answer == "y":
            return _reopen(s, ref)
        if ref and answer == "n":
            return _survey_done(s)
    elif kind == "wd" and rest:
        return s, [], [Withdraw(rest)]
    elif kind == "lang" and rest in texts.LANGUAGES:
        return _set_language(s, rest)
    elif kind == "x":
        return _cancel(s)
    elif kind == "fg" and rest == "y" and step == "forget":
        s.update(step="idle", draft=None)
        return s, [], [Forget()]
    elif kind == "skip" and step == "comment":
        s2, replies = _after_survey_answer(s, s["survey"]["ref"], [])
        return s2, replies or [Reply(t(lang, "survey_done"))], []
    elif kind == "ok" and step == "confirm":
        return _confirm(s)
    elif kind == "dom" and step in ("confirm", "location", "consent"):
        s["step"] = "pick_domain"
        return s, [_domain_list(lang, "pick_domain_again")], []
    elif kind == "d" and step == "pick_domain" and rest in DOMAINS:
        return _choose_domain(s, rest, ctx)
    elif kind == "ct" and step == "consent" and rest in ("y", "n"):
        return _set_consent(s, rest == "y", ctx)
    elif kind == "add" and step == "choose_target" and rest:
        text = s["draft"]["text"]
        s.update(step="idle", draft=None)
        return s, [], [AddDetails(rest, text)]
    elif kind == "new" and step == "choose_target":
        draft = s["draft"]
        s["step"] = "describe"
        return _start_intake(s, draft["text"], _replay_nlu(draft), ctx)
    return s, [Reply(t(lang, "stale_button")), *_reprompt(s, ctx)], []


def _replay_nlu(draft: Mapping[str, Any]) -> dict[str, Any]:
    nlu = dict(draft.get("nlu") or {})
    nlu["low_confidence"] = draft.get("low_confidence", False)
    return nlu


# -- commands ------------------------------------------------------------------------------


def _on_command(s: State, name: str, arg: str, ctx: Context) -> Turn:
    lang = s["lang"]
    if name == "start":
        s.update(step="idle", draft=None, greeted=True)
        return s, [Reply(t(lang, "welcome", city=ctx.city.get(lang, "")))], []
    if name == "help":
        return s, [Reply(t(lang, "help")), *_reprompt(s, ctx)], []
    if name == "new":
        s.update(step="describe", draft=None, greeted=True)
        return s, [Reply(t(lang, "ask_describe"), _cancel_row(lang))], []
    if name == "cancel":
        return _cancel(s)
    if name == "status":
        return s, [_status(lang, arg, ctx)], []
    if name == "mycases":
        return s, [_my_cases(lang, ctx)], []
    if name == "withdraw":
        return _withdraw(s, arg, ctx)
    if name == "mydata":
        return s, [], [MyData()]
    if name == "forget":
        s.update(step="forget", draft=None, survey=None)
        return s, [Reply(t(lang, "forget_confirm"), (
            (Button(t(lang, "btn_forget"), "fg:y"),), (Button(t(lang, "btn_cancel"), "x"),)))], []
    if name == "lang":
        if arg.lower() in texts.LANGUAGES:
            return _set_language(s, arg.lower())
        return s, [Reply(t(lang, "lang_which"), ((Button("中文", "lang:zh"),
                                                  Button("English", "lang:en")),))], []
    return s, [Reply(t(lang, "unknown_command")), *_reprompt(s, ctx)], []


def _set_language(s: State, lang: str) -> Turn:
    s.update(lang=lang, lang_fixed=True)
    return s, [Reply(t(lang, "lang_set"))], [SetLanguage(lang)]


def _withdraw(s: State, arg: str, ctx: Context) -> Turn:
    lang = s["lang"]
    if arg:
        ref = normalise_reference(arg)
        if ref is None:
            return s, [Reply(t(lang, "bad_reference"))], []
        return s, [], [Withdraw(ref)]
    open_cases = ctx.open_cases()
    if not open_cases:
        return s, [Reply(t(lang, "no_open_cases"))], []
    rows = tuple((Button(t(lang, "btn_withdraw", ref=c.reference), f"wd:{c.reference}"),)
                 for c in open_cases[:5])
    return s, [Reply(t(lang, "withdraw_which"), rows)], []


def _status(lang: str, arg: str, ctx: Context) -> Reply:
    if arg:
        ref = normalise_reference(arg)
        if ref is None:
            return Reply(t(lang, "bad_reference"))
        case = ctx.case(ref)
        if case is None:
            return Reply(t(lang, "case_not_found", ref=ref))
        return Reply(_case_detail(lang, case, ctx))
    open_cases = ctx.open_cases()
    if not open_cases:
        return Reply(t(lang, "no_open_cases") if ctx.cases else t(lang, "no_cases"))
    lines = [t(lang, "open_cases_header")]
    lines += [_case_line(lang, c, ctx) for c in open_cases]
    return Reply("\n".join(lines))


def _my_cases(lang: str, ctx: Context) -> Reply:
    if not ctx.cases:
        return Reply(t(lang, "no_cases"))
    shown = ctx.cases[:10]
    lines = [t(lang, "all_cases_header", n=len(shown))]
    lines += [_case_line(lang, c, ctx) for c in shown]
    return Reply("\n".join(lines))


def _case_line(lang: str, case: CaseBrief, ctx: Context) -> str:
    line = t(lang, "case_line", ref=case.reference, domain=texts.domain_name(lang, case.domain),
             status=texts.status_name(lang, case.status))
    if case.status in OPEN and case.resolution_due is not None:
        line += "\n  " + _time_left(lang, case, ctx)
    return line


def _time_left(lang: str, case: CaseBrief, ctx: Context) -> str:
    assert case.resolution_due is not None
    due = texts.date(lang, case.resolution_due)
    if case.resolution_due < ctx.today:
        return t(lang, "case_overdue", due=due)
    if case.resolution_due == ctx.today:
        return t(lang, "case_due_today", due=due)
    return t(lang, "case_due_left", due=due, days=case.working_days_left)


def _case_detail(lang: str, case: CaseBrief, ctx: Context) -> str:
    text = t(lang, "case_detail", ref=case.reference, domain=texts.domain_name(lang, case.domain),
             status=texts.status_name(lang, case.status),
             department=ctx.department(lang, case.department),
             created=texts.date(lang, case.created))
    if case.status in OPEN and case.resolution_due is not None:
        text += "\n" + _time_left(lang, case, ctx)
    if case.rating is not None:
        text += t(lang, "case_rating", score=case.rating)
    return text


def my_data_text(lang: str, data: Mapping[str, Any]) -> str:
    """What the service found stored about the resident, as one readable message."""
    identity = data.get("identity")
    if not identity and not data.get("cases"):
        return t(lang, "mydata_nothing")
    lines = [t(lang, "mydata_header")]
    if identity:
        lines.append(t(lang, "mydata_identity", channel=identity.get("channel"),
                       name=identity.get("display_name") or "—",
                       phone=identity.get("phone") or "—", since=identity.get("since")))
    for case in data.get("cases") or []:
        lines.append(t(lang, "mydata_case", ref=case["reference"],
                       status=texts.status_name(lang, case["status"]),
                       created=case["created"], text=_short(str(case["description"]), 80),
                       address=case.get("address") or "—", phone=case.get("phone") or "—",
                       files=case.get("attachments", 0)))
    for rating in data.get("ratings") or []:
        lines.append(t(lang, "mydata_rating", ref=rating["reference"], score=rating["score"],
                       comment=rating.get("comment") or "—"))
    lines.append(t(lang, "mydata_tail"))
    return "\n".join(lines)
