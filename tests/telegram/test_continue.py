"""An answer cut at the model's length limit says so and offers a Continue button."""

from __future__ import annotations

from core.commands.continue_answer import GO_ON
from core.reply.stream import CONTINUE_OFFER
from tests.telegram.conftest import PRIVATE_CHAT, StartBot


async def test_continue_button_asks_the_model_to_go_on(start_bot: StartBot) -> None:
    bot = await start_bot()
    bot.model.finish_reason = "length"
    bot.say("tell me everything")
    await bot.reply_is(PRIVATE_CHAT, "You said: tell me everything\n\n(cut off: the answer reached its length limit)",
                       CONTINUE_OFFER)
    offer = bot.fake.sent_to(PRIVATE_CHAT)[-1]
    assert offer.reply_markup == {"inline_keyboard": [[{"text": "Continue", "callback_data": "/continue"}]]}
    bot.model.finish_reason = "stop"
    bot.fake.callback_query(PRIVATE_CHAT, PRIVATE_CHAT, "/continue", offer.message_id)
    await bot.fake.wait_for(lambda: len(bot.fake.sent_to(PRIVATE_CHAT)) == 3, what="the continuation")
    await bot.gateway.join()
    assert bot.model.chat_requests()[-1].body["messages"][-1] == {"role": "user", "content": GO_ON}
