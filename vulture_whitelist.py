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
_.msg  # logging.LogRecord fields a filter rewrites (bots/quiet_logs.py): read by the formatter
_.exc_text

# Called by a framework (typer commands, pydantic validators, discord.py views).
invite  # `switchboard discord invite`
list_codes  # `switchboard pair list`
main  # the `switchboard` console script (pyproject.toml)
_.is_dispatchable
_._http_url
_._ws_url
_._redis_url
_._upper
_._lower
_._token_shape  # pydantic validators of the platforms' token settings
_._bot_token_shape
_._app_token_shape
options  # the `switchboard` typer callback (--version)
show_version  # typer reads the flag; its callback prints the version
_enter  # prompt_toolkit key bindings (bots/console/terminal.py)
_interrupt
_leave

# Kept for tests and for what reads them next.
UnlimitedPacer  # the outlet tests' pacer with no budget
uninstall  # core/logs/setup.py: tests undo the logging they configured
_._admins
_.finish_reason  # ReplyOutcome.finish_reason: a reply cut at the token limit says so
finish_reason
ModelClient  # core/llm/base.py: the interface the chain and every wire client implement
facts  # PlatformBinding.outlet_for(facts=...): the core says which model answers; Slack reads it, others need not
_.counts  # FeedbackStore.counts: the feedback counts /stats shows admins (issue 16)
_.up  # FeedbackCount fields, read by /stats
_.down

# Read by what vulture cannot follow.
_.cid_tag  # core/logs/setup.py: a LogRecord attribute the text format string reads

# Reliability (issue 11).
DUPLICATE  # core/store/admission.py Verdict: built from the script's code by value, never by name
