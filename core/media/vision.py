"""Which models see images, and the line a photo gets when the current one does not."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.llm.base import ModelInfo
from core.llm.errors import ModelError, ModelErrorKind
from core.llm.gate import check_window

MAX_NAMED = 5  # models named in the line; /model lists them all
# How endpoints word "this model takes no images" (vLLM, llama.cpp, OpenRouter, OpenAI).
_IMAGE_WORDS = re.compile(r"image|vision|multimodal|mmproj", re.I)
# How they word "this image is too big for me" (Anthropic: "image exceeds 5 MB maximum").
_SIZE_WORDS = re.compile(r"too (large|big)|exceeds|maximum|dimensions", re.I)


def image_readers(models: Sequence[ModelInfo], minimum: int, current: str) -> list[str]:
    """Models a user may switch to that read images (over the context gate), the current one aside."""
    return [m.id for m in models if m.vision and m.id != current and check_window(m, minimum) is None]


def text_only_line(model: str, readers: Sequence[str]) -> str:
    """The one line for a photo sent while `model` reads text only."""
    if not readers:
        return (f"{model} reads text only, and no model here is known to read images "
                "(the operator can name some in VISION_MODELS).")
    named = ", ".join(readers[:MAX_NAMED]) + (f" and {len(readers) - MAX_NAMED} more" if len(readers) > MAX_NAMED
                                               else "")
    return f"{model} reads text only. Models that read images: {named}. Switch with /model <id>."


def refused_image(err: ModelError) -> bool:
    """An endpoint's refusal of a request that carried images, as a refusal of the images: any
    400 (the images were the unusual part), or a 404 that talks about images (OpenRouter:
    "No endpoints found that support image input")."""
    if err.kind is ModelErrorKind.BAD_REQUEST:
        return True
    return err.kind is ModelErrorKind.NOT_FOUND and bool(_IMAGE_WORDS.search(err.detail))


def refused_as_too_big(err: ModelError) -> bool:
    """A 413 (a proxy's body limit), or a 400 about the image's size (Anthropic takes 5 MB per
    image): the request was too big, not the model blind."""
    if err.status == 413:
        return True
    return err.kind is ModelErrorKind.BAD_REQUEST and bool(_IMAGE_WORDS.search(err.detail)) \
        and bool(_SIZE_WORDS.search(err.detail))
