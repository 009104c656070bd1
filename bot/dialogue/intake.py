"""Taking a problem in: starting and growing a draft, the safety question, the urgent path
with its advice and the place and number asked after it, answers from the FAQ, photos and
locations, and the questions still missing (domain, place, consent)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot import texts
from bot.dialogue.common import as_location, cancel_row, label, skippable
from bot.dialogue.confirmation import (
    choose_target_reply,
    continuation_candidates,
    summary,
)
from bot.dialogue.model import (
    AddContact,
    AddDetails,
    Button,
    Context,
    Event,
    FaqEntry,
    Reply,
    Result,
    State,
    Submit,
    Turn,
)
from bot.dialogue.parsing import as_word, find_phone, is_contentless, is_no, is_skip, is_yes
from bot.dialogue.survey import comment_prompt, reopen_offer
from bot.texts import t

PLACE_BOUND = frozenset(
    {"housing", "utilities", "transport", "environment", "public_safety", "community"}
)
PLACE_BOUND_KINDS = frozenset({"demand", "complaint"})

# NLU safety-rule ids -> keys of settings.emergency.advice, for parse results that carry no
# "advice" key of their own (anything else: "default").
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


def take_text(
    s: State, text: str, nlu: Mapping[str, Any], ctx: Context, *, safety_asked: bool = False
) -> Turn:
    """Words outside any question: the safety question first, then an open case, then intake."""
    if not safety_asked and needs_safety_question(nlu):
        return ask_safety(s, text, nlu, ctx)
    if s["step"] == "idle" and (turn := idle_text(s, text, nlu, ctx)) is not None:
        return turn
    return start_intake(s, text, nlu, ctx)


def idle_text(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn | None:
    """Text outside any intake: an answer to a department's question, or more for a case."""
    awaiting = [c for c in ctx.cases if c.status == "awaiting_resident"]
    if awaiting:
        return s, [], [AddDetails(awaiting[0].reference, text)]
    targets = continuation_candidates(text, nlu, ctx)
    if targets:
        _detect_language(s, nlu)
        s["draft"] = _draft(text, nlu, s.get("draft"))
        s["draft"]["targets"] = [c.reference for c in targets]
        s["step"] = "choose_target"
        return s, [choose_target_reply(s, ctx, prefix=_greeting(s, ctx))], []
    return None


def contentless(s: State, ctx: Context) -> Turn:
    """A digit, an emoji, "在吗": a friendly question, never a case."""
    lang = s["lang"]
    if s["step"] == "describe":
        return s, [Reply(t(lang, "ask_describe"), cancel_row(lang))], []
    s.update(step="idle", draft=None)
    if not s["greeted"]:
        s["greeted"] = True
        return s, [Reply(t(lang, "welcome", city=ctx.city.get(lang, "")))], []
    return s, [Reply(t(lang, "short_message"))], []


