"""Names `make lint`'s dead-code check (vulture) must not report: each is used by something it
cannot see. Anything else it reports is dead and goes."""

# ruff: noqa
# mypy: ignore-errors
_ = object()

# Set for a library to read (discord.py, slack_sdk, aiohttp).
_.connector  # discord.py's HTTP client: dropped so the next login makes a fresh one
_.guild_messages  # discord.Intents flags
_.dm_messages
_.warn_nacl  # discord.VoiceClient class attributes: silence warnings about voice we never use
_.warn_dave
_.retry_handlers  # slack_sdk's AsyncWebClient retry chain
_.wss_uri  # slack_sdk's Socket Mode client: the URL issued in the foreground

# Called by a framework (typer commands, pydantic validators, discord.py views).
invite  # `switchboard discord invite`
main  # the `switchboard` console script (pyproject.toml)
_.is_dispatchable
_._http_url
_._ws_url
_._redis_url
_._upper

# Kept for tests and for what reads them next.
UnlimitedPacer  # the outlet tests' pacer with no budget
user_name  # Inbound.user_name: shown to the operator where a person is named (pairing, stats)
_.finish_reason  # ReplyOutcome.finish_reason: a reply cut at the token limit says so
finish_reason
ModelClient  # core/llm/base.py: the interface the chain and every wire client implement

# Reliability (issue 11).
listen  # core/signals.py: where the metrics module attaches (tests listen already)
DUPLICATE  # core/store/admission.py Verdict: built from the script's code by value, never by name
