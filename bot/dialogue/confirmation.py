"""The end of an intake: the summary, confirming or cancelling, what the resident hears once
the case exists, and, for a resident with open cases, which case new words belong to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot import texts
from bot.dialogue.common import as_location, due_date, failure_text, label, shorten, skippable
from bot.dialogue.model import (
    AddDetails,
    Button,
    CaseBrief,
    Context,
    Reply,
    Result,
    State,
    Submit,
    Turn,
)
from bot.dialogue.parsing import (
    content_chars,
    content_tokens,
    is_contentless,
    is_no,
    is_yes,
    mentioned_references,
)
from bot.texts import t


def summary(s: State, ctx: Context) -> Reply:
    lang, d = s["lang"], s["draft"]
    extras = ""
    if d["photo"]:
        extras += t(lang, "summary_photo")
    if d["location"]:
        extras += t(lang, "summary_location")
    if s["consent"] is False:
        extras += t(lang, "summary_no_contact")
    place = t(lang, "summary_place", place=d["address"]) if d["address"] else ""
    text = t(
        lang,
        "summary",
        domain=ctx.domain_name(lang, d["domain"]),
        urgency=texts.urgency_name(lang, d["urgency"]),
        department=ctx.department(lang, department_for(s, ctx)),
        place=place,
        text=shorten(d["text"]),
        extras=extras,
    )
    return Reply(
        text,
        (
            (Button(t(lang, "btn_confirm"), "ok"),),
            (Button(t(lang, "btn_change_domain"), "dom"), Button(t(lang, "btn_cancel"), "x")),
        ),
    )


def confirm_text(s: State, text: str, ctx: Context) -> Turn:
    """Yes submits, no cancels, anything else is more of the description."""
    if is_yes(text):
        return confirm(s)
    if is_no(text):
        return cancel(s)
    s["draft"]["text"] = f"{s['draft']['text']}\n{text}"
    return s, [Reply(t(s["lang"], "added_to_draft")), summary(s, ctx)], []


def department_for(s: State, ctx: Context) -> str | None:
    """The department the case would go to: the router's choice when the caller offers it."""
    if ctx.route is not None:
        return ctx.route(submit_command(s))
    return ctx.routing.get(s["draft"]["domain"])


def submit_command(s: State) -> Submit:
    d = s["draft"]
    return Submit(
        text=d["text"],
        domain=d["domain"],
        domain_chosen=d["domain_chosen"],
        urgency=d["urgency"],
        kind=d["kind"],
        language=s["lang"],
        address=d["address"],
        consent=bool(s["consent"]),
        location=as_location(d["location"]),
        has_photo=d["photo"],
        nlu=d["nlu"],
        safety_answer=d.get("safety_answer"),
    )


def confirm(s: State) -> Turn:
    return s, [], [submit_command(s)]


def cancel(s: State) -> Turn:
    lang = s["lang"]
    if s["step"] == "idle" and not s["draft"]:
        return s, [Reply(t(lang, "nothing_to_cancel"))], []
    s.update(step="idle", draft=None, survey=None, urgent=None)
    return s, [Reply(t(lang, "cancelled"))], []


def after_submit(s: State, result: Result, ctx: Context) -> tuple[State, list[Reply]]:
    lang = s["lang"]
    pending = s.pop("urgent", None)
    if not result.ok:
        if s["draft"]:
            s["step"] = "confirm"
            key = "too_many_cases" if result.error == "rate_limited" else "submit_failed"
            return s, [Reply(t(lang, key, **dict(result.data)), summary(s, ctx).buttons)]
        return s, [Reply(t(lang, "error"))]
    kind = (s["draft"] or {}).get("kind")
    s.update(step="idle", draft=None)
    data = result.data
    # The service reports the case's urgency; `pending` is only what was left to ask.
    if data.get("urgency", "urgent" if pending is not None else None) == "urgent":
        return _after_urgent_submit(s, data, pending or {}, ctx)
    lines = [
        t(
            lang,
            "created_inquiry" if kind == "inquiry" else "created",
            ref=data["reference"],
            department=ctx.department(lang, data.get("department")),
            days=data.get("working_days"),
            due=due_date(lang, data.get("resolution_due"), data.get("resolution_due_provisional")),
        )
    ]
    first = data.get("first_response_due")
    if isinstance(first, dt.datetime):
        lines.append(t(lang, "created_first_response", when=texts.date_time(lang, first)))
    lines.append(t(lang, "created_tail"))
    return s, [Reply("\n".join(lines))]


