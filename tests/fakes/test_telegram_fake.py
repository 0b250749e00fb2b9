"""The fake Telegram server, driven by a real aiogram Bot and Dispatcher over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputRichMessage,
    Message,
    MessageEntity,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_models import UploadedFile

TOKEN = "4242:TEST-switchboard-token"
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="yes")]])
KEYBOARD_JSON = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}


def _dump(value: Any) -> Any:
    """aiogram objects carry a bound Bot, so compare their plain JSON instead."""
    if isinstance(value, list):
        return [_dump(item) for item in value]
    return value.model_dump(exclude_none=True) if value is not None else None


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as server:
        yield server


async def _close(bot: Bot) -> None:
    # aiogram's close() sleeps 250 ms for TLS teardown; closing the plain-HTTP pool skips it.
    assert isinstance(bot.session, AiohttpSession)
    await (await bot.session.create_session()).close()
    await bot.session.close()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    # The documented wiring, spelled out rather than via fake.make_bot().
    real = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    yield real
    await _close(real)


async def test_get_me_returns_configured_identity(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (4242, "switchboard_bot", True)
    assert [c.method for c in fake.calls] == ["getMe"]


async def test_wrong_token_and_unknown_method(fake: FakeTelegram, bot: Bot) -> None:
    intruder = Bot("4242:wrong", session=AiohttpSession(api=fake.api_server()))
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await intruder.get_me()
    finally:
        await _close(intruder)
    async with aiohttp.ClientSession() as http, http.post(
            f"{fake.base_url}/bot{TOKEN}/noSuchMethod") as resp:
        assert resp.status == 404
        assert await resp.json() == {"ok": False, "error_code": 404,
                                     "description": "Not Found: method not found"}
    assert [c.status for c in fake.calls] == [401, 404]


async def test_send_then_edit_updates_state(fake: FakeTelegram, bot: Bot) -> None:
    first = await bot.send_message(100, "hello")
    second = await bot.send_message(100, "second")
    assert (first.message_id, second.message_id) == (1, 2)  # per-chat numbering
    assert first.from_user is not None and first.from_user.username == "switchboard_bot"
    assert first.chat.type == "private"
    edited = await bot.edit_message_text("hello world", chat_id=100, message_id=1)
    assert isinstance(edited, Message) and edited.edit_date is not None
    state = fake.messages[(100, 1)]
    assert [v.text for v in state.versions] == ["hello", "hello world"]
    assert state.edit_count == 1
    assert fake.final_texts(100) == ["hello world", "second"]
    assert (await bot.send_message(200, "other chat")).message_id == 1


async def test_identical_edit_is_not_modified(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(100, "same", reply_markup=KEYBOARD)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("same", chat_id=100, message_id=sent.message_id,
                                    reply_markup=KEYBOARD)
    # Dropping the keyboard is a real change, as on Telegram.
    await bot.edit_message_text("same", chat_id=100, message_id=sent.message_id)
    assert fake.messages[(100, sent.message_id)].reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=100, message_id=99)


async def test_injected_429_raises_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(100, "hi")
    assert caught.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in str(caught.value)
    await bot.send_message(100, "hi")  # the fault was one-shot
    assert [c.status for c in fake.calls] == [429, 200]
    assert fake.final_texts(100) == ["hi"]


async def test_fault_match_only_hits_matching_params(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user",
                   match=lambda params: params["chat_id"] == 2)
    await bot.send_message(1, "fine")
    with pytest.raises(Exception, match="bot was blocked"):
        await bot.send_message(2, "blocked")
    assert fake.faults == []


async def test_text_length_and_emptiness(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(100, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(100, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(100, "😀" * 2049)  # 4098 UTF-16 units, 2049 code points
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(100, "")  # aiogram omits the empty field entirely
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(100, "   ")
    assert len(fake.sent_to(100)) == 1


async def test_parse_modes_and_entities(fake: FakeTelegram, bot: Bot) -> None:
    ok = await bot.send_message(1, "*bold* and \\.", parse_mode="MarkdownV2")
    assert ok.text == "bold and ."
    assert _dump(ok.entities) == [{"type": "bold", "offset": 0, "length": 4}]
    html = await bot.send_message(1, "<b>hi</b> &amp; <a href='https://x.y'>link</a>",
                                  parse_mode="HTML")
    assert html.text == "hi & link"
    assert [(e.type, e.offset, e.url) for e in html.entities or []] == [
        ("bold", 0, None), ("text_link", 5, "https://x.y")]
    for text, mode, error in [("Hello.", "MarkdownV2", "Character '.' is reserved"),
                              ("*open", "MarkdownV2", "Can't find end of Bold entity"),
                              ("<b>open", "HTML", 'start tag "b"'),
                              ("<b>x</i>", "HTML", "Unmatched end tag"),
                              ("<blink>x</blink>", "HTML", "Unsupported start tag")]:
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(1, text, parse_mode=mode)
        assert error in (fake.calls[-1].error or "")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(1, "abc", entities=[MessageEntity(type="bold", offset=2, length=5)])
    emoji = await bot.send_message(1, "😀 hi", entities=[MessageEntity(type="bold", offset=3,
                                                                        length=2)])
    assert _dump(emoji.entities) == [{"type": "bold", "offset": 3, "length": 2}]  # UTF-16


async def test_form_bodies_decode_nested_json(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(100, "pick", reply_markup=KEYBOARD,
                                  disable_notification=True)
    params = fake.calls_to("sendMessage")[0].params
    assert params["reply_markup"] == KEYBOARD_JSON
    assert params["chat_id"] == 100 and params["disable_notification"] is True
    assert _dump(sent.reply_markup) == KEYBOARD_JSON  # echoed back and parsed by aiogram
    # A file forces aiogram to send multipart/form-data.
    photo = await bot.send_photo(100, BufferedInputFile(b"\x89PNG fake", "p.png"),
                                 caption="<i>cap</i>", parse_mode="HTML", reply_markup=KEYBOARD)
    params = fake.calls_to("sendPhoto")[0].params
    assert isinstance(params["photo"], UploadedFile) and params["photo"].data == b"\x89PNG fake"
    assert params["reply_markup"] == KEYBOARD_JSON
    assert photo.caption == "cap" and photo.photo
    async with aiohttp.ClientSession() as http, http.post(
            f"{fake.base_url}/bot{TOKEN}/sendMessage",
            json={"chat_id": 7, "text": "[json]", "reply_markup": KEYBOARD_JSON}) as resp:
        assert (await resp.json())["result"]["reply_markup"] == KEYBOARD_JSON
    assert fake.messages[(7, 1)].text == "[json]"


async def test_message_draft_is_recorded(fake: FakeTelegram, bot: Bot) -> None:
    assert await bot.send_message_draft(chat_id=100, draft_id=9, text="partial *x*",
                                        parse_mode="MarkdownV2") is True
    assert await bot.send_message_draft(chat_id=100, draft_id=9) is True  # "Thinking…"
    assert [(d.draft_id, d.text, d.entities) for d in fake.drafts] == [
        (9, "partial x", [{"type": "bold", "offset": 8, "length": 1}]), (9, "", [])]
    with pytest.raises(TelegramBadRequest):
        await bot.send_message_draft(chat_id=100, draft_id=0, text="x")
    assert fake.sent_to(100) == []  # drafts are not messages


async def test_draft_stop_button_and_the_update_a_press_sends(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message_draft(chat_id=100, draft_id=7, text="half", can_stop=True, keep_on_stop=True)
    assert (fake.drafts[0].can_stop, fake.drafts[0].keep_on_stop) == (True, True)
    fake.stop_generation(100, 7)
    (update,) = await bot.get_updates(timeout=0)
    stopped = update.stopped_message_generation
    assert stopped is not None and (stopped.chat.id, stopped.draft_id, stopped.chat.type) == (100, 7, "private")


async def test_rich_messages_are_sent_and_edited_into(fake: FakeTelegram, bot: Bot) -> None:
    table = "| a | b |\n|---|---|\n| 1 | 2 |"
    sent = await bot.send_rich_message(chat_id=100, rich_message=InputRichMessage(markdown=table))
    assert sent.rich_message is not None and sent.text is None
    plain = await bot.send_message(chat_id=100, text="plain first")
    await bot.edit_message_text(chat_id=100, message_id=plain.message_id, rich_message=InputRichMessage(markdown=table))
    assert [(m.kind, m.text) for m in fake.sent_to(100)] == [("rich", table), ("rich", table)]
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_rich_message(chat_id=100, rich_message=InputRichMessage(markdown="x" * 32_769))
    with pytest.raises(TelegramBadRequest, match="exactly one"):
        await bot.send_rich_message(chat_id=100, rich_message=InputRichMessage(html="<b>x</b>"))


async def test_long_poll_waits_then_confirms_with_offset(fake: FakeTelegram, bot: Bot) -> None:
    assert await bot.get_updates(timeout=0) == []
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for(lambda: fake.polls_in_flight == 1, what="a parked getUpdates")
    assert not poll.done()
    pushed = fake.user_message(100, 555, "/start now", username="alice")
    updates = await poll
    assert [u.update_id for u in updates] == [pushed["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "/start now"
    assert _dump(message.entities) == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message.from_user is not None and message.from_user.username == "alice"
    assert len(await bot.get_updates(timeout=0)) == 1  # unconfirmed: delivered again
    assert await bot.get_updates(offset=pushed["update_id"] + 1, timeout=0) == []
    assert fake.pending_updates == []


async def test_second_poller_terminates_first(fake: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for(lambda: fake.polls_in_flight == 1)
    second = asyncio.create_task(bot.get_updates(timeout=30))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first
    fake.push_update({"message": {"message_id": 1, "date": 0,
                                  "chat": {"id": 1, "type": "private"}, "text": "raw"}})
    assert [u.message.text for u in await second if u.message] == ["raw"]


async def test_dispatcher_polling_end_to_end(fake: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}", reply_markup=KEYBOARD)

    @dp.callback_query()
    async def press(query: CallbackQuery) -> None:
        await query.answer("noted")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"pressed {query.data}")

    fake.user_message(100, 100, "hi")
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False,
                                                    close_bot_session=False))
    try:
        await fake.wait_for(lambda: fake.final_texts(100) == ["echo: hi"], what="echo")
        sent = fake.sent_to(100)[0]
        assert sent.message_id == 2 and sent.reply_markup == KEYBOARD_JSON  # user's msg was 1
        fake.callback_query(100, 100, "yes")
        await fake.wait_for(lambda: fake.final_texts(100) == ["pressed yes"], what="edit")
        await fake.wait_for(lambda: not fake.pending_updates, what="updates confirmed")
    finally:
        await dp.stop_polling()
        await polling
    assert fake.calls[0].method == "getMe"
    assert fake.calls_to("answerCallbackQuery")[0].params["text"] == "noted"
    allowed = fake.calls_to("getUpdates")[0].params["allowed_updates"]
    assert sorted(allowed) == ["callback_query", "message"]


async def test_webhook_delivery_and_conflict(fake: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def answer(message: Message) -> None:
        await message.answer(f"hook: {message.text}")

    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token="s3cret").register(app, "/hook")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        await bot.set_webhook(url, secret_token="s3cret")
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates(timeout=0)
        update = fake.user_message(5, 5, "via hook", push=False)
        assert await fake.deliver_webhook(url, update, "wrong") == 401
        assert await fake.deliver_webhook(url, update, fake.webhook["secret_token"]) == 200
        await fake.wait_for(lambda: fake.final_texts(5) == ["hook: via hook"])
        await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()


async def test_flood_limit_with_injected_clock(bot: Bot) -> None:
    now = [100.0]
    async with FakeTelegram(token=TOKEN, clock=lambda: now[0]) as fake:
        fake.flood_limit(1.5)
        flooded = Bot(TOKEN, session=AiohttpSession(api=fake.api_server()))
        try:
            sent = await flooded.send_message(1, "a")
            await flooded.send_message(2, "other chat is independent")
            now[0] += 0.4
            with pytest.raises(TelegramRetryAfter) as caught:
                await flooded.edit_message_text("b", chat_id=1, message_id=sent.message_id)
            assert caught.value.retry_after == 2  # ceil(1.5 - 0.4)
            now[0] += 1.5
            await flooded.edit_message_text("b", chat_id=1, message_id=sent.message_id)
        finally:
            await _close(flooded)
        assert [(v.chat_id, v.method, v.retry_after) for v in fake.violations] == [
            (1, "editMessageText", 2)]
        assert fake.final_texts(1) == ["b"]


async def test_misc_methods(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert await bot.delete_my_commands() is True
    assert await bot.get_my_commands() == []
    assert await bot.send_chat_action(100, "typing") is True
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(100, "dancing")
    sent = await bot.send_message(100, "bye")
    assert await bot.delete_message(100, sent.message_id) is True
    assert fake.final_texts(100) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(100, sent.message_id)
    chat = await bot.get_chat(-1001)
    assert (chat.id, chat.type) == (-1001, "supergroup")


async def test_wait_for_times_out_with_recent_calls(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(100, "only this")
    with pytest.raises(TimeoutError, match=r"never not met within 0.05s(.|\n)*sendMessage"):
        await fake.wait_for(lambda: False, timeout=0.05, what="never")


async def test_user_message_builders(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(-100777, "bot says")
    group = fake.user_message(-100777, 9, "@switchboard_bot ping", chat_type="supergroup",
                              message_thread_id=4, reply_to_bot=True)["message"]
    assert group["chat"]["type"] == "supergroup" and group["is_topic_message"] is True
    assert group["reply_to_message"]["text"] == "bot says"
    assert group["entities"] == [{"type": "mention", "offset": 0, "length": 16}]
    pic = fake.user_message(1, 1, photo=True, caption="look")["message"]
    assert pic["caption"] == "look" and "text" not in pic and pic["photo"]
    updates = await bot.get_updates(timeout=0)
    assert updates[0].message is not None and updates[0].message.reply_to_message is not None
    assert updates[1].message is not None and updates[1].message.caption == "look"


async def test_stop_releases_parked_poll(fake: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for(lambda: fake.polls_in_flight == 1)
    async with asyncio.timeout(2):  # a stuck waiter would hold shutdown for the full 30 s
        await fake.stop()
        assert await poll == []
    assert fake.polls_in_flight == 0
