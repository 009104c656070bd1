"""Taking a problem in: starting and growing a draft, the urgent path with its advice,
photos and locations, and the questions still missing (domain, place, consent)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot import texts
from bot.dialogue.common import as_location, cancel_row
from bot.dialogue.confirmation import choose_target_reply, summary
from bot.dialogue.model import AddDetails, Button, Context, Event, Reply, State, Submit, Turn
from bot.dialogue.parsing import as_word, is_no, is_yes
from bot.dialogue.survey import comment_prompt, reopen_offer
from bot.texts import t

PLACE_BOUND = frozenset(
    {"housing", "utilities", "transport", "environment", "public_safety", "community"}
)
PLACE_BOUND_KINDS = frozenset({"demand", "complaint"})

# NLU safety-rule ids -> keys of settings.emergency.advice (anything else: "default").
RULE_ADVICE = {
    "gas_leak": "gas",
    "gas": "gas",
    "fire_smoke": "fire",
    "fire": "fire",
    "trapped": "trapped",
    "elderly_fall_alone": "fall",
    "fall": "fall",
    "home_flooding": "flood",
    "flood": "flood",
    "self_harm": "self_harm",
    "child_in_danger": "child",
    "child": "child",
    "life_support_power": "power_medical",
    "power_medical": "power_medical",
    "no_heating_frail_cold": "cold",
    "cold": "cold",
}


def label(nlu: Mapping[str, Any], axis: str, default: str) -> tuple[str, float]:
    value = nlu.get(axis)
    if isinstance(value, Mapping) and value.get("name"):
        return str(value["name"]), float(value.get("confidence") or 0.0)
    return default, 0.0


def idle_text(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn | None:
    """Text outside any intake: an answer to a department's question, or more for a case."""
    awaiting = [c for c in ctx.cases if c.status == "awaiting_resident"]
    if awaiting:
        return s, [], [AddDetails(awaiting[0].reference, text)]
    if ctx.open_cases():
        _detect_language(s, nlu)
        s["draft"] = _draft(text, nlu, s.get("draft"))
        s["step"] = "choose_target"
        return s, [choose_target_reply(s, ctx, prefix=_greeting(s, ctx))], []
    return None


