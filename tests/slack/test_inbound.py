"""Slack payloads -> Inbound: dedupe keys, reply threads, mention stripping, slash text, allowlists."""

from __future__ import annotations

from bots.access import AccessList
from bots.slack.inbound import command_text, from_command, from_event, strip_mentions
from tests.fakes.slack_events import ALICE, ALICE_DM, BOB, GENERAL, SlackEvents

BOT = "U0BOT"
events = SlackEvents(team_id="T0TEST", bot_user_id=BOT, app_id="A0TEST")


def _inbound(event: dict[str, object]):  # type: ignore[no-untyped-def]
    return from_event(events.callback(event), event, BOT)


def test_one_message_has_one_dedupe_key_whatever_event_carries_it() -> None:
    mention = events.message_event(f"<@{BOT}> hi")
    as_message = events.message_event(mention["text"], ts=mention["ts"], kind="message")
    first, second = _inbound(mention), _inbound(as_message)
    assert first == second and first is not None
    assert first.event_id == f"{GENERAL}:{mention['ts']}" and first.text == "hi"
    assert first.thread_id == mention["ts"] and not first.is_direct


def test_threads_dms_and_what_is_ignored() -> None:
    in_thread = _inbound(events.message_event(f"hey <@{BOT}|switchboard> more", thread_ts="1.000001"))
    assert in_thread is not None and in_thread.thread_id == "1.000001" and in_thread.text == "hey more"
    dm = _inbound(events.message_event("hello", channel=ALICE_DM, kind="message"))
    assert dm is not None and dm.is_direct and dm.thread_id is None and dm.reply_route["thread_ts"] == ""
    mention_in_dm = _inbound(events.message_event(f"<@{BOT}> hello", channel=ALICE_DM))
    assert mention_in_dm is not None and mention_in_dm.is_direct and mention_in_dm.thread_id is None
    chatter = _inbound(events.message_event("no mention", kind="message"))
    assert chatter is None  # channel chatter without a mention is not for us
    assert _inbound(events.message_event("edited", kind="message", subtype="message_changed")) is None
    assert _inbound(events.message_event("a bot", kind="message", bot_id="B1")) is None
    assert _inbound(events.message_event("me", kind="message", user=BOT)) is None


def test_slash_text_becomes_a_core_command() -> None:
    assert command_text("") == "/help"
    assert command_text("model gpt-x") == "/model gpt-x"
    assert command_text("RESET") == "/RESET"
    assert command_text("what is 2+2") == "/ask what is 2+2"
    inbound = from_command(events.command_payload("usage", channel=ALICE_DM))
    assert inbound.text == "/usage" and inbound.is_direct and inbound.reply_route["response_url"]
    assert strip_mentions(f"<@{BOT}> a <@U0OTHER>", BOT) == "a <@U0OTHER>"


def test_allowlist_lets_listed_users_anywhere_and_anyone_in_listed_channels() -> None:
    dm = _inbound(events.message_event("hi", channel=ALICE_DM, kind="message"))
    bob_here = _inbound(events.message_event(f"<@{BOT}> hi", user=BOB))
    assert dm is not None and bob_here is not None
    assert AccessList.parse().allows(dm)
    only_alice = AccessList.parse(users=f" {ALICE} , ")
    assert only_alice.allows(dm) and not only_alice.allows(bob_here)
    general = AccessList.parse(chats=GENERAL)
    assert general.allows(bob_here) and not general.allows(dm)
