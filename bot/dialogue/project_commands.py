"""The commands the project phase asks the caller to run (kept apart so model.py can list
them in `Command` without importing the phase)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListProjects:
    """Open projects for this resident's areas and domains."""


@dataclass(frozen=True)
class MyProjects:
    """The projects this resident backed."""


@dataclass(frozen=True)
class BackProject:
    reference: str


@dataclass(frozen=True)
class OpenProject:
    reference: str


@dataclass(frozen=True)
class RateProject:
    reference: str
    score: int


@dataclass(frozen=True)
class Subscribe:
    kind: str  # area | domain
    value: str


@dataclass(frozen=True)
class Unsubscribe:
    """Drop every subscription."""


ProjectCommand = (
    ListProjects | MyProjects | BackProject | OpenProject | RateProject | Subscribe | Unsubscribe
)
PROJECT_COMMANDS = (
    ListProjects,
    MyProjects,
    BackProject,
    OpenProject,
    RateProject,
    Subscribe,
    Unsubscribe,
)
