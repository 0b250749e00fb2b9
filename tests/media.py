"""Files for the photo, voice and file tests: real formats, made here, tiny."""

from __future__ import annotations

import struct
import zlib

from redis.asyncio import Redis


def png(width: int = 2, height: int = 2, *, pad: int = 0) -> bytes:
    """A valid PNG (grey pixels); `pad` adds an ancillary chunk to make it that much bigger."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    extra = chunk(b"tEXt", b"pad\x00" + b"x" * pad) if pad else b""
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + extra + chunk(b"IDAT", zlib.compress(rows)) \
        + chunk(b"IEND", b"")


def jpeg(marker: bytes = b"photo") -> bytes:
    """JPEG's signature and an APP0 segment: enough for anyone who reads the format from its bytes."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + marker + b"\xff\xd9"


def ogg(marker: bytes = b"voice") -> bytes:
    """An Ogg page header, as Telegram and Discord voice notes start."""
    return b"OggS\x00\x02" + b"\x00" * 20 + b"OpusHead" + marker


def pdf(text: str) -> bytes:
    """A one-page PDF whose page shows `text` (Helvetica), with a correct cross-reference table."""
    stream = f"BT /F1 18 Tf 72 700 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


async def stored_values(redis: Redis, prefix: str) -> dict[str, bytes]:
    """Every value under the test's key prefix, whatever its type, as bytes to search."""
    found: dict[str, bytes] = {}
    async for raw_key in redis.scan_iter(match=f"{prefix}*", count=500):
        key = raw_key.decode() if isinstance(raw_key, bytes) else str(raw_key)
        kind = (await redis.type(raw_key)).decode()
        if kind == "string":
            parts = [await redis.get(raw_key)]
        elif kind == "list":
            parts = await redis.lrange(raw_key, 0, -1)
        elif kind == "hash":
            parts = [b for pair in (await redis.hgetall(raw_key)).items() for b in pair]
        elif kind == "set":
            parts = list(await redis.smembers(raw_key))
        elif kind == "zset":
            parts = [m for m, _ in await redis.zrange(raw_key, 0, -1, withscores=True)]
        else:  # streams and the rest: their dump is what is kept
            parts = [await redis.dump(raw_key) or b""]
        found[key] = b"\n".join(p if isinstance(p, bytes) else str(p).encode() for p in parts if p is not None)
    return found


async def assert_no_bytes(redis: Redis, prefix: str, *files: bytes) -> None:
    """No file's bytes, nor their base64, nor any long base64 run is kept in Redis."""
    import base64
    import re

    values = await stored_values(redis, prefix)
    assert values, "the test stored nothing: the scan would prove nothing"
    for key, value in values.items():
        for data in files:
            assert data not in value, f"{key} holds a file's bytes"
            assert base64.b64encode(data) not in value, f"{key} holds a file's base64"
        assert not re.search(rb"[A-Za-z0-9+/]{200,}", value), f"{key} holds a long base64 run"
