"""Voice notes to text through an OpenAI-compatible `POST {base}/audio/transcriptions`
(multipart `file` + `model`, answered with `{"text": ...}`), as Whisper-style servers speak it."""

from __future__ import annotations

import logging

import httpx

from core.config import Settings
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.http_errors import from_response, from_transport
from core.llm.urls import safe_url, split_base
from core.media.refusal import MediaRefusal

log = logging.getLogger(__name__)

AUDIO_MAX_BYTES = 25 * 1024 * 1024  # OpenAI's transcription limit, which most servers copy
TIMEOUT = httpx.Timeout(120.0, connect=10.0)  # a long note takes a while to transcribe
HOW_TO_ENABLE = ("I cannot listen to voice notes here yet: the operator can turn it on by setting "
                 "TRANSCRIBE_MODEL (for example whisper-1).")


class Transcriber:
    """One transcription endpoint; a short-lived HTTP client per note (notes are rare, and slow)."""

    def __init__(self, base_url: str, api_key: str, model: str) -> None:
        self.url = split_base(base_url)[0] + "/audio/transcriptions"
        self.model = model
        self._api_key = api_key

    @classmethod
    def from_settings(cls, settings: Settings) -> Transcriber | None:
        """None without TRANSCRIBE_MODEL. MODEL_API_KEY goes only to MODEL_BASE_URL: another
        endpoint gets TRANSCRIBE_API_KEY or nothing."""
        if not settings.transcribe_model:
            return None
        own_key = settings.transcribe_api_key.get_secret_value()
        if settings.transcribe_base_url:
            return cls(settings.transcribe_base_url, own_key, settings.transcribe_model)
        return cls(settings.model_base_url, own_key or settings.model_api_key.get_secret_value(),
                   settings.transcribe_model)

    async def transcribe(self, audio: bytes, filename: str, mime: str) -> str:
        """The words heard; MediaRefusal with the user's line when the endpoint fails (logged)."""
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as http:
                response = await http.post(self.url, headers=headers, data={"model": self.model},
                                           files={"file": (filename, audio, mime or "application/octet-stream")})
            if response.status_code >= 400:
                raise from_response(response, response.content, safe_url(self.url), self._api_key)
            text = response.json().get("text")
        except httpx.TransportError as exc:
            raise self._refusal(from_transport(exc, safe_url(self.url))) from None
        except ModelError as err:
            raise self._refusal(err) from None
        except (ValueError, AttributeError):  # not JSON, or JSON without "text"
            raise self._refusal(ModelError(ModelErrorKind.PROTOCOL, "the answer had no text",
                                           target=safe_url(self.url))) from None
        if not isinstance(text, str):
            raise self._refusal(ModelError(ModelErrorKind.PROTOCOL, "the answer had no text",
                                           target=safe_url(self.url)))
        return text.strip()

    def _refusal(self, err: ModelError) -> MediaRefusal:
        log.warning("transcription failed class=%s target=%s model=%s status=%s detail=%s",
                    err.kind, err.target, self.model, err.status if err.status is not None else "-", err.detail)
        if err.kind is ModelErrorKind.NO_ROUTE:
            why = "the endpoint has no /audio/transcriptions (the operator can set TRANSCRIBE_BASE_URL)"
        elif err.kind is ModelErrorKind.NOT_FOUND:
            why = f"the endpoint does not know the model {self.model} (TRANSCRIBE_MODEL)"
        elif err.kind is ModelErrorKind.AUTH:
            why = "the endpoint rejected the key (TRANSCRIBE_API_KEY)"
        else:
            why = "the transcription service failed"
        return MediaRefusal(f"I could not transcribe the voice note: {why}. Please try again, or type it.")
