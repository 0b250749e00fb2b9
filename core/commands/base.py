"""What a command handler receives, and the registry that finds it by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.outlet import Outlet
from core.services import Core
from core.types import Inbound


@dataclass(frozen=True)
class CommandContext:
    core: Core
    inbound: Inbound
    outlet: Outlet
    args: str  # everything after the command name, stripped


# A handler answers through ctx.outlet; a returned string is answered as a chat message (/ask).
Handler = Callable[[CommandContext], Awaitable[str | None]]

MAX_ARGS = 200  # characters after a command's name, unless the command says otherwise


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    usage: str = ""
    admin: bool = False  # only ADMINS may run it; others get one line
    max_args: int | None = MAX_ARGS  # longer arguments are refused before the handler runs; None: no bound


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: str


def parse_command(text: str) -> ParsedCommand | None:
    """`/Model@my_bot gpt-4o` -> ("model", "gpt-4o"); None for text that is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped.startswith("//") or len(stripped) < 2:
        return None
    head = stripped[1:].split(" ", 1)[0].split("\n", 1)[0]
    name = head.split("@", 1)[0].lower()
    if not name or not name.replace("_", "").isalnum():
        return None
    rest = stripped[1 + len(head):].strip()
    return ParsedCommand(name, rest)
