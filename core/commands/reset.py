"""/reset (/new) forgets this conversation; /stop ends the reply being written."""

from __future__ import annotations

from core.commands.base import Command, CommandContext


async def reset(ctx: CommandContext) -> None:
    conv = ctx.core.conversation(ctx.inbound)
    await ctx.core.interrupts.stop(conv, reset=True)  # a reply still streaming is stopped and not stored
    await ctx.core.history.clear(conv)
    await ctx.outlet.notice("Memory cleared. The next message starts a new conversation.")


async def stop(ctx: CommandContext) -> None:
    await ctx.core.interrupts.stop(ctx.core.conversation(ctx.inbound), reset=False)
    await ctx.outlet.notice("Stopping the current reply, if there is one.")


RESET = Command("reset", "forget this conversation (your model choice stays)", reset, aliases=("new",))
STOP = Command("stop", "stop the reply being written", stop)
