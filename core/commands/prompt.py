"""/prompt <text> (admins): this chat's system prompt; /prompt reset goes back to SYSTEM_PROMPT."""

from __future__ import annotations

from core.commands.base import Command, CommandContext
from core.hygiene import shorten

PROMPT_CHARS = 4000  # it rides along with every request of the chat: keep it a prompt, not a book


async def prompt(ctx: CommandContext) -> None:
    platform, chat = ctx.inbound.platform, ctx.inbound.chat_id
    if not ctx.args:
        current = await ctx.core.chats.prompt(platform, chat)
        shown = shorten(current, 300) if current else f"the default: {shorten(ctx.core.settings.system_prompt, 300)}"
        await ctx.outlet.notice(f"This chat's system prompt is {shown}\n"
                                "Set it with /prompt <text>, back to the default with /prompt reset.")
        return
    if ctx.args.strip().lower() == "reset":
        await ctx.core.chats.set_prompt(platform, chat, None)
        await ctx.outlet.notice("This chat is back on the default system prompt.")
        return
    await ctx.core.chats.set_prompt(platform, chat, ctx.args)
    await ctx.outlet.notice(f"This chat's system prompt is set ({len(ctx.args):,} characters); "
                            "it applies from the next message.")


PROMPT = Command("prompt", "this chat's system prompt", prompt, usage="<text> | reset", admin=True,
                 max_args=PROMPT_CHARS)
