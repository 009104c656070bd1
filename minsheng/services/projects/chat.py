"""The dialogue's project commands (bot.dialogue.project_commands) as use cases."""

from __future__ import annotations

from typing import Any

from bot.dialogue.project_commands import (
    BackProject,
    ListProjects,
    MyProjects,
    OpenProject,
    ProjectCommand,
    RateProject,
    Subscribe,
    Unsubscribe,
)
from minsheng.services.bootstrap import App
from minsheng.services.errors import DomainError
from minsheng.services.projects import backing
from minsheng.services.projects.records import ProjectNotFound


class ChatRefusal(Exception):
    """A project command the resident cannot do now; `error` names why for the dialogue."""

    def __init__(self, error: str) -> None:
        self.error = error
        super().__init__(error)


def run(app: App, channel: str, chat_id: str, command: ProjectCommand) -> dict[str, Any]:
    try:
        return _run(app, channel, chat_id, command)
    except ProjectNotFound as exc:
        raise ChatRefusal("not_found") from exc
    except backing.NotBackable as exc:
        raise ChatRefusal("not_backable") from exc
    except backing.NotRatable as exc:
        raise ChatRefusal("not_ratable") from exc
    except DomainError as exc:
        raise ChatRefusal("failed") from exc


def _run(app: App, channel: str, chat_id: str, command: ProjectCommand) -> dict[str, Any]:
    if isinstance(command, ListProjects):
        return {"projects": backing.open_for(app, channel, chat_id)}
    if isinstance(command, MyProjects):
        return {"projects": backing.backed_by(app, channel, chat_id)}
    if isinstance(command, BackProject):
        return backing.back(app, command.reference, channel=channel, external_id=chat_id)
    if isinstance(command, OpenProject):
        return backing.opened(app, command.reference, channel, chat_id)
    if isinstance(command, RateProject):
        return backing.rate(
            app, command.reference, channel=channel, external_id=chat_id, score=command.score
        )
    if isinstance(command, Subscribe):
        created = backing.subscribe(app, channel, chat_id, command.kind, command.value)
        return {"created": created}
    if isinstance(command, Unsubscribe):
        return {"removed": backing.unsubscribe(app, channel, chat_id)}
    raise TypeError(f"unknown project command {command!r}")
