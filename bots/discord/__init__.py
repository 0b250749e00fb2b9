"""Discord on discord.py 2: gateway events and slash commands in, channel messages or
interaction responses out. Importing this package is cheap: discord.py loads with `adapter`
(so `bots.discord.cli` can be registered with the `switchboard` command at no cost)."""
