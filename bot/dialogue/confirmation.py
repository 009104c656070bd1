"""The end of an intake: the summary, confirming or cancelling, what the resident hears once
the case exists, and, for a resident with open cases, which case new words belong to."""

from __future__ import annotations

import datetime as dt

from bot import texts
from bot.dialogue.common import as_location, due_date, failure_text, shorten
from bot.dialogue.model import (
    AddDetails,
    Button,
    Context,
    Reply,
    Result,
    State,
    Submit,
    Turn,
)
from bot.dialogue.parsing import is_no, is_yes
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
        department=ctx.department(lang, ctx.routing.get(d["domain"])),
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


def confirm(s: State) -> Turn:
    d = s["draft"]
    command = Submit(
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
    )
    return s, [], [command]


def cancel(s: State) -> Turn:
    lang = s["lang"]
    if s["step"] == "idle" and not s["draft"]:
        return s, [Reply(t(lang, "nothing_to_cancel"))], []
    s.update(step="idle", draft=None, survey=None)
    return s, [Reply(t(lang, "cancelled"))], []


def after_submit(s: State, result: Result, ctx: Context) -> tuple[State, list[Reply]]:
    lang = s["lang"]
    if not result.ok:
        if s["draft"]:
            s["step"] = "confirm"
            key = "too_many_cases" if result.error == "rate_limited" else "submit_failed"
            return s, [Reply(t(lang, key, **dict(result.data)), summary(s, ctx).buttons)]
        return s, [Reply(t(lang, "error"))]
    s.update(step="idle", draft=None)
    data = result.data
    lines = [
        t(
            lang,
            "created",
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


# -- which case new words belong to ------------------------------------------------------


def choose_target_reply(s: State, ctx: Context, prefix: str | None) -> Reply:
    lang = s["lang"]
    rows = [
        (Button(t(lang, "btn_add_to", ref=c.reference), f"add:{c.reference}"),)
        for c in ctx.open_cases()[:3]
    ]
    rows.append((Button(t(lang, "btn_new_problem"), "new"),))
    rows.append((Button(t(lang, "btn_cancel"), "x"),))
    text = t(lang, "choose_target")
    return Reply(f"{prefix}\n{text}" if prefix else text, tuple(rows))


def more_for_target(s: State, text: str, ctx: Context) -> Turn:
    draft = s["draft"]
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
