"""Photos, voice notes and files through the real aiogram Bot against the fake Bot API, which
serves them as Telegram does: getFile, then /file/bot<token>/<file_path>."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from redis.asyncio import Redis

from bots.telegram.handlers import UNREADABLE
from core.media.transcribe import HOW_TO_ENABLE
from tests.fakes.model_api import FakeModelAPI
from tests.media import assert_no_bytes, jpeg, ogg
from tests.telegram.conftest import GROUP_CHAT, PRIVATE_CHAT, StartBot

SEES = {"architecture": {"input_modalities": ["text", "image"]}}
BLIND = {"architecture": {"input_modalities": ["text"]}}


@pytest.mark.parametrize("mode", ["chat", "responses", "anthropic"])
async def test_a_photo_with_a_caption_reaches_a_vision_model_in_each_api_mode(start_bot: StartBot, mode: str,
    redis: Redis, prefix: str) -> None:
    async with FakeModelAPI(models=[{"id": "seer", "context_length": 200000, **SEES}]) as api:
        bot = await start_bot(model_base_url=api.base_url, model_api_mode=mode, model_name="seer")
        photo = jpeg(b"a cat on a mat")
        bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, photo=photo, caption="what is in this picture?")
        await bot.reply_is(PRIVATE_CHAT, "Hello there, friend.")
        assert api.images() == [[("image/jpeg", base64.b64encode(photo).decode())]]  # one image part, the mode's own
        request = api.streams()[0].body
        assert request["stream"] is True
        assert "what is in this picture?" in str(request.get("messages") or request.get("input"))
        assert bot.fake.downloads == ["photos/file_2.jpg"]  # the largest size, not the thumbnail
        await assert_no_bytes(redis, prefix, photo)


async def test_a_photo_answer_streams_into_the_chat(start_bot: StartBot) -> None:
    bot = await start_bot(vision_models="fake-large")
    bot.model.reply = "a cat sitting on a warm mat in the sun"
    bot.model.hold, bot.model.hold_after = asyncio.Event(), 3
    bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, photo=jpeg(), caption="what is this?")
    draft = await bot.fake.wait_for(lambda: bot.fake.drafts, what="a draft of the answer")
    assert draft[0].text.startswith("a cat sitting") and draft[0].text != bot.model.reply  # shown while written
    bot.model.hold.set()
    await bot.reply_is(PRIVATE_CHAT, "a cat sitting on a warm mat in the sun")
    assert len(bot.model.image_parts()[0]) == 1


async def test_a_photo_for_a_text_only_model_gets_one_line(start_bot: StartBot, model_server: Any) -> None:
    model_server.models = [{"id": "fake-large", "context_length": 128000, **BLIND},
                           {"id": "fake-other", "context_length": 200000, **SEES}]
    bot = await start_bot()
    bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, photo=jpeg(), caption="what is this?")
    await bot.reply_is(PRIVATE_CHAT, "fake-large reads text only. Models that read images: fake-other. "
                                     "Switch with /model <id>.")
    assert not bot.fake.calls_to("getFile") and not bot.model.chat_requests()


async def test_a_photo_stated_over_the_limit_is_refused_before_any_download(start_bot: StartBot) -> None:
    bot = await start_bot(vision_models="*", image_max_bytes=1_000_000)
    bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, photo=jpeg(), size=3 * 1024 * 1024)
    await bot.reply_is(PRIVATE_CHAT, "This photo is 3 MB; I take images up to 977 KB (IMAGE_MAX_BYTES). "
                                     "Send a smaller one.")
    assert not bot.fake.calls_to("getFile") and not bot.fake.downloads


async def test_an_image_document_over_telegrams_cap_is_refused_by_getfile(start_bot: StartBot) -> None:
    bot = await start_bot(vision_models="*", image_max_bytes=50 * 1024 * 1024)
    bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, document=("scan.png", "image/png", b"\x89PNG\r\n\x1a\n"),
                        size=25 * 1024 * 1024)
    await bot.reply_is(PRIVATE_CHAT, "scan.png is 25 MB; I take images up to 50 MB (IMAGE_MAX_BYTES). "
                                     "Send a smaller one.")
    assert bot.fake.calls_to("getFile")[0].error == "Bad Request: file is too big"
    assert not bot.fake.downloads


async def test_a_voice_note_is_transcribed_and_answered(start_bot: StartBot, redis: Redis, prefix: str) -> None:
    bot = await start_bot(transcribe_model="whisper-1")
    note = ogg()
    bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, voice=note)
    await bot.reply_is(PRIVATE_CHAT, "what is the weather like\n\nYou said: what is the weather like")
    quote = bot.fake.sent_to(PRIVATE_CHAT)[-1].entities[0]  # the transcript, quoted above the answer
    assert (quote["type"], quote["offset"], quote["length"]) == ("blockquote", 0, len("what is the weather like"))
    assert bot.model.transcriptions[0].data == note
    assert bot.model.transcriptions[0].content_type == "audio/ogg"
    photo = jpeg()
    bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, photo=photo)
    await bot.fake.wait_for(lambda: len(bot.model.chat_requests()) == 2, what="the photo answered")
    await bot.gateway.join()
    await assert_no_bytes(redis, prefix, note, photo)


async def test_a_voice_note_without_transcription_says_how_to_enable_it(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, voice=ogg())
    await bot.reply_is(PRIVATE_CHAT, HOW_TO_ENABLE)
    assert not bot.fake.downloads and not bot.model.chat_requests()


async def test_a_text_document_is_read_with_its_name(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.reply = "Two rows."
    bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, caption="count the rows",
                        document=("rows.csv", "text/csv", b"a,b\n1,2\n"))
    await bot.reply_is(PRIVATE_CHAT, "Two rows.")
    asked = bot.model.chat_requests()[0].body["messages"][-1]["content"]
    assert asked == 'count the rows\n\n<file name="rows.csv">\na,b\n1,2\n\n</file>'



async def test_stickers_get_a_note_and_group_media_only_when_addressed(start_bot: StartBot) -> None:
    bot = await start_bot(vision_models="*")
    sticker = bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "x", push=False)
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512,
                                     "height": 512, "is_animated": False, "is_video": False}
    bot.fake.push_update(sticker)
    await bot.reply_is(PRIVATE_CHAT, UNREADABLE)
    bot.fake.user_media(GROUP_CHAT, 7, chat_type="supergroup", photo=jpeg())  # not for us
    bot.fake.user_media(GROUP_CHAT, 7, chat_type="supergroup", photo=jpeg(), caption="@switchboard_bot look")
    await bot.reply_is(GROUP_CHAT, "You said: [1 image] look")
    assert len(bot.fake.downloads) == 1


async def test_an_albums_photos_go_together_with_its_caption(start_bot: StartBot) -> None:
    bot = await start_bot(vision_models="*", adapter={"album_wait": 0.3})
    first, second = jpeg(b"first"), jpeg(b"second")
    # Telegram delivers an album as one message per photo, the caption on the first.
    bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, photo=first, caption="which is brighter?", album="al-1")
    bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, photo=second, album="al-1")
    await bot.reply_is(PRIVATE_CHAT, "You said: [2 images] which is brighter?")
    (request,) = bot.model.chat_requests()
    urls = [p["image_url"]["url"] for p in bot.model.image_parts()[0]]
    assert urls == [f"data:image/jpeg;base64,{base64.b64encode(data).decode()}" for data in (first, second)]
    assert request.body["messages"][-1]["content"][0] == {"type": "text", "text": "which is brighter?"}


async def test_a_file_telegram_no_longer_gives_asks_to_send_it_again(start_bot: StartBot,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    bot = await start_bot(vision_models="*")
    update = bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, photo=jpeg(), push=False)
    del bot.fake.files[update["message"]["photo"][-1]["file_id"]]  # getFile no longer knows it
    bot.fake.push_update(update)
    await bot.reply_is(PRIVATE_CHAT, "I could not download the photo from Telegram. Please send it again.")
    assert bot.fake.calls_to("getFile")[0].error == "Bad Request: invalid file_id"
    assert "invalid file_id" in caplog.text and bot.fake.token not in caplog.text
    assert not bot.model.chat_requests()


async def test_a_download_that_fails_never_logs_the_token_in_the_url(start_bot: StartBot,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    bot = await start_bot(vision_models="*")
    update = bot.fake.user_media(PRIVATE_CHAT, PRIVATE_CHAT, photo=jpeg(), push=False)
    bot.fake.lost_paths.add(bot.fake.files[update["message"]["photo"][-1]["file_id"]][0])
    bot.fake.push_update(update)
    await bot.reply_is(PRIVATE_CHAT, "I could not download the photo from Telegram. Please send it again.")
    assert [c.status for c in bot.fake.calls_to("file")] == [404]
    assert "could not download" in caplog.text and bot.fake.token not in caplog.text  # the URL holds the token
