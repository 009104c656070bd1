"""The dialogue engine: state + one inbound event -> new state, replies, service commands.

Pure: no database, no network, no clock. The caller loads the state, hands over the NLU's
reading of free text and what it knows of the resident's cases, carries out the commands
through the service layer, and feeds each command's result back through `after`.
The state is a JSON-ready dict so it can live in a database row.

Where things are:
  model         what goes in and out: events, replies, commands, results, the state
  parsing       recognising references, commands, yes and no in what the resident typed
  engine        `handle` and `after`, which send each event and outcome to its phase
  intake        taking a problem in, the answer to the safety question, photos and
                locations, and the questions still missing (domain, place, consent)
  draft         the draft built from the NLU's reading, the language, the greeting
  urgent        the safety question, the urgent path with its advice, and its follow-up
                (the exact place, a callback number)
  faq           answers from the FAQ in place of a case
  confirmation  the summary, confirm/cancel, the created case, adding to an open case
                (only when the words plausibly continue it)
  status        status, the resident's cases, withdrawing
  survey        rating, comment, reopening
  rights        language, the resident's data, erasing it
"""

from bot.dialogue.engine import after, handle
from bot.dialogue.intake import PLACE_BOUND, PLACE_BOUND_KINDS
from bot.dialogue.model import (
    AddContact,
    AddDetails,
    Button,
    CaseBrief,
    Command,
    Comment,
    Context,
    Event,
    FaqEntry,
    Forget,
    MyData,
    Rate,
    Reopen,
    Reply,
    Result,
    SetLanguage,
    State,
    Submit,
    Turn,
    Withdraw,
    new_state,
)
from bot.dialogue.parsing import (
    REFERENCE,
    is_no,
    is_yes,
    normalise_reference,
    parse_command,
    wants_nlu,
)
from bot.dialogue.rights import my_data_text
from bot.dialogue.urgent import RULE_ADVICE, advice_text
from bot.texts import t

__all__ = [
    "PLACE_BOUND",
    "PLACE_BOUND_KINDS",
    "REFERENCE",
    "RULE_ADVICE",
    "AddContact",
    "AddDetails",
    "Button",
    "CaseBrief",
    "Command",
    "Comment",
    "Context",
    "Event",
    "FaqEntry",
    "Forget",
    "MyData",
    "Rate",
    "Reopen",
    "Reply",
    "Result",
    "SetLanguage",
    "State",
    "Submit",
    "Turn",
    "Withdraw",
    "advice_text",
    "after",
    "handle",
    "is_no",
    "is_yes",
    "my_data_text",
    "new_state",
    "normalise_reference",
    "parse_command",
    "t",
    "wants_nlu",
]
