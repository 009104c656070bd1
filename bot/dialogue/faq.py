"""Answers from the FAQ: a configured answer to a question, in place of a case."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from bot.dialogue.model import Button, Context, FaqEntry, Reply, State, Turn
from bot.texts import t


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


def faq_reply(lang: str, entry: FaqEntry) -> Reply:
    answer = entry.answer.get(lang) or entry.answer.get("zh") or ""
    return Reply(
        f"{answer}\n\n{t(lang, 'faq_tail')}",
        (
            (Button(t(lang, "btn_faq_not_answered"), "faq:n"),),
            (Button(t(lang, "btn_faq_answered"), "faq:y"),),
        ),
    )


def faq_answered(s: State) -> Turn:
    s.update(step="idle", draft=None)
    return s, [Reply(t(s["lang"], "faq_glad"))], []
