"""`switchboard model`: ask for the endpoint, checking each answer against it.

Base URL and key (the endpoint must list or at least answer), model (from the endpoint's
own list, window at least the minimum), API mode (auto by default), then a one-line test
message. Prompting goes through a `Prompter`, so the CLI, a script (flags only) and the
tests drive the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, cast

import httpx

from core.llm.autodetect import v1_hint, wire_client
from core.llm.base import ApiMode, ModelInfo
from core.llm.catalog_parse import not_chat
from core.llm.errors import ModelErrorKind
from core.llm.gate import Unknown, check_window, tokens_k, window_warning
from core.llm.suggest import closest_usable
from switchboard.probe import EndpointProbe

MODES = ("auto", "chat", "responses", "anthropic")
MAX_SHOWN = 40


class WizardError(Exception):
    """The setup cannot go on (a non-interactive run, or the person gave up); says why."""


class Prompter(Protocol):
    interactive: bool

    async def ask(self, question: str, *, flag: str, default: str = "", secret: bool = False) -> str:
        """One answer; `flag` names the command-line option that answers it in a script."""
        ...

    def say(self, line: str) -> None: ...


@dataclass
class Answers:
    base_url: str | None = None
    api_key: str | None = None
    model: str | None = None
    api_mode: str | None = None
    context_window: int | None = None  # asked only when the endpoint does not say it

    def env(self) -> dict[str, str]:
        values = {"MODEL_BASE_URL": self.base_url or "", "MODEL_API_KEY": self.api_key or "",
                  "MODEL_NAME": self.model or "", "MODEL_API_MODE": self.api_mode or "auto"}
        if self.context_window:
            values["MODEL_CONTEXT_WINDOW"] = str(self.context_window)
        return values


class Wizard:
    def __init__(self, prompter: Prompter, http: httpx.AsyncClient, *, minimum: int, current: Answers,
                 window_override: int | None = None) -> None:
        self._p = prompter
        self._http = http
        self._minimum = minimum
        self._current = current
        self._override = window_override  # MODEL_CONTEXT_WINDOW: chat and doctor will use it, so we do
        self._list_failure = ""  # why the endpoint's models could not be listed, if they could not
        self._window: int | None = None  # MODEL_CONTEXT_WINDOW to write: the person said it

    def _reject(self, line: str) -> None:
        """Say what is wrong; a script cannot answer again, so it stops there."""
        if not self._p.interactive:
            raise WizardError(line)
        self._p.say(f"✗ {line}")

    async def run(self, given: Answers) -> Answers:
        """Base URL, key, model, API mode (the order a person thinks of them), then a test."""
        listing_mode = cast(ApiMode, given.api_mode if given.api_mode in MODES else "auto")
        base, key, listed = await self._endpoint(given.base_url, given.api_key, listing_mode)
        self._window = given.context_window
        model = await self._model(given.model, listed)
        mode = await self._mode(given.api_mode)
        answers = Answers(base, key, model, mode, self._window)
        await self._test(answers)
        return answers

    async def _mode(self, given: str | None) -> ApiMode:
        mode = given
        while True:
            if mode is None:
                mode = await self._p.ask("API mode (auto, chat, responses, anthropic)", flag="--api-mode",
                                         default=self._current.api_mode or "auto")
            mode = mode.strip().lower()
            if mode in MODES:
                return cast(ApiMode, mode)
            self._reject(f"API mode must be one of {', '.join(MODES)}, not {mode!r}")
            mode = None

    async def _endpoint(self, base: str | None, key: str | None, mode: ApiMode) -> tuple[str, str, list[ModelInfo]]:
        while True:
            if base is None:
                base = await self._p.ask("Base URL (OpenAI-compatible gateways usually end in /v1)",
                                         flag="--base-url", default=self._current.base_url or "")
            base = base.strip().rstrip("/")
            if not base.startswith(("http://", "https://")):
                self._reject(f"the base URL must start with http:// or https:// (got {base!r})")
                base = None
                continue
            if key is None:
                key = await self._p.ask("API key (empty for a local server)", flag="--api-key",
                                        default=self._current.api_key or "", secret=True)
            probe = EndpointProbe(self._http, base, key, mode)
            listed, finding = await probe.models()
            if not finding.problem:
                self._p.say(finding.line(base))
                return base, key, listed or []
            err = probe.last_error
            fixed = await v1_hint(wire_client("chat", base, key, self._http)) if err and \
                err.kind is ModelErrorKind.NO_ROUTE else None
            if fixed:
                self._p.say(f"! nothing answers under {base}, but {fixed} does: using that")
                base = fixed
            elif err and err.kind is ModelErrorKind.AUTH:
                self._reject(f"{finding.text}: check the key")
                key = None
            elif finding.blocking:
                self._reject(f"{finding.text}: check the base URL")
                base = None
            else:  # some servers cannot list models: go on, the test message will tell
                self._list_failure = finding.text
                ask = "; type the model id" if self._p.interactive else ""
                self._p.say(f"! could not list models ({finding.text}){ask}")
                return base, key, []

    async def _model(self, given: str | None, listed: list[ModelInfo]) -> str:
        model = given
        if model is None and listed:
            self._show(listed)
        while True:
            if model is None:
                default = self._current.model or ""
                model = await self._p.ask("Model (number or id)" if listed else "Model id", flag="--model",
                                          default=default)
            model = model.strip()
            if model.isdigit() and listed and 1 <= int(model) <= min(len(listed), MAX_SHOWN):
                model = listed[int(model) - 1].id
            info = next((m for m in listed if m.id == model), None)
            why_not = not_chat(model) if info is None else None
            if why_not:
                self._reject(f"{model} cannot chat: {why_not}. Pick a chat model.")
                model = None
                continue
            if listed and info is None:
                near = closest_usable(model, self._windows(listed), self._minimum)
                hint = f"; did you mean {', '.join(near)}?" if near else ""
                self._reject(f"model {model!r} is not on this endpoint{hint}")
                model = None
                continue
            info = ModelInfo(model, self._override or (info.context_window if info else None))
            refusal = check_window(info, self._minimum)
            if refusal:
                why = f" (MODEL_CONTEXT_WINDOW={self._override} is set: raise or remove it)" if self._override else ""
                self._reject(f"{refusal}{why} Pick another.")
                model = None
                continue
            unknown = Unknown.NOT_SAID if listed else Unknown.NO_LIST
            warning = window_warning(info, self._minimum, unknown, self._list_failure)
            self._p.say(f"! {warning}" if warning else f"✓ {model}: window {tokens_k(info.context_window or 0)}")
            if warning and not await self._ask_window(model):
                model = None
                continue
            return model

    async def _ask_window(self, model: str) -> bool:
        """Nobody reports the window: the person may know it (written as MODEL_CONTEXT_WINDOW).
        False when the answer puts the model under the minimum (pick another)."""
        while True:
            given = self._window
            if given is None:
                answer = await self._p.ask(f"{model}'s context window in tokens, if you know it (Enter: assume "
                                           f"{self._minimum:,})", flag="--context-window")
                if not answer.strip():
                    return True
                digits = answer.strip().replace(",", "").replace("_", "").lower()
                scale = 1000 if digits.endswith("k") else 1
                given = int(digits.removesuffix("k")) * scale if digits.removesuffix("k").isdigit() else 0
                if given <= 0:
                    self._reject(f"a window is a number of tokens, like 131072 or 128k (got {answer.strip()!r})")
                    continue
            refusal = check_window(ModelInfo(model, given), self._minimum)
            if refusal:
                self._window = None
                self._reject(f"{refusal} Pick another.")
                return False
            self._window = given
            self._p.say(f"✓ {model}: window {tokens_k(given)} (MODEL_CONTEXT_WINDOW={given})")
            return True

    def _windows(self, listed: list[ModelInfo]) -> list[ModelInfo]:
        """The list with the windows the gateway will use (MODEL_CONTEXT_WINDOW wins)."""
        return [ModelInfo(m.id, self._override or m.context_window) for m in listed]

    def _show(self, listed: list[ModelInfo]) -> None:
        self._p.say("Models on this endpoint:")
        if self._override:
            self._p.say(f"  (MODEL_CONTEXT_WINDOW={self._override} is set: every model counts as that large)")
        for i, info in enumerate(self._windows(listed)[:MAX_SHOWN], 1):
            window = f" ({tokens_k(info.context_window)})" if info.context_window else ""
            small = info.context_window is not None and info.context_window < self._minimum
            self._p.say(f"{i:>3}. {info.id}{window}{'  — too small' if small else ''}")
        if len(listed) > MAX_SHOWN:
            self._p.say(f"     … and {len(listed) - MAX_SHOWN} more (type the id)")

    async def _test(self, answers: Answers) -> None:
        probe = EndpointProbe(self._http, answers.base_url or "", answers.api_key or "",
                              cast(ApiMode, answers.api_mode))
        finding = await probe.test_message(answers.model or "")
        if not finding.problem:
            self._p.say(finding.line())
            return
        if not self._p.interactive:
            raise WizardError(finding.line())  # said once, by whoever reports the error
        self._p.say(finding.line())
        keep = await self._p.ask("Save these settings anyway? (y/N)", flag="--yes", default="n")
        if not keep.strip().lower().startswith("y"):
            raise WizardError("nothing was written")
