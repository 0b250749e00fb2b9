"""Platform-neutral commands, one file each; `dispatch` runs the one a message names."""

from __future__ import annotations

from core.commands.approve import APPROVE
from core.commands.ask import ASK
from core.commands.base import Command, CommandContext, ParsedCommand, parse_command
from core.commands.chatmodel import CHATMODEL
from core.commands.continue_answer import CONTINUE
from core.commands.help import help_text, make_help
from core.commands.model import MODEL
from core.commands.prompt import PROMPT
from core.commands.quota import QUOTA
from core.commands.reset import RESET, STOP
from core.commands.retry import RETRY
from core.commands.revoke import REVOKE
from core.commands.stats import STATS
from core.commands.usage import USAGE
from core.hygiene import shorten
from core.outlet import Outlet
from core.services import Core
from core.types import Inbound

COMMANDS: list[Command] = []
HELP, START = make_help(COMMANDS)  # /help reads the list when it runs, so it lists itself too
COMMANDS.extend([START, HELP, ASK, MODEL, CONTINUE, RETRY, RESET, STOP, USAGE,
                 APPROVE, REVOKE, STATS, CHATMODEL, PROMPT, QUOTA])
_BY_NAME: dict[str, Command] = {alias: c for c in COMMANDS for alias in (c.name, *c.aliases)}
COMMAND_NAMES = frozenset(_BY_NAME)  # every name and alias, as adapters recognise commands


def find(name: str) -> Command | None:
    return _BY_NAME.get(name)


async def dispatch(core: Core, inbound: Inbound, outlet: Outlet, parsed: ParsedCommand) -> str | None:
    """Run the command the message names; unknown names, admin commands asked by others and
    arguments over the command's bound get one short line.

    Returns text to answer as a chat message (only /ask does), else None.
    """
    command = find(parsed.name)
    if command is None:
        known = " ".join("/" + c.name for c in COMMANDS if not c.admin)
        await outlet.notice(f"Unknown command /{shorten(parsed.name, 32)}. Try: {known}")
        return None
    if command.admin and not core.access.is_admin(inbound):
        await outlet.notice(f"/{command.name} is for the bot's admins (ADMINS).")
        return None
    if command.max_args is not None and len(parsed.args) > command.max_args:
        await outlet.notice(f"/{command.name} takes at most {command.max_args:,} characters after it; "
                            f"that was {len(parsed.args):,}.")
        return None
    return await command.handler(CommandContext(core, inbound, outlet, parsed.args))


__all__ = ["COMMANDS", "COMMAND_NAMES", "Command", "CommandContext", "dispatch", "find", "help_text", "parse_command"]
