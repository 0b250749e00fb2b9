"""Questions asked of one endpoint by `switchboard doctor` and `switchboard model`:
can it be listed, is a model there and big enough, does a one-line test message come back?
Each answer is a `Finding` that already says how to fix what it found."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from core.llm.autodetect import v1_hint, wire_client
from core.llm.base import ApiMode, ChatMessage, ModelInfo, ModelRequest, TextDelta
from core.llm.catalog import effective_window
from core.llm.deadlines import with_deadlines
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.gate import Unknown, check_window, tokens_k, window_warning
from core.llm.suggest import closest_usable
from core.llm.urls import WIRE_MODES, WireMode, mode_from_url, safe_url

TEST_PROMPT = "Reply with the single word: ok"


@dataclass(frozen=True)
class Finding:
    level: str  # "ok", "warn" or "problem"
    text: str
    fix: str = ""
    blocking: bool = False  # nothing else about this endpoint can be checked until it is fixed

    @property
    def problem(self) -> bool:
        return self.level == "problem"

    def line(self, subject: str = "") -> str:
        mark = {"ok": "✓", "warn": "!", "problem": "✗"}[self.level]
        where = f"{subject}: " if subject else ""
        fix = f" → {self.fix}" if self.fix else ""
        return f"{mark} {where}{self.text}{fix}"


def ok(text: str) -> Finding:
    return Finding("ok", text)


def problem(text: str, fix: str, *, blocking: bool = False) -> Finding:
    return Finding("problem", text, fix, blocking)


class EndpointProbe:
    """One base URL + key + mode, asked questions without touching Redis."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str, mode: ApiMode, *,
                 url_setting: str = "MODEL_BASE_URL", key_setting: str = "MODEL_API_KEY",
                 mode_setting: str = "MODEL_API_MODE", first_token_timeout: float = 60.0,
                 learned: Mapping[str, int] | None = None) -> None:
        self.base_url = base_url
        self.mode = mode
        self._http = http
        self._key = api_key
        self._settings = (url_setting, key_setting, mode_setting)
        self._first_token = first_token_timeout
        self._listed: list[ModelInfo] | None = None
        self.last_error: ModelError | None = None  # the failure behind the latest problem finding
        self._learned = learned or {}  # windows the gateway learned from this endpoint's context errors

    async def models(self) -> tuple[list[ModelInfo] | None, Finding]:
        """The model list (None when it cannot be had) and what happened."""
        if self._listed is not None:
            return self._listed, ok(f"{len(self._listed)} models listed")
        listing_mode: WireMode = self.mode if self.mode != "auto" else mode_from_url(self.base_url)
        try:
            self._listed = await wire_client(listing_mode, self.base_url, self._key, self._http).list_models()
        except ModelError as err:
            # A configured mode of the wrong family fails on auth headers or paths: try the other
            # family's listing, so the test message can name the mode instead of blaming the key.
            other: WireMode = "chat" if listing_mode == "anthropic" else "anthropic"
            if self.mode == "auto" or err.kind not in (ModelErrorKind.AUTH, ModelErrorKind.NO_ROUTE):
                return None, await self.explain(err)
            try:
                self._listed = await wire_client(other, self.base_url, self._key, self._http).list_models()
            except ModelError:
                return None, await self.explain(err)
        return self._listed, ok(f"{len(self._listed)} models listed")

    async def check_model(self, model: str, minimum: int, override: int | None) -> list[Finding]:
        """Is `model` listed, and is its window (as the gateway will use it) at least `minimum`?"""
        url_setting, _, _ = self._settings
        if not model:
            return [problem("no model is configured", "set MODEL_NAME, or run `switchboard model` to pick one")]
        listed, _ = await self.models()
        stated = override
        if listed:
            found = next((m for m in listed if m.id == model), None)
            if found is None:
                near = closest_usable(model, listed, minimum)
                fix = f"use one of: {', '.join(near)}" if near else f"pick a model {url_setting} lists"
                return [problem(f"model {model!r} not found on the endpoint", fix)]
            stated = override or found.context_window
        learned = self._learned.get(model)
        info = ModelInfo(model, effective_window(stated, learned))
        refusal = check_window(info, minimum)
        if refusal:
            bigger = [m.id for m in listed or [] if m.context_window and m.context_window >= minimum]
            fix = f"pick a larger model ({', '.join(bigger[:3])})" if bigger else \
                "pick a larger model, or raise the server's context (vLLM --max-model-len, llama.cpp -c, " \
                "Ollama num_ctx)"
            return [problem(refusal, fix)]
        why = Unknown.NOT_SAID if listed else Unknown.NO_LIST
        detail = self.last_error.detail if self.last_error and not listed else ""
        warning = window_warning(info, minimum, why, detail)
        if warning:
            return [Finding("warn", warning)]
        assert info.context_window is not None
        text = f"context window {tokens_k(info.context_window)} tokens"
        if learned is not None and info.context_window == learned and learned != stated:
            said = f"; the endpoint says {tokens_k(stated)}" if stated else ""
            text += f" (learned from the endpoint's context error{said})"
        return [ok(text)]

    async def test_message(self, model: str) -> Finding:
        """Send one short message in the configured mode; on a missing path, find the right mode."""
        request = ModelRequest(model, "", (ChatMessage("user", TEST_PROMPT),), max_tokens=16)
        modes: tuple[WireMode, ...] = WIRE_MODES if self.mode == "auto" else (self.mode,)
        if self.mode == "auto":
            first = mode_from_url(self.base_url)
            modes = (first, *(m for m in WIRE_MODES if m != first))
        for mode in modes:
            try:
                text, seconds = await self._send(mode, request)
            except ModelError as err:
                if err.kind is ModelErrorKind.NO_ROUTE:
                    continue
                if self.mode != "auto" and err.kind is ModelErrorKind.AUTH:
                    return await self._wrong_mode(request, err)  # maybe the right key, wrong headers
                return await self.explain(err)
            if not text.strip():
                return Finding("warn", f"the test message came back empty ({seconds:.1f} s, {mode} API)",
                               "check the server's log: an empty answer often means a broken chat template "
                               "or a prompt over the server's context")
            return ok(f"test message answered in {seconds:.1f} s via the {mode} API: {text.strip()[:40]!r}")
        return await self._wrong_mode(request, ModelError(ModelErrorKind.NO_ROUTE, "no API path answered"))

    async def _send(self, mode: WireMode, request: ModelRequest) -> tuple[str, float]:
        started = time.monotonic()
        client = wire_client(mode, self.base_url, self._key, self._http)
        parts: list[str] = []
        async for event in with_deadlines(client.stream(request), first_token=self._first_token, idle=30.0):
            if isinstance(event, TextDelta):
                parts.append(event.text)
        return "".join(parts), time.monotonic() - started

    async def _wrong_mode(self, request: ModelRequest, err: ModelError) -> Finding:
        _, _, mode_setting = self._settings
        if self.mode != "auto":
            for other in (m for m in WIRE_MODES if m != self.mode):
                try:
                    await self._send(other, request)
                except ModelError:
                    continue
                return problem(f"{mode_setting}={self.mode}, but the endpoint speaks the {other} API",
                               f"set {mode_setting}={other} (or auto)")
        return await self.explain(err)

    async def explain(self, err: ModelError) -> Finding:
        """A failure as the line an operator can act on."""
        self.last_error = err
        url_setting, key_setting, _ = self._settings
        url = safe_url(self.base_url)
        k = err.kind
        if k is ModelErrorKind.NO_ROUTE:
            fixed = await v1_hint(wire_client("chat", self.base_url, self._key, self._http))
            if fixed:
                return problem(f"{url} lacks /v1: nothing answers there, but {safe_url(fixed)} does",
                               f"set {url_setting}={safe_url(fixed)}", blocking=True)
            return problem(f"no chat, responses or anthropic API answers under {url}",
                           f"check {url_setting} (the URL your provider documents for OpenAI-compatible clients)",
                           blocking=True)
        if k is ModelErrorKind.AUTH:
            return problem(f"the endpoint rejected the key (HTTP {err.status})", f"set {key_setting} to a valid key",
                           blocking=True)
        if k is ModelErrorKind.TIMEOUT and "first token" in err.detail:
            return problem(f"the model sent nothing back: {err.detail}",
                           "check the server's load, or raise MODEL_FIRST_TOKEN_TIMEOUT")
        if k in (ModelErrorKind.UNAVAILABLE, ModelErrorKind.TIMEOUT) and err.status is None:
            return problem(f"endpoint unreachable at {url} ({err.detail})",
                           f"start the server, or fix the host and port in {url_setting}", blocking=True)
        if k is ModelErrorKind.NOT_FOUND:
            return problem(f"the endpoint does not know the model ({err.detail})",
                           "set MODEL_NAME to a listed model (`switchboard model` lists them)")
        if k is ModelErrorKind.RATE_LIMITED:
            wait = f"; retry in {err.retry_after:.0f} s" if err.retry_after else ""
            return problem(f"rate limited{wait}", "wait, or raise the account's limits")
        if k is ModelErrorKind.QUOTA:
            return problem("the account is out of quota or credits", "top up the account")
        return problem(f"{k}: {err.detail}", "see the detail; `switchboard doctor` again after fixing")
