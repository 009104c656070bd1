"""`handle` and `after`: each inbound event, and each command's outcome, sent to its phase."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import texts
from bot.dialogue import confirmation, faq, intake, projects, rights, status, survey, urgent
from bot.dialogue.common import cancel_row, label
from bot.dialogue.model import (
    AddContact,
    AddDetails,
    Command,
    Comment,
    Context,
    Event,
    Forget,
    MyData,
    Rate,
    Reopen,
    Reply,
    Result,
    State,
    Submit,
    Turn,
    Withdraw,
    new_state,
)
from bot.dialogue.parsing import is_contentless, is_no, is_yes, parse_command
from bot.texts import t


def _copied(state: Mapping[str, Any]) -> dict[str, Any]:
    """A copy the phases may change freely: the caller's state stays as it was.

    The state is JSON data (it is stored as JSON), so dicts, lists and tuples are copied and
    everything else is immutable; this is several times cheaper than copy.deepcopy.
    """
    return {key: _copy_value(value) for key, value in state.items()}


def _copy_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_value(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_copy_value(item) for item in value)
    return value


def handle(state: Mapping[str, Any] | None, event: Event, ctx: Context) -> Turn:
    """One inbound event: the new state, the replies to send now, the commands to run."""
    s: State = {**new_state(), **_copied(state or {})}
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
        return intake.on_attachment(s, event, ctx)
    return s, [Reply(t(s["lang"], "text_only"))], []


def after(
    state: Mapping[str, Any], command: Command, result: Result, ctx: Context
) -> tuple[State, list[Reply]]:
    """The replies for a command's outcome, and the state that follows from it."""
    s: State = {**new_state(), **_copied(state)}
    if isinstance(command, projects.PROJECT_COMMANDS):
        return projects.after(s, command, result)
    if isinstance(command, Submit):
        return confirmation.after_submit(s, result, ctx)
    if isinstance(command, AddDetails):
        return confirmation.after_add_details(s, command, result)
    if isinstance(command, AddContact):
        return urgent.after_add_contact(s, command, result)
    if isinstance(command, Rate):
        return survey.after_rate(s, command, result)
    if isinstance(command, Comment):
        return survey.after_comment(s, command)
    if isinstance(command, Reopen):
        return survey.after_reopen(s, command, result, ctx)
    if isinstance(command, MyData):
        return rights.after_my_data(s, result)
    if isinstance(command, Forget):
        return rights.after_forget(s, result)
    if isinstance(command, Withdraw):
        return status.after_withdraw(s, command, result)
    return s, []


_FREE_STEPS = ("idle", "describe", "choose_target", "safety", "faq")


def _on_text(s: State, text: str, event: Event, ctx: Context) -> Turn:
    nlu = dict(event.nlu or {})
    step = s["step"]
    if step == "idle" and (rating := survey.rating_digit(text, ctx)) is not None:
        return s, [], [rating]
    if step in ("urgent_place", "urgent_phone"):
        turn = urgent.follow_up_text(s, text, nlu, ctx)
        return turn if turn is not None else intake.take_text(s, text, nlu, ctx)
    # The model alone never makes "3" or an emoji urgent: with no words it has nothing to go
    # on (a safety rule needs words too, so only the rules can override this).
    model_urgent = label(nlu, "urgency", "normal")[0] == "urgent" and not is_contentless(text)
    if (nlu.get("rules") and step != "comment") or (model_urgent and step in _FREE_STEPS):
        return urgent.urgent(s, text, nlu, ctx)
    if step == "faq":
        if is_no(text):
            return intake.faq_not_answered(s, ctx)
        if is_yes(text) or is_contentless(text):
            return faq.faq_answered(s)
        s.update(step="idle", draft=None)  # anything else is a new message
        step = "idle"
    if step in ("idle", "describe"):
        if is_contentless(text):
            return intake.contentless(s, ctx)
        return intake.take_text(s, text, nlu, ctx)
    if step == "safety":
        return intake.safety_text(s, text, ctx)
    if step == "choose_target":
        return confirmation.more_for_target(s, text, ctx)
    if step == "pick_domain":
        return intake.domain_text(s, text, nlu, ctx)
    if step == "location":
        return intake.location_text(s, text, ctx)
    if step == "consent":
        return intake.consent_text(s, text, ctx)
    if step == "confirm":
        if is_contentless(text) and not (is_yes(text) or is_no(text)):
            return s, [confirmation.summary(s, ctx)], []
        return confirmation.confirm_text(s, text, ctx)
    if step == "comment":
        return survey.comment_text(s, text)
    if step == "reopen":
        return survey.reopen_text(s, text)
    s["step"] = "idle"
    return intake.start_intake(s, text, nlu, ctx)


