"""The urgent path: the safety question that may lead to it, advice first and the case with no
questions before it, then the exact place and a callback number asked after it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.dialogue.common import as_location, label, skippable
from bot.dialogue.draft import detect_language, first_greeting, make_draft
from bot.dialogue.model import (
    AddContact,
    Button,
    Context,
    Event,
    Reply,
    Result,
    State,
    Submit,
    Turn,
)
from bot.dialogue.parsing import as_word, find_phone, is_contentless, is_no, is_skip, is_yes
from bot.texts import t

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
    detect_language(s, nlu)
    previous = s["draft"] if s["step"] == "describe" else None
    draft = make_draft(text, nlu, previous)
    draft["resume"] = s["step"]
    s.update(draft=draft, step="safety")
    question = t(s["lang"], "safety_question")
    greeting = first_greeting(s, ctx)
    return s, [safety_reply(s["lang"], f"{greeting}\n{question}" if greeting else question)], []


def safety_word(text: str) -> bool | None:
    """The answer to the safety question in the words: someone in danger, nobody, or unclear."""
    word = as_word(text)
    if is_yes(text) or word in {"有", "有人", "有危险", "是有"}:
        return True
    if is_no(text) or word in {"没有", "没", "无", "没人", "都没有", "nobody", "no one"}:
        return False
    return None


def safety_reply(lang: str, text: str) -> Reply:
    return Reply(
        text,
        ((Button(t(lang, "btn_safety_yes"), "sf:y"), Button(t(lang, "btn_safety_no"), "sf:n")),),
    )


# -- the urgent path -----------------------------------------------------------------------


def urgent(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn:
    """Advice first, then the case, with no questions asked before it exists."""
    detect_language(s, nlu)
    previous = s["draft"] if s["step"] in ("describe", "safety") else None
    if s["step"] == "safety" and previous:
        text = f"{previous['text']}\n{text}"
    return submit_urgent(s, make_draft(text, nlu, previous), nlu.get("rules") or [], ctx)


def submit_urgent(
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


def follow_up_text(s: State, text: str, nlu: Mapping[str, Any], ctx: Context) -> Turn | None:
    """The exact place, then a callback number, for the urgent case just created.

    None when there is no case to follow up (its creation failed): the words are then
    ordinary words for the intake, and the state is already back to idle."""
    lang, follow = s["lang"], s.get("urgent") or {}
    # Still in danger words: the advice again, and the words still answer the question.
    extra = [Reply(advice_text(ctx, lang, nlu["rules"]))] if nlu.get("rules") else []
    if not follow.get("ref"):
        s.update(step="idle", urgent=None)
        return None
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


def location_follow_up(s: State, event: Event) -> Turn | None:
    """A location sent while the urgent case's place is asked: it answers the question."""
    follow = s.get("urgent") or {}
    if s["step"] == "urgent_place" and event.location is not None and follow.get("ref"):
        s["step"] = "urgent_phone" if follow.get("phone") else "idle"
        return s, [], [AddContact(follow["ref"], location=event.location)]
    return None
