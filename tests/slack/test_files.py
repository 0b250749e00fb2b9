"""Images, audio clips and files shared with the bot, through real slack-bolt against the fake
Slack, whose url_private serves a file only to a request carrying the bot token."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from tests.fakes.model_api import FakeModelAPI
from tests.fakes.slack_events import ALICE_DM, GENERAL
from tests.media import assert_no_bytes, ogg, png
from tests.slack.conftest import StartBot

SEES = {"architecture": {"input_modalities": ["text", "image"]}}


@pytest.mark.parametrize("mode", ["chat", "responses", "anthropic"])
async def test_a_shared_image_reaches_a_vision_model_in_each_api_mode(start_bot: StartBot, mode: str,
    redis: Redis, prefix: str) -> None:
    async with FakeModelAPI(models=[{"id": "seer", "context_length": 200000, **SEES}]) as api:
        bot = await start_bot(model_base_url=api.base_url, model_api_mode=mode, model_name="seer")
        fake, image = bot.fake, png()
        shared = fake.file_object("chart.png", "image/png", image)
        event = await fake.mention("what does this chart show?", files=[shared])
        await bot.thread_shows(GENERAL, event["ts"], "Hello there, friend.")
        assert api.images() == [[("image/png", base64.b64encode(image).decode())]]
        assert "what does this chart show?" in str(api.streams()[0].body)
        assert fake.file_downloads == [(shared["url_private_download"].removeprefix(fake.root_url),
                                        f"Bearer {fake.bot_token}")]
        await assert_no_bytes(redis, prefix, image)


async def test_url_private_refuses_a_request_without_the_bot_token(start_bot: StartBot) -> None:
    bot = await start_bot()
    shared = bot.fake.file_object("a.png", "image/png", png())
    async with aiohttp.ClientSession() as session:
        async with session.get(shared["url_private"]) as anonymous:
            assert anonymous.content_type == "text/html"  # the sign-in page, not the file
        async with session.get(shared["url_private"], headers={"Authorization": "Bearer xoxb-wrong"},
                               allow_redirects=False) as wrong:
            assert wrong.status == 302
        async with session.get(shared["url_private"],
                               headers={"Authorization": f"Bearer {bot.fake.bot_token}"}) as right:
            assert await right.read() == png()


async def test_an_audio_clip_in_a_dm_is_transcribed(start_bot: StartBot, redis: Redis, prefix: str) -> None:
    bot = await start_bot(transcribe_model="whisper-1")
    clip = ogg()
    shared = bot.fake.file_object("audio_message.webm", "audio/webm", clip, subtype="slack_audio")
    await bot.fake.dm("", files=[shared], subtype="file_share")
    await bot.thread_shows(ALICE_DM, None, "> what is the weather like\n\nYou said: what is the weather like")
    assert bot.model.transcriptions[0].filename == "audio_message.webm"
    assert bot.model.transcriptions[0].data == clip
    await assert_no_bytes(redis, prefix, clip)


async def test_a_file_stated_over_the_limit_is_refused_before_download(start_bot: StartBot, model_server: Any) -> None:
    bot = await start_bot(vision_models="*")
    shared = bot.fake.file_object("huge.png", "image/png", png(), size=12 * 1024 * 1024)
    event = await bot.fake.mention("look", files=[shared])
    await bot.thread_shows(GENERAL, event["ts"], "huge.png is 12 MB; I take images up to 10 MB (IMAGE_MAX_BYTES). "
                                                 "Send a smaller one.")
    assert not bot.fake.file_downloads and not model_server.chat_requests()


async def test_without_files_read_the_user_is_asked_again_and_the_log_says_why(
        start_bot: StartBot, caplog: pytest.LogCaptureFixture) -> None:
    bot = await start_bot(vision_models="*")
    bot.fake.files_scope = False
    event = await bot.fake.mention("look", files=[bot.fake.file_object("chart.png", "image/png", png())])
    await bot.thread_shows(GENERAL, event["ts"], "I could not download chart.png from Slack. Please send it again.")
    (line,) = [r.getMessage() for r in caplog.records
               if r.name == "core.pipeline.attachments" and "could not download" in r.getMessage()]
    assert "files:read" in line and bot.fake.bot_token not in caplog.text
