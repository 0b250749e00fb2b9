"""Photos, voice notes and files through the whole core: a real Redis, the local model server,
and the in-memory platform serving the files."""

from __future__ import annotations

import base64
import json
from typing import Any

from redis.asyncio import Redis

from core.media.transcribe import HOW_TO_ENABLE
from core.types import Attachment, Inbound
from tests.conftest import GatewayMaker
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.model_server import FakeModelServer
from tests.helpers import inbound
from tests.media import assert_no_bytes, ogg, pdf, png

SEES = {"architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]}}
BLIND = {"architecture": {"input_modalities": ["text"], "output_modalities": ["text"]}}


def models(large: dict[str, Any], other: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The model list, with what each model reads as OpenRouter says it."""
    return [{"id": "fake-large", "context_length": 128000, **large},
            {"id": "fake-other", "context_length": 200000, **(other or {})},
            {"id": "fake-small", "context_length": 8192, **SEES}]  # reads images, but under the 64K gate


def with_files(text: str, *files: Attachment) -> Inbound:
    return inbound(text, attachments=files)


def history_users(server: FakeModelServer, index: int) -> list[Any]:
    return [m["content"] for m in server.chat_requests()[index].body["messages"] if m["role"] == "user"]


async def test_photo_goes_to_a_vision_model_with_its_caption(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer,
        redis: Redis, prefix: str) -> None:
    model_server.models = models(SEES)
    gateway = await make_gateway()
    image = png()
    platform.files["img-1"] = image
    await gateway.handle(with_files("what is this?", Attachment("image", "img-1", mime="image/png", size=len(image))))
    await gateway.join()
    assert platform.final_texts("chat-alice") == ["You said: [1 image] what is this?"]
    parts = model_server.image_parts()[0]
    assert parts == [{"type": "image_url", "image_url": {"url": "data:image/png;base64," +
                                                          base64.b64encode(image).decode()}}]
    await gateway.handle(inbound("and now?"))
    await gateway.join()
    # History keeps the words and a marker; the image went with its own message only.
    assert history_users(model_server, 1) == ["[photo: 1 image] what is this?", "and now?"]
    assert model_server.image_parts()[1] == []
    await assert_no_bytes(redis, prefix, image)


async def test_several_images_of_one_message_go_together(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.models = models(SEES)
    gateway = await make_gateway()
    platform.files |= {"a": png(2, 2), "b": png(3, 3)}
    await gateway.handle(with_files("compare", Attachment("image", "a"), Attachment("image", "b")))
    await gateway.join()
    assert len(model_server.chat_requests()) == 1
    assert len(model_server.image_parts()[0]) == 2
    assert platform.final_texts("chat-alice") == ["You said: [2 images] compare"]


async def test_a_photo_for_a_text_only_model_names_the_vision_models(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.models = models(BLIND, SEES)
    gateway = await make_gateway()
    platform.files["img-1"] = png()
    await gateway.handle(with_files("what is this?", Attachment("image", "img-1")))
    await gateway.join()
    assert [n.text for n in platform.notices] == [
        "fake-large reads text only. Models that read images: fake-other. Switch with /model <id>."]
    assert not model_server.chat_requests() and not platform.fetched  # nothing downloaded, nothing sent


async def test_a_photo_stated_over_the_limit_is_refused_before_download(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.models = models(SEES)
    gateway = await make_gateway()
    await gateway.handle(with_files("", Attachment("image", "big", mime="image/jpeg", size=11 * 1024 * 1024)))
    await gateway.join()
    assert [n.text for n in platform.notices] == [
        "This photo is 11 MB; I take images up to 10 MB (IMAGE_MAX_BYTES). Send a smaller one."]
    assert not platform.fetched and not model_server.chat_requests()


async def test_a_photo_found_too_big_while_downloading_is_refused(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.models = models(SEES)
    gateway = await make_gateway(image_max_bytes=2048)
    platform.files["img-1"] = png(pad=4096)
    await gateway.handle(with_files("hm", Attachment("file", "img-1", "big.png", "image/png")))  # size not stated
    await gateway.join()
    assert [n.text for n in platform.notices] == [
        "big.png is too big; I take images up to 2 KB (IMAGE_MAX_BYTES). Send a smaller one."]
    assert not model_server.chat_requests()


async def test_an_endpoint_refusing_the_image_gets_the_text_only_line(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.models = models({})  # the list says nothing about images: the photo is tried
    gateway = await make_gateway(vision_models="fake-other")
    model_server.fail_next(400, {"error": {"message": "Invalid content type. image_url is only supported by "
                                                      "certain models.", "type": "invalid_request_error"}})
    platform.files["img-1"] = png()
    await gateway.handle(with_files("what is this?", Attachment("image", "img-1")))
    await gateway.join()
    assert [n.text for n in platform.notices] == [
        "fake-large reads text only. Models that read images: fake-other. Switch with /model <id>."]


async def test_an_image_refused_as_too_big_is_not_called_text_only(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.models = models(SEES)
    gateway = await make_gateway()
    model_server.fail_next(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                            "message": "messages.0.content.0.image.source.base64: "
                                                                       "image exceeds 5 MB maximum: 7340032 bytes"}})
    platform.files["img-1"] = png()
    await gateway.handle(with_files("", Attachment("image", "img-1")))
    await gateway.join()
    model_server.fail_next(413, {"error": "Maximum request body size 1048576 exceeded."})  # a proxy's body limit
    await gateway.handle(with_files("", Attachment("image", "img-1")))
    await gateway.join()
    assert [n.text for n in platform.notices] == [
        "The model's endpoint refused the image as too big. Send a smaller one."] * 2


async def test_images_of_other_formats_and_videos_are_refused_without_a_download(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.models = models(SEES)
    gateway = await make_gateway()
    await gateway.handle(with_files("", Attachment("file", "h", "IMG_0001.HEIC", "image/heic", 2_000_000)))
    await gateway.handle(with_files("", Attachment("file", "v", "clip.mp4", "video/mp4", 9_000_000)))
    await gateway.join()
    assert [n.text for n in platform.notices] == [
        "IMG_0001.HEIC is image/heic; the models take JPEG, PNG, GIF and WebP images. Send it as one of those.",
        "I cannot watch videos (clip.mp4). Send a photo, a voice note or text instead."]
    assert not platform.fetched


async def test_a_voice_note_is_transcribed_and_answered_with_the_transcript_quoted(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer,
        redis: Redis, prefix: str) -> None:
    gateway = await make_gateway(transcribe_model="whisper-1")
    note = ogg()
    platform.files["v-1"] = note
    await gateway.handle(with_files("", Attachment("audio", "v-1", mime="audio/ogg", size=len(note))))
    await gateway.join()
    assert platform.final_texts("chat-alice") == [
        "> what is the weather like\n\nYou said: what is the weather like"]
    heard = model_server.transcriptions[0]
    assert (heard.model, heard.filename, heard.content_type, heard.data) == ("whisper-1", "voice.ogg", "audio/ogg",
                                                                              note)
    assert heard.authorization == "Bearer sk-test-secret"  # MODEL_API_KEY, to MODEL_BASE_URL itself
    await gateway.handle(inbound("thanks"))
    await gateway.join()
    assert history_users(model_server, 1) == ["[voice: what is the weather like]", "thanks"]
    assert model_server.chat_requests()[1].body["messages"][2]["content"] == "You said: what is the weather like"
    await assert_no_bytes(redis, prefix, note)


async def test_transcription_elsewhere_never_gets_the_model_key(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    async with FakeModelServer() as whisper:
        whisper.transcript = "hello from elsewhere"
        gateway = await make_gateway(transcribe_model="whisper-1", transcribe_base_url=whisper.base_url)
        platform.files["v-1"] = ogg()
        await gateway.handle(with_files("", Attachment("audio", "v-1", "note.m4a", "audio/mp4")))
        await gateway.join()
        assert whisper.transcriptions[0].authorization == ""
        assert whisper.transcriptions[0].filename == "note.m4a"
        assert not model_server.transcriptions
    assert platform.final_texts("chat-alice") == ["> hello from elsewhere\n\nYou said: hello from elsewhere"]


async def test_a_voice_note_without_a_transcription_model_says_how_to_enable_it(
        gateway: Any, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    platform.files["v-1"] = ogg()
    await gateway.handle(with_files("", Attachment("audio", "v-1", mime="audio/ogg")))
    await gateway.join()
    assert [n.text for n in platform.notices] == [HOW_TO_ENABLE]
    assert "TRANSCRIBE_MODEL" in HOW_TO_ENABLE
    assert not platform.fetched and not model_server.chat_requests()


async def test_a_transcription_endpoint_without_the_route_gets_one_line(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    gateway = await make_gateway(transcribe_model="whisper-1")
    model_server.fail_next(404, {"detail": "Not Found"}, path="/audio/transcriptions")
    platform.files["v-1"] = ogg()
    await gateway.handle(with_files("", Attachment("audio", "v-1")))
    await gateway.join()
    assert [n.text for n in platform.notices] == [
        "I could not transcribe the voice note: the endpoint has no /audio/transcriptions (the operator can set "
        "TRANSCRIBE_BASE_URL). Please try again, or type it."]
    assert not model_server.chat_requests()


async def test_a_text_file_goes_into_the_prompt_with_its_name(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer,
        redis: Redis, prefix: str) -> None:
    model_server.reply = lambda body: "summarised"
    gateway = await make_gateway()
    body = b"# Plan\n\n1. ship it\n"
    platform.files["f-1"] = body
    await gateway.handle(with_files("summarise", Attachment("file", "f-1", "plan.md", "text/markdown", len(body))))
    await gateway.join()
    assert history_users(model_server, 0) == ['summarise\n\n<file name="plan.md">\n# Plan\n\n1. ship it\n\n</file>']
    await gateway.handle(inbound("thanks"))
    await gateway.join()
    assert history_users(model_server, 1) == ["[file: plan.md] summarise", "thanks"]
    await assert_no_bytes(redis, prefix, body)


async def test_a_pdf_is_read_as_text(make_gateway: GatewayMaker, platform: MemoryPlatform,
                                     model_server: FakeModelServer) -> None:
    gateway = await make_gateway()
    platform.files["f-1"] = pdf("Quarterly revenue grew")
    await gateway.handle(with_files("", Attachment("file", "f-1", "report.pdf", "application/pdf")))
    await gateway.join()
    assert history_users(model_server, 0) == ['<file name="report.pdf">\nQuarterly revenue grew\n</file>']


async def test_binary_and_overlong_files_get_one_line(make_gateway: GatewayMaker, platform: MemoryPlatform,
                                                      model_server: FakeModelServer) -> None:
    gateway = await make_gateway(file_max_chars=100)
    platform.files |= {"zip": b"PK\x03\x04\x00\x00" + bytes(range(256)), "long": b"word " * 30}
    await gateway.handle(with_files("", Attachment("file", "zip", "code.zip", "application/zip")))
    await gateway.handle(with_files("", Attachment("file", "long", "long.txt", "text/plain")))
    await gateway.handle(with_files("", Attachment("file", "huge", "huge.txt", "text/plain", size=10_000)))
    await gateway.join()
    assert [n.text for n in platform.notices] == [
        "I cannot read this file (code.zip): I read text files (txt, md, csv, json, source code) and PDFs, "
        "and JPEG, PNG, GIF or WebP images.",
        "long.txt has 150 characters; I read files up to 100 characters (FILE_MAX_CHARS). Send a shorter part.",
        "huge.txt is too long; I read files up to 100 characters (FILE_MAX_CHARS). Send a shorter part."]
    assert platform.fetched == ["zip", "long"]  # the stated size was enough for the third
    assert not model_server.chat_requests()


async def test_an_unavailable_file_asks_to_send_it_again(make_gateway: GatewayMaker, platform: MemoryPlatform,
                                                         model_server: FakeModelServer) -> None:
    gateway = await make_gateway()
    await gateway.handle(with_files("", Attachment("file", "gone", "notes.txt", "text/plain")))
    await gateway.join()
    assert [n.text for n in platform.notices] == ["I could not download notes.txt from Memory. Please send it again."]


def test_an_inbound_with_attachments_survives_the_queue() -> None:
    sent = with_files("look", Attachment("image", "file-id-1", "a.png", "image/png", 1234),
                      Attachment("audio", "https://cdn.example/v.ogg", "v.ogg", "audio/ogg"))
    assert Inbound.from_json(sent.to_json()) == sent
    assert "attachments" not in json.loads(inbound("plain").to_json())  # plain messages queue as before


async def test_model_marks_the_models_that_read_images(make_gateway: GatewayMaker, platform: MemoryPlatform,
                                                       model_server: FakeModelServer) -> None:
    model_server.models = models(BLIND, SEES)
    gateway = await make_gateway()
    await gateway.handle(inbound("/model"))
    await gateway.join()
    lines = platform.notices[0].text.splitlines()
    assert "• fake-large (128K) ← current" in lines
    assert "• fake-other (200K) · reads images" in lines


async def test_failover_skips_a_fallback_that_reads_text_only(
        make_gateway: GatewayMaker, platform: MemoryPlatform, model_server: FakeModelServer) -> None:
    model_server.models = models(SEES, BLIND)
    gateway = await make_gateway(model_fallbacks="fake-other", model_retries=0)
    model_server.fail_next(503, {"error": {"message": "upstream down", "type": "server_error"}})
    platform.files["img-1"] = png()
    await gateway.handle(with_files("what is this?", Attachment("image", "img-1")))
    await gateway.join()
    assert [r.body["model"] for r in model_server.chat_requests()] == ["fake-large"]  # never the text-only one
    assert platform.notices[0].text.startswith("The model endpoint is unavailable right now.")
    await gateway.handle(inbound("and in words?"))  # text still goes to it while fake-large rests
    await gateway.join()
    assert [r.body["model"] for r in model_server.chat_requests()] == ["fake-large", "fake-other"]
