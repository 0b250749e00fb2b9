"""An offline token estimate, deliberately on the high side.

Exact tokenizers differ per model and tiktoken downloads its tables on first use, so we
estimate: ASCII text at 4 characters a token (words and punctuation of English and code),
every other character (CJK, Cyrillic, emoji) at one token each, plus 4 tokens of framing per
message. Over-estimating only trims history a little early; under-estimating would cost
a context-length error.
"""

from __future__ import annotations

MESSAGE_OVERHEAD = 4
# An image costs what its size makes it (OpenAI: up to ~1,100 tokens at high detail; Anthropic:
# about width x height / 750, ~1,600 for the 1.15-megapixel size it scales to): count the high one.
IMAGE_TOKENS = 1_600


def estimate_tokens(text: str) -> int:
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    other = len(text) - ascii_chars
    return (ascii_chars + 3) // 4 + other + MESSAGE_OVERHEAD
