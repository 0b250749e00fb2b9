"""/help and /start: what the bot does and which commands it knows."""

from __future__ import annotations

from core.commands.base import Command, CommandContext


def help_text(commands: list[Command]) -> str:
    lines = ["Send me a message (a photo, voice note or file too) and I answer with the model. Commands:"]
    for cmd in commands:
        names = "/" + cmd.name + (f" {cmd.usage}" if cmd.usage else "")
        lines.append(f"{names} — {cmd.summary}")
    return "\n".join(lines)


def make_help(commands: list[Command]) -> tuple[Command, Command]:
    async def show_help(ctx: CommandContext) -> None:
        await ctx.outlet.notice(help_text(commands))

    async def start(ctx: CommandContext) -> None:
        model = await ctx.core.current_model(ctx.inbound)
        await ctx.outlet.notice(f"Hi! You are talking to {model or 'the model'}.\n\n" + help_text(commands))

    return (
        Command("help", "list the commands", show_help),
        Command("start", "introduction", start),
    )
