"""The resident asking after their cases: one case's status, all their cases, withdrawing."""

from __future__ import annotations

from bot import texts
from bot.dialogue.common import failure_text
from bot.dialogue.model import (
    Button,
    CaseBrief,
    Context,
    Reply,
    Result,
    State,
    Turn,
    Withdraw,
)
from bot.dialogue.parsing import normalise_reference
from bot.texts import t
from case_store.lifecycle import OPEN_STATES


def status_reply(lang: str, arg: str, ctx: Context) -> Reply:
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


def my_cases(lang: str, ctx: Context) -> Reply:
    if not ctx.cases:
        return Reply(t(lang, "no_cases"))
    shown = ctx.cases[:10]
    lines = [t(lang, "all_cases_header", n=len(shown))]
    lines += [_case_line(lang, c, ctx) for c in shown]
    return Reply("\n".join(lines))


def withdraw(s: State, arg: str, ctx: Context) -> Turn:
    lang = s["lang"]
    if arg:
        ref = normalise_reference(arg)
        if ref is None:
            return s, [Reply(t(lang, "bad_reference"))], []
        return s, [], [Withdraw(ref)]
    open_cases = ctx.open_cases()
    if not open_cases:
        return s, [Reply(t(lang, "no_open_cases"))], []
    rows = tuple(
        (Button(t(lang, "btn_withdraw", ref=c.reference), f"wd:{c.reference}"),)
        for c in open_cases[:5]
    )
    return s, [Reply(t(lang, "withdraw_which"), rows)], []


def after_withdraw(s: State, command: Withdraw, result: Result) -> tuple[State, list[Reply]]:
    lang = s["lang"] or "zh"
    if result.ok:
        return s, [Reply(t(lang, "withdrawn", ref=command.reference))]
    return s, [Reply(failure_text(lang, result, command.reference, "withdraw_not_open"))]


def _case_line(lang: str, case: CaseBrief, ctx: Context) -> str:
    line = t(
        lang,
        "case_line",
        ref=case.reference,
        domain=ctx.domain_name(lang, case.domain),
        status=texts.status_name(lang, case.status, case.outcome),
    )
    if case.status in OPEN_STATES and case.resolution_due is not None:
        line += "\n  " + _time_left(lang, case, ctx)
    return line


def _time_left(lang: str, case: CaseBrief, ctx: Context) -> str:
    assert case.resolution_due is not None
    due = texts.date(lang, case.resolution_due)
    if case.resolution_due < ctx.today:
        return t(lang, "case_overdue", due=due)
    if case.resolution_due == ctx.today:
        return t(lang, "case_due_today", due=due)
    if case.resolution_due_provisional:
        # The count of days left is as uncertain as the date itself, so it is not shown.
        return t(lang, "case_due_left_provisional", due=due)
    return t(lang, "case_due_left", due=due, days=case.working_days_left)


def _case_detail(lang: str, case: CaseBrief, ctx: Context) -> str:
    text = t(
        lang,
        "case_detail",
        ref=case.reference,
        domain=ctx.domain_name(lang, case.domain),
        status=texts.status_name(lang, case.status, case.outcome),
        department=ctx.department(lang, case.department),
        created=texts.date(lang, case.created),
    )
    if case.status in OPEN_STATES and case.resolution_due is not None:
        text += "\n" + _time_left(lang, case, ctx)
    if case.outcome is not None and case.status not in OPEN_STATES:
        text += t(lang, "case_outcome", outcome=texts.outcome_name(lang, case.outcome))
    if case.rating is not None:
        text += t(lang, "case_rating", score=case.rating)
    return text
