"""The fake itself, spoken to without discord.py: the wire details discord.py depends on."""

from __future__ import annotations

import json

import aiohttp

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_gateway import DROPPED, HEARTBEAT_ACK, HELLO

MESSAGES = "POST /channels/{channel_id}/messages"


async def test_rest_answers_are_exactly_application_json_and_a_429_carries_via(fake: FakeDiscord) -> None:
    headers = {"Authorization": f"Bot {fake.token}"}
    fake.rate_limit(MESSAGES, retry_after=0.25)
    async with aiohttp.ClientSession(headers=headers) as http:
        url = f"{fake.base_url}/channels/{fake.channel_id}/messages"
        async with http.post(url, json={"content": "hi"}) as limited:
            assert limited.status == 429 and limited.headers["Content-Type"] == "application/json"
            assert limited.headers["Via"] and (await limited.json())["retry_after"] == 0.25
        async with http.post(url, json={"content": "x" * 2001}) as too_long:
            assert too_long.status == 400 and (await too_long.json())["code"] == 50035
        async with http.post(url, json={"content": "hi"}) as sent:
            assert sent.status == 200 and sent.headers["Content-Type"] == "application/json"
        async with http.get(f"{fake.base_url}/users/@me", headers={"Authorization": "Bot wrong"}) as denied:
            assert denied.status == 401
    assert [c.status for c in fake.calls_to(MESSAGES)] == [429, 400, 200]


async def test_an_interaction_is_acknowledged_once_and_its_token_expires(fake: FakeDiscord) -> None:
    record = fake.slash("ask", {"prompt": "hi"})
    callback = f"{fake.base_url}/interactions/{record.id}/{record.token}/callback"
    original = f"{fake.base_url}/webhooks/{fake.app_id}/{record.token}/messages/@original"
    async with aiohttp.ClientSession() as http:
        async with http.post(callback, json={"type": 5}) as first:
            assert first.status == 204
        async with http.post(callback, json={"type": 5}) as second:
            assert second.status == 400 and (await second.json())["code"] == 40060
        async with http.patch(original, json={"content": "done"}) as edited:
            assert edited.status == 200 and (await edited.json())["content"] == "done"
        fake.token_life = 0.0
        async with http.patch(original, json={"content": "late"}) as expired:
            assert expired.status == 401 and (await expired.json())["code"] == 50027


async def test_the_gateway_says_hello_readies_acks_and_resumes(fake: FakeDiscord) -> None:
    fake.user_message("queued before anyone connected", mention=True)
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(fake.gateway_url) as ws:
            assert (await ws.receive_json())["op"] == HELLO
            await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 513, "properties": {}}})
            ready, guild, message = [await ws.receive_json() for _ in range(3)]
            assert [ready["t"], guild["t"], message["t"]] == ["READY", "GUILD_CREATE", "MESSAGE_CREATE"]
            assert ready["d"]["resume_gateway_url"] == fake.gateway_url and message["s"] == 3
            assert message["d"]["content"].endswith("queued before anyone connected")
            await ws.send_json({"op": 1, "d": 3})
            assert (await ws.receive_json())["op"] == HEARTBEAT_ACK
            await fake.drop_connection()
            assert (await ws.receive()).data == DROPPED
        fake.user_message("while away", mention=True)
        async with http.ws_connect(fake.gateway_url) as ws:
            await ws.receive_json()
            await ws.send_json({"op": 6, "d": {"token": fake.token, "session_id": ready["d"]["session_id"], "seq": 3}})
            missed, resumed = json.loads((await ws.receive()).data), await ws.receive_json()
            assert missed["d"]["content"].endswith("while away") and resumed["t"] == "RESUMED"


async def test_guild_messages_lose_their_content_without_the_intent_unless_they_mention_the_bot(
        fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url) as ws:
        await ws.receive_json()
        await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 513, "properties": {}}})
        for _ in range(2):
            await ws.receive_json()
        fake.user_message("private chatter")
        fake.user_message("for the bot", mention=True)
        plain, mention = [await ws.receive_json() for _ in range(2)]
        assert plain["d"]["content"] == "" and mention["d"]["content"].endswith("for the bot")
