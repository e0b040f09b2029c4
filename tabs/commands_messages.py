"""What the commands tab's workers post to it (tabs/commands_tab.py): results, never widgets."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from services.commands.service import EnqueueResult
from services.models import BotCommand
from services.presence import Viewer
from widgets.command_form import Draft


@dataclass
class CommandSent(Message):
    result: EnqueueResult
    draft: Draft | None  # None for a re-send: the form was not involved
    waiting: int


@dataclass
class CommandRefused(Message):
    field: str
    reason: str


@dataclass
class CommandFailed(Message):
    reason: str


@dataclass
class OlderLoaded(Message):
    commands: list[BotCommand]
    complete: bool


@dataclass
class OlderFailed(Message):
    reason: str


@dataclass
class NamesResolved(Message):
    clients: dict[str, str]
    sessions: dict[str, tuple[str, str | None]]


@dataclass
class ComposerViewers(Message):
    session_id: str
    viewers: list[Viewer]
