"""/continue: the model goes on with its last answer (one cut at its length limit), in the
same reply thread, as a new message."""

from __future__ import annotations

from core.commands.base import Command, CommandContext

# What the model is asked; it sees the conversation, its cut answer last.
GO_ON = "Continue your last answer exactly where it stopped, without repeating what you already wrote."


async def continue_answer(ctx: CommandContext) -> str | None:
    last = await ctx.core.history.last(ctx.core.conversation(ctx.inbound))
    if last is None or last.role != "assistant":
        await ctx.outlet.notice("There is no answer to continue here yet.")
        return None
    return GO_ON


CONTINUE = Command("continue", "the model goes on with its last answer", continue_answer)