def _after_urgent_submit(
    s: State, data: Mapping[str, Any], pending: Mapping[str, Any], ctx: Context
) -> tuple[State, list[Reply]]:
    """The urgent target, not the 30-day one; then the place and a number, if still missing."""
    lang, ref = s["lang"], data["reference"]
    lines = [
        t(
            lang,
            "created_urgent",
            ref=ref,
            department=ctx.department(lang, data.get("department")),
        )
    ]
    first = data.get("first_response_due")
    hours = ctx.first_response_hours.get("urgent")
    if isinstance(first, dt.datetime):
        when = texts.date_time(lang, first)
        if hours:
            lines.append(t(lang, "created_urgent_target", hours=f"{hours:g}", when=when))
        else:
            lines.append(t(lang, "created_first_response", when=when))
    lines.append(t(lang, "created_tail"))
    replies = [Reply("\n".join(lines))]
    follow = {"ref": ref, "phone": bool(pending.get("phone", True))}
    if pending.get("place", True):
        s.update(step="urgent_place", urgent=follow)
        replies.append(skippable(lang, "urgent_ask_place"))
    elif follow["phone"]:
        s.update(step="urgent_phone", urgent=follow)
        replies.append(skippable(lang, "urgent_ask_phone"))
    return s, replies


# -- which case new words belong to ------------------------------------------------------


def continuation_candidates(text: str, nlu: Mapping[str, Any], ctx: Context) -> list[CaseBrief]:
    """The open cases these words plausibly continue, newest first.

    A case qualifies when the words name its reference; when they are about the same area
    and share words or a place with it; when they share several words whatever the area;
    or when they come soon after the resident's last message on it and are not clearly
    about another area. Anything else is a new problem and is not asked about.
    """
    open_cases = ctx.open_cases()
    named = mentioned_references(text)
    if named:
        return [c for c in open_cases if c.reference in named]
    domain, confidence = label(nlu, "domain", "other")
    clear = (
        domain in ctx.domain_keys()
        and domain != "other"
        and confidence >= ctx.low_confidence_threshold
        and not nlu.get("low_confidence")
    )
    places = [
        str(e.get("value")) for e in nlu.get("entities") or [] if e.get("entity") == "location"
    ]
    words = content_tokens(text)
    found = []
    for case in open_cases:
        same_area = clear and case.domain == domain
        unclear_or_same = same_area or not clear
        known = f"{case.title} {case.address or ''}"
        shared = words & content_tokens(known)
        alike = content_chars(text) & content_chars(known)
        same_place = any(p and (p in known or (case.address or "\0") in p) for p in places)
        recent = (
            ctx.now is not None
            and case.last_message_at is not None
            and dt.timedelta(0)
            <= ctx.now - case.last_message_at
            <= dt.timedelta(minutes=ctx.follow_up_minutes)
        )
        if (
            (same_area and (alike or same_place))
            or len(shared) >= 3
            or (unclear_or_same and (same_place or recent))
        ):
            found.append(case)
    return found


def choose_target_reply(s: State, ctx: Context, prefix: str | None) -> Reply:
    lang = s["lang"]
    refs = (s["draft"] or {}).get("targets") or [c.reference for c in ctx.open_cases()]
    cases = [c for c in ctx.open_cases() if c.reference in refs]
    rows = [
        (
            Button(
                t(
                    lang,
                    "btn_add_to_case",
                    title=_title(lang, c),
                    date=_short_date(lang, c.created),
                ),
                f"add:{c.reference}",
            ),
        )
        for c in cases[:3]
    ]
    rows.append((Button(t(lang, "btn_new_problem"), "new"),))
    rows.append((Button(t(lang, "btn_cancel"), "x"),))
    text = t(lang, "choose_target")
    return Reply(f"{prefix}\n{text}" if prefix else text, tuple(rows))


def _title(lang: str, case: CaseBrief) -> str:
    """The start of the case's description, short enough for a button."""
    title = " ".join(case.title.split())
    if not title:
        return case.reference
    limit = 28 if lang == "en" else 16
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if lang == "en" and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,，、。") + "…"


def _short_date(lang: str, day: dt.date) -> str:
    if lang == "en":
        return f"{day.day} {texts.date(lang, day).split()[1][:3]}"
    return f"{day.month}月{day.day}日"


def more_for_target(s: State, text: str, ctx: Context) -> Turn:
    draft = s["draft"]
    if not is_contentless(text):
        draft["text"] = f"{draft['text']}\n{text}"
    return s, [choose_target_reply(s, ctx, prefix=None)], []


def add_to(s: State, ref: str) -> Turn:
    text = s["draft"]["text"]
    s.update(step="idle", draft=None)
    return s, [], [AddDetails(ref, text)]


def after_add_details(s: State, command: AddDetails, result: Result) -> tuple[State, list[Reply]]:
    lang = s["lang"] or "zh"
    if result.ok:
        key = "answer_forwarded" if result.data.get("answered") else "details_added"
        return s, [Reply(t(lang, key, ref=command.reference))]
    return s, [Reply(failure_text(lang, result, command.reference, "details_failed"))]
