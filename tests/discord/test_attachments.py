"""Image attachments, voice messages and files through the real discord.py client against the
fake Discord, whose CDN serves the attachment URLs."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from redis.asyncio import Redis

from tests.discord.conftest import StartBot
from tests.fakes.model_api import FakeModelAPI
from tests.media import assert_no_bytes, ogg, png

SEES = {"architecture": {"input_modalities": ["text", "image"]}}
BLIND = {"architecture": {"input_modalities": ["text"]}}


@pytest.mark.parametrize("mode", ["chat", "responses", "anthropic"])
async def test_an_image_attachment_reaches_a_vision_model_in_each_api_mode(start_bot: StartBot, mode: str,
    redis: Redis, prefix: str) -> None:
    async with FakeModelAPI(models=[{"id": "seer", "context_length": 200000, **SEES}]) as api:
        bot = await start_bot(model_base_url=api.base_url, model_api_mode=mode, model_name="seer")
        fake, image = bot.fake, png()
        fake.user_message("what is on this screenshot?", mention=True, files=[("shot.png", "image/png", image)])
        await bot.channel_says(fake.channel_id, "Hello there, friend.")
        assert api.images() == [[("image/png", base64.b64encode(image).decode())]]
        assert "what is on this screenshot?" in str(api.streams()[0].body)
        assert len(fake.cdn_downloads) == 1
        await assert_no_bytes(redis, prefix, image)


async def test_a_voice_message_is_transcribed_and_answered(start_bot: StartBot, redis: Redis, prefix: str) -> None:
    bot = await start_bot(transcribe_model="whisper-1")
    note = ogg()
    message = bot.fake.user_message("", dm=True, voice=note)
    await bot.channel_says(message.channel_id, "> what is the weather like\n\nYou said: what is the weather like")
    heard = bot.model.transcriptions[0]
    assert (heard.filename, heard.content_type, heard.data) == ("voice-message.ogg", "audio/ogg", note)
    await assert_no_bytes(redis, prefix, note)


async def test_a_photo_for_a_text_only_model_and_one_over_the_limit(start_bot: StartBot, model_server: Any) -> None:
    model_server.models = [{"id": "fake-large", "context_length": 128000, **BLIND},
                           {"id": "fake-other", "context_length": 200000, **SEES}]
    bot = await start_bot(image_max_bytes=1024)
    fake = bot.fake
    text_only = "fake-large reads text only. Models that read images: fake-other. Switch with /model <id>."
    fake.user_message("look", mention=True, files=[("a.png", "image/png", png())])
    await bot.channel_says(fake.channel_id, text_only)
    # Read before the next message is sent, as a person would: a command's line (a notice) and the
    # next message's answer go out on their own paths, in whichever order they reach the chat's budget.
    fake.user_message("/model fake-other", mention=True)
    await bot.channel_says(fake.channel_id, text_only, "Model switched to fake-other.")
    fake.user_message("and now?", mention=True, files=[("big.png", "image/png", png())], sizes={"big.png": 4096})
    await bot.channel_says(fake.channel_id, text_only, "Model switched to fake-other.",
                           "big.png is 4 KB; I take images up to 1 KB (IMAGE_MAX_BYTES). Send a smaller one.")
    assert not fake.cdn_downloads and not bot.model.chat_requests()


async def test_a_text_file_is_read(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply = "It says hello."
    fake = bot.fake
    fake.user_message("what does it say?", mention=True, files=[("note.txt", "text/plain; charset=utf-8", b"hello")])
    await bot.channel_says(fake.channel_id, "It says hello.")
    assert bot.model.chat_requests()[0].body["messages"][-1]["content"] == \
        'what does it say?\n\n<file name="note.txt">\nhello\n</file>'
