"""Taking a problem in: starting and growing a draft, the answer to the safety question,
photos and locations, and the questions still missing (domain, place, consent). The urgent
path lives in `urgent`, answers from the FAQ in `faq`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dialogue.common import cancel_row, label, skippable
from bot.dialogue.confirmation import (
    choose_target_reply,
    continuation_candidates,
    summary,
)
from bot.dialogue.draft import detect_language, empty_draft, first_greeting, make_draft, replay_nlu
from bot.dialogue.faq import faq_answer, faq_reply
from bot.dialogue.model import AddDetails, Button, Context, Event, Reply, State, Turn
from bot.dialogue.parsing import as_word, is_contentless, is_no, is_yes
from bot.dialogue.survey import comment_prompt, reopen_offer
from bot.dialogue.urgent import (
    ask_safety,
    location_follow_up,
    needs_safety_question,
    safety_reply,
    safety_word,
    submit_urgent,
    urgent,
)
from bot.texts import t

PLACE_BOUND = frozenset(
    {"housing", "utilities", "transport", "environment", "public_safety", "community"}
)
PLACE_BOUND_KINDS = frozenset({"demand", "complaint"})


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
        detect_language(s, nlu)
        s["draft"] = make_draft(text, nlu, s.get("draft"))
        s["draft"]["targets"] = [c.reference for c in targets]
        s["step"] = "choose_target"
        return s, [choose_target_reply(s, ctx, prefix=first_greeting(s, ctx))], []
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
    detect_language(s, nlu)
    if label(nlu, "urgency", "normal")[0] == "urgent":
        return urgent(s, text, nlu, ctx)
    s["draft"] = make_draft(text, nlu, s["draft"] if s["step"] == "describe" else None)
    entry = faq_answer(s["draft"], ctx)
    if entry is not None:
        s["step"] = "faq"
        replies = [faq_reply(s["lang"], entry)]
    else:
        replies = advance(s, ctx)
    if (greeting := first_greeting(s, ctx)) is not None:
        first = replies[0]
        replies[0] = Reply(f"{greeting}\n{first.text}", first.buttons)
    return s, replies, []


def new_from_target(s: State, ctx: Context) -> Turn:
    """The words kept while choosing a case become a new problem after all."""
    draft = s["draft"]
    s["step"] = "describe"
    return start_intake(s, draft["text"], replay_nlu(draft), ctx)


# -- the answer to the safety question ------------------------------------------------------


def safety_text(s: State, text: str, ctx: Context) -> Turn:
    answer = safety_word(text)
    if answer is not None:
        return safety_answer(s, answer, ctx)
    s["draft"]["text"] = f"{s['draft']['text']}\n{text}"
    return s, [safety_reply(s["lang"], t(s["lang"], "safety_unclear"))], []


def safety_answer(s: State, danger: bool, ctx: Context) -> Turn:
    """Yes: the urgent path with its advice. No: the intake goes on as if never asked."""
    draft = s["draft"]
    if danger:
        draft["safety_answer"] = "yes"
        return submit_urgent(s, draft, [], ctx)
    s["step"] = draft.pop("resume", "idle")
    if s["step"] != "describe":
        s["draft"] = None
    turn = take_text(s, draft["text"], replay_nlu(draft), ctx, safety_asked=True)
    if s["draft"] is not None:
        s["draft"]["safety_answer"] = "no"
    return turn


def on_attachment(s: State, event: Event, ctx: Context) -> Turn:
    lang = s["lang"]
    if (turn := location_follow_up(s, event)) is not None:
        return turn
    if s["step"] in ("idle", "describe") or s["draft"] is None:
        draft = s["draft"] if s["step"] == "describe" and s["draft"] else empty_draft()
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
        return [safety_reply(lang, t(lang, "safety_question"))]
    if step == "faq":
        entry = faq_answer(s["draft"], ctx)
        return [faq_reply(lang, entry)] if entry is not None else advance(s, ctx)
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
        fresh = make_draft(text, nlu, None)
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


def faq_not_answered(s: State, ctx: Context) -> Turn:
    """The answer did not help: the question becomes a case for the department after all."""
    return s, advance(s, ctx), []


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
