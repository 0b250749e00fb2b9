"""/chatmodel <id> (admins): this chat's default model. A user's own /model still wins."""

from __future__ import annotations

from core.commands.base import Command, CommandContext
from core.commands.model_pick import pick_model


async def chatmodel(ctx: CommandContext) -> None:
    platform, chat = ctx.inbound.platform, ctx.inbound.chat_id
    wanted = ctx.args.split()[0] if ctx.args.split() else ""
    if not wanted:
        current = await ctx.core.chats.model(platform, chat)
        await ctx.outlet.notice(
            f"This chat's model: {current or f'the default ({ctx.core.settings.model_name})'}.\n"
            "Set it with /chatmodel <id>, back to the default with /chatmodel reset. "
            "Someone's own /model still wins for them.")
        return
    if wanted.lower() == "reset":
        await ctx.core.chats.set_model(platform, chat, None)
        await ctx.outlet.notice(f"This chat is back on the default model ({ctx.core.settings.model_name}).")
        return
    picked = await pick_model(ctx.core, wanted)
    if picked.model is None:
        await ctx.outlet.notice(picked.line)
        return
    await ctx.core.chats.set_model(platform, chat, picked.model)
    await ctx.outlet.notice(f"This chat's model is now {picked.model}{picked.line} "
                            "(for everyone here without a /model of their own).")


CHATMODEL = Command("chatmodel", "this chat's default model", chatmodel, usage="<id> | reset", admin=True)
