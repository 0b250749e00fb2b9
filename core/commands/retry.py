"""/retry: ask the last question again; the new answer replaces the old one in memory."""

from __future__ import annotations

from core.commands.base import Command, CommandContext


async def retry(ctx: CommandContext) -> str | None:
    # Taken out now, so the question is asked without its old answer and the new one takes its place.
    question = await ctx.core.history.take_last_exchange(ctx.core.conversation(ctx.inbound))
    if question is None:
        await ctx.outlet.notice("There is no answer to retry here yet.")
        return None
    return question.text


RETRY = Command("retry", "ask the last question again; the new answer replaces the old one", retry)
