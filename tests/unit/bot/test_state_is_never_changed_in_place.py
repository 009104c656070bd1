"""The dialogue returns a new state and leaves the one it was given as it was.

The conversation compares the stored state with the returned one to skip writing an unchanged
dialogue, so a phase that changed its input in place would lose a step.
"""

from __future__ import annotations

import copy
import datetime as dt

from bot import dialogue
from bot.dialogue import Event, Submit

CST = dt.timezone(dt.timedelta(hours=8))


def test_each_step_of_an_intake_leaves_the_state_it_was_given_unchanged(chat, helpers) -> None:
    c = chat()
    c.say(
        "幸福里小区3号楼门口的路灯坏了三天了", helpers.nlu("transport", places=["幸福里小区3号楼"])
    )
    for tap in ("ct:y", "ok"):
        before = copy.deepcopy(c.state)
        given = copy.deepcopy(c.state)
        new, _, _ = dialogue.handle(given, Event(callback=tap), c.ctx)
        assert given == before
        assert new is not given and new.get("draft") is not given.get("draft")
        c.tap(tap)
    assert isinstance(c.commands[0], Submit)
    before = copy.deepcopy(c.state)
    given = copy.deepcopy(c.state)
    result = helpers.created(first=dt.datetime(2026, 11, 2, 12, 0, tzinfo=CST))
    dialogue.after(given, c.commands[0], result, c.ctx)
    assert given == before