def start_intake(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn:
    _detect_language(s, nlu)
    if label(nlu, "urgency", "normal")[0] == "urgent":
        return urgent(s, text, nlu, ctx)
    s["draft"] = _draft(text, nlu, s["draft"] if s["step"] == "describe" else None)
    replies = advance(s, ctx)
    if (greeting := _greeting(s, ctx)) is not None:
        first = replies[0]
        replies[0] = Reply(f"{greeting}\n{first.text}", first.buttons)
    return s, replies, []


def new_from_target(s: State, ctx: Context) -> Turn:
    """The words kept while choosing a case become a new problem after all."""
    draft = s["draft"]
    s["step"] = "describe"
    return start_intake(s, draft["text"], _replay_nlu(draft), ctx)


def urgent(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn:
    """Advice first, then the case, with no questions asked."""
    _detect_language(s, nlu)
    lang = s["lang"]
    previous = s["draft"] if s["step"] == "describe" else None
    draft = _draft(text, nlu, previous)
    s.update(step="idle", draft=None, greeted=True)
    command = Submit(
        text=text,
        domain=draft["domain"],
        domain_chosen=False,
        urgency="urgent",
        kind=draft["kind"],
        language=lang,
        address=draft["address"],
        consent=True,
        location=as_location(draft["location"]),
        has_photo=draft["photo"],
        nlu=draft["nlu"],
    )
    return s, [Reply(advice_text(ctx, lang, nlu.get("rules") or []))], [command]


def advice_text(ctx: Context, lang: str, rules: Sequence[Mapping[str, Any]]) -> str:
    keys = [RULE_ADVICE.get(str(rule.get("id")), "default") for rule in rules] or ["default"]
    found = [ctx.advice[k][lang] for k in dict.fromkeys(keys) if k in ctx.advice]
    if not found and "default" in ctx.advice:
        found = [ctx.advice["default"][lang]]
    return "\n\n".join(found) or t(lang, "help").splitlines()[-1]


def on_attachment(s: State, event: Event, ctx: Context) -> Turn:
    lang = s["lang"]
    if s["step"] in ("idle", "describe") or s["draft"] is None:
        draft = s["draft"] if s["step"] == "describe" and s["draft"] else _empty_draft()
        if event.location is not None:
            draft["location"] = list(event.location)
        draft["photo"] = draft["photo"] or event.has_photo
        s["draft"], s["step"] = draft, "describe"
        key = "photo_first" if event.has_photo else "location_first"
        return s, [Reply(t(lang, key), cancel_row(lang))], []
    draft = s["draft"]
    if event.location is not None:
        draft["location"] = list(event.location)
    draft["photo"] = draft["photo"] or event.has_photo
    if s["step"] in ("location", "confirm"):
        return s, advance(s, ctx), []
    return s, reprompt(s, ctx), []


# -- the questions ---------------------------------------------------------------------------


def advance(s: State, ctx: Context) -> list[Reply]:
    """Ask the next missing thing, or show the summary."""
    lang, d = s["lang"], s["draft"]
    if _needs_domain(s, ctx):
        s["step"] = "pick_domain"
        return [_domain_list(lang, "pick_domain", ctx)]
    if _needs_place(d):
        s["step"] = "location"
        return [Reply(t(lang, "ask_location"), cancel_row(lang))]
    if s["consent"] is None:
        s["step"] = "consent"
        return [_consent_reply(lang, t(lang, "ask_consent"))]
    s["step"] = "confirm"
    return [summary(s, ctx)]


def reprompt(s: State, ctx: Context) -> list[Reply]:
    """The question the resident still owes an answer to, asked again."""
    lang, step = s["lang"], s["step"]
    if step in ("pick_domain", "location", "consent", "confirm"):
        return (
            advance(s, ctx)
            if step != "pick_domain"
            else [_domain_list(lang, "pick_domain_again", ctx)]
        )
    if step == "choose_target":
        return [choose_target_reply(s, ctx, prefix=None)]
    if step == "describe":
        return [Reply(t(lang, "ask_describe"), cancel_row(lang))]
    if step == "comment":
        return [comment_prompt(lang, "comment_empty")]
    if step == "reopen":
        return [reopen_offer(lang, s["survey"]["ref"])]
    return []


def domain_text(s: State, text: str, ctx: Context) -> Turn:
    domain = _domain_from_words(text, ctx)
    if domain is None:
        return s, [_domain_list(s["lang"], "pick_domain_unclear", ctx)], []
    return choose_domain(s, domain, ctx)


def ask_domain_again(s: State, ctx: Context) -> Turn:
    s["step"] = "pick_domain"
    return s, [_domain_list(s["lang"], "pick_domain_again", ctx)], []


def choose_domain(s: State, domain: str, ctx: Context) -> Turn:
    s["draft"].update(domain=domain, domain_chosen=True)
    return s, advance(s, ctx), []


def location_text(s: State, text: str, ctx: Context) -> Turn:
    if len(text) < 2:
        return s, [Reply(t(s["lang"], "location_too_short"), cancel_row(s["lang"]))], []
    s["draft"]["address"] = text
    return s, advance(s, ctx), []


def consent_text(s: State, text: str, ctx: Context) -> Turn:
    if is_yes(text) or is_no(text):
        return set_consent(s, is_yes(text), ctx)
    return s, [_consent_reply(s["lang"], t(s["lang"], "consent_unclear"))], []


def set_consent(s: State, consent: bool, ctx: Context) -> Turn:
    s["consent"] = consent
    return s, advance(s, ctx), []


# -- the draft -------------------------------------------------------------------------------


def _empty_draft() -> dict[str, Any]:
    return {
        "text": "",
        "nlu": {},
        "domain": "other",
        "confidence": 0.0,
        "domain_chosen": False,
        "low_confidence": False,
        "urgency": "normal",
        "kind": "demand",
        "address": None,
        "location": None,
        "photo": False,
    }


def _draft(text: str, nlu: Mapping[str, Any], previous: Mapping[str, Any] | None) -> dict[str, Any]:
    draft = _empty_draft()
    if previous:  # a photo or location sent before the words
        draft["location"], draft["photo"] = previous.get("location"), previous.get("photo", False)
    domain, confidence = label(nlu, "domain", "other")
    places = [
        str(e.get("value")) for e in nlu.get("entities") or [] if e.get("entity") == "location"
    ]
    draft.update(
        text=text,
        nlu={
            k: nlu[k]
            for k in ("domain", "urgency", "kind", "entities", "rules", "language")
            if k in nlu
        },
        # Any key the model predicts: start-up checks its labels against the city's taxonomy.
        domain=domain or "other",
        confidence=confidence,
        low_confidence=bool(nlu.get("low_confidence")),
        urgency=label(nlu, "urgency", "normal")[0],
        kind=label(nlu, "kind", "demand")[0],
        address="".join(dict.fromkeys(places)) or None,
    )
    return draft


def _replay_nlu(draft: Mapping[str, Any]) -> dict[str, Any]:
    nlu = dict(draft.get("nlu") or {})
    nlu["low_confidence"] = draft.get("low_confidence", False)
    return nlu


def _detect_language(s: State, nlu: Mapping[str, Any]) -> None:
    if not s["lang_fixed"] and nlu.get("language") in texts.LANGUAGES:
        s["lang"] = nlu["language"]


def _greeting(s: State, ctx: Context) -> str | None:
    if s["greeted"]:
        return None
    s["greeted"] = True
    return t(s["lang"], "greeting", city=ctx.city.get(s["lang"], ""))


def _needs_domain(s: State, ctx: Context) -> bool:
    d = s["draft"]
    if d["domain_chosen"]:
        return False
    return bool(d["low_confidence"]) or d["confidence"] < ctx.low_confidence_threshold


def _needs_place(d: Mapping[str, Any]) -> bool:
    return (
        d["domain"] in PLACE_BOUND
        and d["kind"] in PLACE_BOUND_KINDS
        and not d["address"]
        and not d["location"]
    )


def _consent_reply(lang: str, text: str) -> Reply:
    return Reply(text, ((Button(t(lang, "btn_yes"), "ct:y"), Button(t(lang, "btn_no"), "ct:n")),))


def _domain_list(lang: str, key: str, ctx: Context) -> Reply:
    buttons = [Button(ctx.domain_name(lang, d), f"d:{d}") for d in ctx.domain_keys()]
    per_row = 2 if lang == "en" else 3
    rows = [tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]
    rows.append((Button(t(lang, "btn_cancel"), "x"),))
    return Reply(t(lang, key), tuple(rows))


def _domain_from_words(text: str, ctx: Context) -> str | None:
    word = as_word(text)
    keys = ctx.domain_keys()
    for domain in keys:
        if word in {
            domain,
            ctx.domain_name("zh", domain),
            ctx.domain_name("en", domain).lower(),
        }:
            return domain
    hits = [d for d in keys if len(word) >= 2 and word in ctx.domain_name("zh", d)]
    return hits[0] if len(hits) == 1 else None
