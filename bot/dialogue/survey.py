"""After a case is resolved: the rating, an optional comment, and the offer to reopen."""

from __future__ import annotations

from bot.dialogue.common import due_date, failure_text
from bot.dialogue.model import Button, Comment, Context, Rate, Reopen, Reply, Result, State, Turn
from bot.dialogue.parsing import is_no, is_yes
from bot.texts import t


def rating_digit(text: str, ctx: Context) -> Rate | None:
    """A bare 1-5 answers the survey of the newest case waiting for a rating."""
    if text not in {"1", "2", "3", "4", "5"}:
        return None
    waiting = [c for c in ctx.cases if c.status == "resolved" and c.rating is None]
    return Rate(waiting[0].reference, int(text)) if waiting else None


def comment_prompt(lang: str, key: str) -> Reply:
    return Reply(t(lang, key), ((Button(t(lang, "btn_skip"), "skip"),),))


def reopen_offer(lang: str, ref: str) -> Reply:
    return Reply(
        t(lang, "survey_offer_reopen", ref=ref),
        (
            (
                Button(t(lang, "btn_reopen"), f"ro:{ref}:y"),
                Button(t(lang, "btn_no_reopen"), f"ro:{ref}:n"),
            ),
        ),
    )


def comment_text(s: State, text: str) -> Turn:
    survey = s["survey"]
    return s, [], [Comment(survey["ref"], text)]


def reopen_text(s: State, text: str) -> Turn:
    if is_yes(text):
        return reopen(s, s["survey"]["ref"])
    if is_no(text):
        return survey_done(s)
    return s, [reopen_offer(s["lang"], s["survey"]["ref"])], []


def skip_comment(s: State) -> Turn:
    s2, replies = _after_survey_answer(s, s["survey"]["ref"], [])
    return s2, replies or [Reply(t(s["lang"], "survey_done"))], []


def survey_done(s: State) -> Turn:
    s.update(step="idle", survey=None)
    return s, [Reply(t(s["lang"], "survey_done"))], []


def reopen(s: State, ref: str) -> Turn:
    survey = s["survey"] or {}
    score = survey.get("score")
    reason = (
        f"resident asked to reopen after rating {score}" if score else "resident asked to reopen"
    )
    return s, [], [Reopen(ref, reason)]


def after_rate(s: State, command: Rate, result: Result) -> tuple[State, list[Reply]]:
    lang = s["lang"]
    if not result.ok:
        key = {"already_rated": "already_rated"}.get(result.error or "", "not_ratable")
        return s, [Reply(failure_text(lang, result, command.reference, key))]
    s["survey"] = {"ref": command.reference, "score": command.score}
    s["step"] = "comment"
    return s, [comment_prompt(lang, "survey_thanks")]


def after_comment(s: State, command: Comment) -> tuple[State, list[Reply]]:
    lang = s["lang"]
    replies = [Reply(t(lang, "survey_comment_saved"))]
    return _after_survey_answer(s, command.reference, replies)


def after_reopen(
    s: State, command: Reopen, result: Result, ctx: Context
) -> tuple[State, list[Reply]]:
    lang = s["lang"] or "zh"
    s["step"], s["survey"] = "idle", None
    if result.ok:
        return s, [
            Reply(
                t(
                    lang,
                    "reopened",
                    ref=command.reference,
                    department=ctx.department(lang, result.data.get("department")),
                    days=result.data.get("working_days"),
                    due=due_date(
                        lang,
                        result.data.get("resolution_due"),
                        result.data.get("resolution_due_provisional"),
                    ),
                )
            )
        ]
    return s, [Reply(t(lang, "reopen_failed", ref=command.reference))]


def _after_survey_answer(s: State, ref: str, replies: list[Reply]) -> tuple[State, list[Reply]]:
    survey = s["survey"] or {}
    if int(survey.get("score") or 5) <= 2:
        s["step"] = "reopen"
        return s, [*replies, reopen_offer(s["lang"], ref)]
    s.update(step="idle", survey=None)
    return s, replies
