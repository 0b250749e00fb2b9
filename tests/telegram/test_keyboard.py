"""/model shows an inline keyboard; a tap switches the model for the user who tapped."""

from __future__ import annotations

from tests.fakes.model_server import FakeModelServer
from tests.fakes.telegram_models import SentMessage
from tests.telegram.conftest import PRIVATE_CHAT, Running, StartBot

LONG_ID = "vendor/" + "a-very-long-model-name-" * 3 + "instruct"


async def _keyboard(bot: Running) -> SentMessage:
    bot.say("/model")
    found = await bot.fake.wait_for(
        lambda: next((m for m in bot.fake.sent_to(PRIVATE_CHAT) if m.reply_markup), None),
        what="a keyboard")
    assert isinstance(found, SentMessage)
    return found


def _buttons(message: SentMessage) -> dict[str, str]:
    assert message.reply_markup is not None
    return {b["text"]: b["callback_data"] for row in message.reply_markup["inline_keyboard"]
            for b in row}


async def test_model_keyboard_tap_switches_the_model(start_bot: StartBot) -> None:
    bot = await start_bot()
    keyboard = await _keyboard(bot)
    buttons = _buttons(keyboard)
    assert buttons == {"fake-other": "/model fake-other"}  # current and too-small ones are not offered
    bot.fake.callback_query(PRIVATE_CHAT, PRIVATE_CHAT, buttons["fake-other"], keyboard.message_id)
    await bot.fake.wait_for(
        lambda: "Model switched to fake-other." in bot.fake.final_texts(PRIVATE_CHAT))
    assert bot.fake.calls_to("answerCallbackQuery")
    bot.say("hello")
    await bot.fake.wait_for(lambda: "You said: hello" in bot.fake.final_texts(PRIVATE_CHAT))
    assert bot.model.chat_requests()[-1].body["model"] == "fake-other"


async def test_long_model_ids_travel_as_a_hash(start_bot: StartBot, model_server: FakeModelServer) -> None:
    model_server.models.append({"id": LONG_ID, "context_length": 128000})  # listed before start-up caches the list
    bot = await start_bot()
    keyboard = await _keyboard(bot)
    data = _buttons(keyboard)[LONG_ID]
    assert data.startswith("#") and len(data.encode()) <= 64
    bot.fake.callback_query(PRIVATE_CHAT, PRIVATE_CHAT, data, keyboard.message_id)
    await bot.fake.wait_for(
        lambda: f"Model switched to {LONG_ID}." in bot.fake.final_texts(PRIVATE_CHAT))


async def test_unknown_button_is_answered_and_ignored(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.say("hi")
    await bot.reply_is(PRIVATE_CHAT, "You said: hi")
    bot.fake.callback_query(PRIVATE_CHAT, PRIVATE_CHAT, "#not-a-known-hash")
    call = await bot.fake.wait_for_call("answerCallbackQuery")
    assert call.params["text"] == "This button has expired. Send the command again."
    await bot.gateway.join()
    assert bot.fake.final_texts(PRIVATE_CHAT) == ["You said: hi"]
