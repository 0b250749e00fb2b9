"""/help and /start: what the bot does and which commands it knows."""

from __future__ import annotations

from core.commands.base import Command, CommandContext


def help_text(commands: list[Command], *, admin: bool = False) -> str:
    """Everyone's commands; for an admin, the admin commands after them."""
    lines = ["Send me a message (a photo, voice note or file too) and I answer with the model. Commands:"]
    lines += [_line(cmd) for cmd in commands if not cmd.admin]
    if admin:
        lines += ["", "For admins:"] + [_line(cmd) for cmd in commands if cmd.admin]
    return "\n".join(lines)


def _line(cmd: Command) -> str:
    names = "/" + cmd.name + (f" {cmd.usage}" if cmd.usage else "")
    return f"{names} — {cmd.summary}"


def make_help(commands: list[Command]) -> tuple[Command, Command]:
    async def show_help(ctx: CommandContext) -> None:
        await ctx.outlet.notice(help_text(commands, admin=ctx.core.access.is_admin(ctx.inbound)))

    async def start(ctx: CommandContext) -> None:
        model = await ctx.core.current_model(ctx.inbound)
        text = help_text(commands, admin=ctx.core.access.is_admin(ctx.inbound))
        await ctx.outlet.notice(f"Hi! You are talking to {model or 'the model'}.\n\n" + text)

    return (
        Command("help", "list the commands", show_help),
        Command("start", "introduction", start),
    )