def start_intake(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn:
    _detect_language(s, nlu)
    if label(nlu, "urgency", "normal")[0] == "urgent":
        return urgent(s, text, nlu, ctx)
    s["draft"] = _draft(text, nlu, s["draft"] if s["step"] == "describe" else None)
    entry = faq_answer(s["draft"], ctx)
    if entry is not None:
        s["step"] = "faq"
        replies = [_faq_reply(s["lang"], entry)]
    else:
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


# -- the safety question -------------------------------------------------------------------


def needs_safety_question(nlu: Mapping[str, Any]) -> bool:
    """Pressing words about someone who may not help themselves, and no safety rule fired."""
    signals = nlu.get("signals") or {}
    return (
        not nlu.get("rules")
        and label(nlu, "urgency", "normal")[0] == "high"
        and bool(signals.get("vulnerable_person"))
    )


def ask_safety(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn:
    _detect_language(s, nlu)
    previous = s["draft"] if s["step"] == "describe" else None
    draft = _draft(text, nlu, previous)
    draft["resume"] = s["step"]
    s.update(draft=draft, step="safety")
    question = t(s["lang"], "safety_question")
    greeting = _greeting(s, ctx)
    return s, [_safety_reply(s["lang"], f"{greeting}\n{question}" if greeting else question)], []


def safety_text(s: State, text: str, ctx: Context) -> Turn:
    word = as_word(text)
    if is_yes(text) or word in {"有", "有人", "有危险", "是有"}:
        return safety_answer(s, True, ctx)
    if is_no(text) or word in {"没有", "没", "无", "没人", "都没有", "nobody", "no one"}:
        return safety_answer(s, False, ctx)
    s["draft"]["text"] = f"{s['draft']['text']}\n{text}"
    return s, [_safety_reply(s["lang"], t(s["lang"], "safety_unclear"))], []


def safety_answer(s: State, danger: bool, ctx: Context) -> Turn:
    """Yes: the urgent path with its advice. No: the intake goes on as if never asked."""
    draft = s["draft"]
    if danger:
        draft["safety_answer"] = "yes"
        return _submit_urgent(s, draft, [], ctx)
    s["step"] = draft.pop("resume", "idle")
    if s["step"] != "describe":
        s["draft"] = None
    turn = take_text(s, draft["text"], _replay_nlu(draft), ctx, safety_asked=True)
    if s["draft"] is not None:
        s["draft"]["safety_answer"] = "no"
    return turn


def _safety_reply(lang: str, text: str) -> Reply:
    return Reply(
        text,
        ((Button(t(lang, "btn_safety_yes"), "sf:y"), Button(t(lang, "btn_safety_no"), "sf:n")),),
    )


# -- the urgent path -----------------------------------------------------------------------


def urgent(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn:
    """Advice first, then the case, with no questions asked before it exists."""
    _detect_language(s, nlu)
    previous = s["draft"] if s["step"] in ("describe", "safety") else None
    if s["step"] == "safety" and previous:
        text = f"{previous['text']}\n{text}"
    return _submit_urgent(s, _draft(text, nlu, previous), nlu.get("rules") or [], ctx)


def _submit_urgent(
    s: State, draft: Mapping[str, Any], rules: Sequence[Mapping[str, Any]], ctx: Context
) -> Turn:
    lang = s["lang"]
    s.update(step="idle", draft=None, greeted=True)
    # What to ask once the case exists: only what the words did not already give.
    s["urgent"] = {
        "place": not (draft["address"] or draft["location"]),
        "phone": find_phone(draft["text"]) is None,
    }
    command = Submit(
        text=draft["text"],
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
        safety_answer=draft.get("safety_answer"),
    )
    return s, [Reply(advice_text(ctx, lang, rules))], [command]


def urgent_contact_text(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn:
    """The exact place, then a callback number, for the urgent case just created."""
    lang, follow = s["lang"], s.get("urgent") or {}
    # Still in danger words: the advice again, and the words still answer the question.
    extra = [Reply(advice_text(ctx, lang, nlu["rules"]))] if nlu.get("rules") else []
    if not follow.get("ref"):
        s.update(step="idle", urgent=None)
        return take_text(s, text, nlu, ctx)
    if is_skip(text):
        return s, [*extra, *urgent_next(s)], []
    if s["step"] == "urgent_place":
        if is_contentless(text):
            return s, [*extra, skippable(lang, "location_too_short")], []
        phone = find_phone(text)
        if phone is not None:
            follow["phone"] = False
        s["step"] = "urgent_phone" if follow.get("phone") else "idle"
        return s, extra, [AddContact(follow["ref"], address=text, phone=phone)]
    phone = find_phone(text)
    if phone is None:
        return s, [*extra, skippable(lang, "urgent_phone_unclear")], []
    s["step"] = "idle"
    return s, extra, [AddContact(follow["ref"], phone=phone)]


def urgent_next(s: State) -> list[Reply]:
    """Past one follow-up question (answered or skipped): the next one, or the thanks."""
    lang, follow = s["lang"], s.get("urgent") or {}
    if s["step"] == "urgent_place" and follow.get("phone"):
        s["step"] = "urgent_phone"
        return [skippable(lang, "urgent_ask_phone")]
    s.update(step="idle", urgent=None)
    return [Reply(t(lang, "urgent_contact_done"))]


def after_add_contact(s: State, command: AddContact, result: Result) -> tuple[State, list[Reply]]:
    lang = s["lang"] or "zh"
    if not result.ok:
        if s["step"] in ("urgent_place", "urgent_phone"):
            s["step"] = "idle"
        s["urgent"] = None
        return s, [Reply(t(lang, "urgent_contact_failed", ref=command.reference))]
    saved = []
    if command.address or command.location:
        saved.append(t(lang, "urgent_place_saved", ref=command.reference))
    if command.phone:
        saved.append(t(lang, "urgent_phone_saved", ref=command.reference))
    if s["step"] == "urgent_phone":
        ask = skippable(lang, "urgent_ask_phone")
        return s, [Reply("\n".join([*saved, ask.text]), ask.buttons)]
    s["urgent"] = None
    return s, [Reply("\n".join([*saved, t(lang, "urgent_contact_done")]))]


def advice_text(ctx: Context, lang: str, rules: Sequence[Mapping[str, Any]]) -> str:
    keys = [
        str(rule.get("advice") or RULE_ADVICE.get(str(rule.get("id")), "default")) for rule in rules
    ] or ["default"]
    found = [ctx.advice[k][lang] for k in dict.fromkeys(keys) if k in ctx.advice]
    if not found and "default" in ctx.advice:
        found = [ctx.advice["default"][lang]]
    return "\n\n".join(found) or t(lang, "help").splitlines()[-1]


def on_attachment(s: State, event: Event, ctx: Context) -> Turn:
    lang = s["lang"]
    follow = s.get("urgent") or {}
    if s["step"] == "urgent_place" and event.location is not None and follow.get("ref"):
        s["step"] = "urgent_phone" if follow.get("phone") else "idle"
        return s, [], [AddContact(follow["ref"], location=event.location)]
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
    if step == "safety":
        return [_safety_reply(lang, t(lang, "safety_question"))]
    if step == "faq":
        entry = faq_answer(s["draft"], ctx)
        return [_faq_reply(lang, entry)] if entry is not None else advance(s, ctx)
    if step in ("urgent_place", "urgent_phone"):
        key = "urgent_ask_place" if step == "urgent_place" else "urgent_ask_phone"
        return [skippable(lang, key)]
    return []


def domain_text(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn:
    """Words typed while the areas are shown: an area's name, or more of the description."""
    lang = s["lang"]
    domain = _domain_from_words(text, ctx)
    if domain is not None:
        return choose_domain(s, domain, ctx)
    if is_contentless(text):
        return s, [_domain_list(lang, "pick_domain_unclear", ctx)], []
    d = s["draft"]
    d["text"] = f"{d['text']}\n{text}" if d["text"] else text
    new_domain, confidence = label(nlu, "domain", "other")
    if (
        new_domain in ctx.domain_keys()
        and new_domain != "other"
        and confidence >= ctx.low_confidence_threshold
        and not nlu.get("low_confidence")
    ):
        # The new words say clearly what it is about: they describe the problem afresh.
        fresh = _draft(text, nlu, None)
        kept = dict(d["nlu"])
        kept.update(fresh["nlu"])
        kept["entities"] = [
            *(d["nlu"].get("entities") or []),
            *(fresh["nlu"].get("entities") or []),
        ]
        d.update(
            domain=fresh["domain"],
            confidence=fresh["confidence"],
            low_confidence=False,
            kind=fresh["kind"],
            urgency=fresh["urgency"],
            address=d["address"] or fresh["address"],
            nlu=kept,
        )
        return s, [Reply(t(lang, "added_to_draft")), *advance(s, ctx)], []
    return s, [_domain_list(lang, "added_pick_domain", ctx)], []


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
        "safety_answer": None,
    }


def _draft(text: str, nlu: Mapping[str, Any], previous: Mapping[str, Any] | None) -> dict[str, Any]:
    draft = _empty_draft()
    if previous:  # a photo or location sent before the words
        draft["location"], draft["photo"] = previous.get("location"), previous.get("photo", False)
        draft["safety_answer"] = previous.get("safety_answer")
    domain, confidence = label(nlu, "domain", "other")
    places = [
        str(e.get("value")) for e in nlu.get("entities") or [] if e.get("entity") == "location"
    ]
    draft.update(
        text=text,
        nlu={
            k: nlu[k]
            for k in ("domain", "urgency", "kind", "entities", "rules", "language", "signals")
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


def faq_answer(draft: Mapping[str, Any] | None, ctx: Context) -> FaqEntry | None:
    """The configured answer to a question, when one of its patterns matches the words."""
    if not draft or draft.get("kind") != "inquiry" or not ctx.faq:
        return None
    clear = not draft.get("low_confidence") and draft["confidence"] >= ctx.low_confidence_threshold
    for entry in ctx.faq:
        if entry.domain and clear and draft["domain"] not in (entry.domain, "other"):
            continue
        patterns = [p for lang in ("zh", "en") for p in entry.patterns.get(lang, ())]
        if any(_pattern(p).search(draft["text"]) for p in patterns):
            return entry
    return None


@functools.lru_cache(maxsize=512)
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE)


def _faq_reply(lang: str, entry: FaqEntry) -> Reply:
    answer = entry.answer.get(lang) or entry.answer.get("zh") or ""
    return Reply(
        f"{answer}\n\n{t(lang, 'faq_tail')}",
        (
            (Button(t(lang, "btn_faq_not_answered"), "faq:n"),),
            (Button(t(lang, "btn_faq_answered"), "faq:y"),),
        ),
    )


def faq_not_answered(s: State, ctx: Context) -> Turn:
    """The answer did not help: the question becomes a case for the department after all."""
    return s, advance(s, ctx), []


def faq_answered(s: State) -> Turn:
    s.update(step="idle", draft=None)
    return s, [Reply(t(s["lang"], "faq_glad"))], []


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
