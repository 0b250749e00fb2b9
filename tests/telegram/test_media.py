"""Photos, voice notes and stickers get a short note; a photo's caption is answered as text."""

from __future__ import annotations

from bots.telegram.handlers import TEXT_ONLY
from tests.telegram.conftest import GROUP_CHAT, PRIVATE_CHAT, StartBot


async def test_photo_gets_the_text_only_note_and_a_caption_is_answered(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, photo=True)
    await bot.reply_is(PRIVATE_CHAT, TEXT_ONLY)
    bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, photo=True, caption="what is this?")
    await bot.reply_is(PRIVATE_CHAT, TEXT_ONLY, "You said: what is this?")


async def test_voice_gets_the_note_and_group_media_only_when_addressed(start_bot: StartBot) -> None:
    bot = await start_bot()
    voice = bot.fake.user_message(PRIVATE_CHAT, PRIVATE_CHAT, "x", push=False)
    del voice["message"]["text"]
    voice["message"]["voice"] = {"file_id": "v1", "file_unique_id": "u1", "duration": 2}
    bot.fake.push_update(voice)
    await bot.reply_is(PRIVATE_CHAT, TEXT_ONLY)
    bot.fake.user_message(GROUP_CHAT, 7, chat_type="supergroup", photo=True)  # not for us
    bot.fake.user_message(GROUP_CHAT, 7, chat_type="supergroup", photo=True,
                          caption="@switchboard_bot")  # for us, but no words
    await bot.reply_is(GROUP_CHAT, TEXT_ONLY)
    assert not bot.model.chat_requests()