def _on_callback(s: State, data: str, ctx: Context) -> Turn:
    lang, step = s["lang"], s["step"]
    kind, _, rest = data.partition(":")
    if kind in projects.CALLBACKS and (turn := projects.on_callback(s, kind, rest)):
        return turn
    if kind == "rate":
        ref, _, score = rest.rpartition(":")
        if ref and score in {"1", "2", "3", "4", "5"}:
            return s, [], [Rate(ref, int(score))]
    elif kind == "ro":
        ref, _, answer = rest.rpartition(":")
        if ref and answer == "y":
            return survey.reopen(s, ref)
        if ref and answer == "n":
            return survey.survey_done(s)
    elif kind == "wd" and rest:
        return s, [], [Withdraw(rest)]
    elif kind == "lang" and rest in texts.LANGUAGES:
        return rights.set_language(s, rest)
    elif kind == "x":
        return confirmation.cancel(s)
    elif kind == "fg" and rest == "y" and step == "forget":
        return rights.forget(s)
    elif kind == "skip" and step == "comment":
        return survey.skip_comment(s)
    elif kind == "ok" and step == "confirm":
        return confirmation.confirm(s)
    elif kind == "dom" and step in ("confirm", "location", "consent"):
        return intake.ask_domain_again(s, ctx)
    elif kind == "d" and step == "pick_domain" and rest in ctx.domain_keys():
        return intake.choose_domain(s, rest, ctx)
    elif kind == "ct" and step == "consent" and rest in ("y", "n"):
        return intake.set_consent(s, rest == "y", ctx)
    elif kind == "add" and step == "choose_target" and rest:
        return confirmation.add_to(s, rest)
    elif kind == "new" and step == "choose_target":
        return intake.new_from_target(s, ctx)
    elif kind == "sf" and step == "safety" and rest in ("y", "n"):
        return intake.safety_answer(s, rest == "y", ctx)
    elif kind == "faq" and step == "faq" and rest in ("y", "n"):
        return intake.faq_not_answered(s, ctx) if rest == "n" else faq.faq_answered(s)
    elif kind == "us" and step in ("urgent_place", "urgent_phone"):
        return s, urgent.urgent_next(s), []
    return s, [Reply(t(lang, "stale_button")), *intake.reprompt(s, ctx)], []


def _on_command(s: State, name: str, arg: str, ctx: Context) -> Turn:
    lang = s["lang"]
    if name == "start":
        s.update(step="idle", draft=None, greeted=True, urgent=None)
        return s, [Reply(t(lang, "welcome", city=ctx.city.get(lang, "")))], []
    if name == "help":
        help_text = f"{t(lang, 'help')}\n{t(lang, 'pj_help')}"
        return s, [Reply(help_text), *intake.reprompt(s, ctx)], []
    if name == "new":
        s.update(step="describe", draft=None, greeted=True, urgent=None)
        return s, [Reply(t(lang, "ask_describe"), cancel_row(lang))], []
    if name == "cancel":
        return confirmation.cancel(s)
    if name == "status":
        return s, [status.status_reply(lang, arg, ctx)], []
    if name == "mycases":
        return s, [status.my_cases(lang, ctx)], []
    if name == "withdraw":
        return status.withdraw(s, arg, ctx)
    if name == "mydata":
        return s, [], [MyData()]
    if name == "forget":
        return rights.ask_forget(s)
    if name == "lang":
        return rights.language_command(s, arg)
    if name in projects.COMMANDS and (turn := projects.on_command(s, name, arg)):
        return turn
    return s, [Reply(t(lang, "unknown_command")), *intake.reprompt(s, ctx)], []
