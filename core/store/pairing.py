"""Pairing codes and approvals, in Redis so every replica (and `switchboard pair`) sees them at once.

A person the access policy does not know asks by writing to the bot directly: they get a
one-time code (8 characters from an alphabet without look-alikes, valid an hour). The same
code is re-sent while it is valid, at most MAX_SENDS times; after that the bot stays quiet
until the code expires (the cool-off), so nobody can make it talk without end or mint codes.
The operator (`switchboard pair approve CODE`) or an admin (`/approve CODE`) approves it:
the person's platform id joins the approved hash, and their next message goes through.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from core.hygiene import shorten
from core.store.keys import Keys

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or retyped without doubt
CODE_LENGTH = 8
CODE_TTL = 3600  # seconds a code is valid
MAX_SENDS = 3  # messages answered with the code before the cool-off
MAX_PENDING = 50  # codes waiting for approval at once, across platforms; more is somebody's flood
NAME_CHARS = 64

# KEYS: the asker's hash, the pending set, the new code's hash.
# ARGV: new code, ttl, max sends, now, max pending, platform, user id, name.
# Returns {code, seconds left}: the asker's code (the one they had, or the new one); {"", ttl}
# while cooling off; {"", -1} when too many codes are pending; {"", -2} when the new code is taken.
_REQUEST = """
local code = redis.call('HGET', KEYS[1], 'code')
if code then
  local sent = redis.call('HINCRBY', KEYS[1], 'sent', 1)
  local left = redis.call('TTL', KEYS[1])
  if sent > tonumber(ARGV[3]) then return {'', left} end
  return {code, left}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return {'', -1} end
if redis.call('EXISTS', KEYS[3]) == 1 then return {'', -2} end
local ttl = tonumber(ARGV[2])
redis.call('HSET', KEYS[3], 'platform', ARGV[6], 'user', ARGV[7], 'name', ARGV[8], 'expires', tonumber(ARGV[4]) + ttl)
redis.call('EXPIRE', KEYS[3], ttl)
redis.call('HSET', KEYS[1], 'code', ARGV[1], 'sent', 1)
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], tonumber(ARGV[4]) + ttl, ARGV[1])
return {ARGV[1], ttl}
"""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """What a person typed, as stored: upper case, without spaces or dashes (bounded)."""
    return raw.strip().upper().replace("-", "").replace(" ", "")[: CODE_LENGTH * 2]


def who(platform: str, user_id: str) -> str:
    """How people are named to the operator and in keys' fields: "telegram:123"."""
    return f"{platform}:{user_id}"


def parse_who(raw: str) -> tuple[str, str] | None:
    """"telegram:123" -> ("telegram", "123"); None when it is not platform:user_id."""
    platform, sep, user = raw.strip().partition(":")
    if not (sep and platform and user) or len(raw) > 200:
        return None
    return platform.lower(), user


@dataclass(frozen=True)
class Offer:
    """What an unknown person's direct message gets."""

    code: str  # empty: nothing to send (cooling off) or no code to give (too many pending)
    seconds_left: int
    too_many_pending: bool = False


@dataclass(frozen=True)
class PendingCode:
    code: str
    platform: str
    user_id: str
    name: str
    expires_at: float


@dataclass(frozen=True)
class Approval:
    platform: str
    user_id: str
    name: str
    by: str
    at: float


class Pairings:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._request = redis.register_script(_REQUEST)

    async def is_approved(self, platform: str, user_id: str) -> bool:
        return bool(await self._redis.hexists(self._keys.approved(), who(platform, user_id)))

    async def request(self, platform: str, user_id: str, name: str) -> Offer:
        """The code to send this person now (their pending one, or a new one), if any."""
        name = shorten(name, NAME_CHARS)
        for _ in range(3):  # a new code colliding with a pending one: draw again
            code = new_code()
            keys = [self._keys.pairing_user(platform, user_id), self._keys.pairing_pending(),
                    self._keys.pairing_code(code)]
            args: list[str | int] = [code, CODE_TTL, MAX_SENDS, int(time.time()), MAX_PENDING, platform, user_id,
                                     name]
            given, left = await self._request(keys=keys, args=args)
            given = given.decode() if isinstance(given, bytes) else str(given)
            if int(left) != -2:
                return Offer(given, max(int(left), 0), too_many_pending=int(left) == -1)
        return Offer("", 0)

    async def approve(self, raw_code: str, *, by: str) -> Approval | None:
        """Approve the person who holds this code; None when no such code is pending."""
        code = normalize_code(raw_code)
        if not code:
            return None
        key = self._keys.pairing_code(code)
        found = {_text(k): _text(v) for k, v in (await self._redis.hgetall(key)).items()}
        if not found.get("platform") or not found.get("user"):
            return None
        approval = Approval(found["platform"], found["user"], found.get("name", ""), by, time.time())
        record = json.dumps({"name": approval.name, "by": by, "at": round(approval.at)})
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._keys.approved(), who(approval.platform, approval.user_id), record)
            pipe.delete(key, self._keys.pairing_user(approval.platform, approval.user_id))
            pipe.zrem(self._keys.pairing_pending(), code)
            await pipe.execute()
        return approval

    async def revoke(self, platform: str, user_id: str) -> bool:
        """Take an approval back; False when that person was not approved."""
        return bool(await self._redis.hdel(self._keys.approved(), who(platform, user_id)))

    async def pending(self) -> list[PendingCode]:
        """Codes still waiting for approval, soonest to expire first."""
        now = time.time()
        codes = [_text(c) for c in await self._redis.zrangebyscore(self._keys.pairing_pending(), now, "+inf")]
        if not codes:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for code in codes:
                pipe.hgetall(self._keys.pairing_code(code))
            rows = await pipe.execute()
        found: list[PendingCode] = []
        for code, raw in zip(codes, rows, strict=True):
            row = {_text(k): _text(v) for k, v in raw.items()}
            if row.get("platform"):
                found.append(PendingCode(code, row["platform"], row.get("user", ""), row.get("name", ""),
                                         float(row.get("expires", 0))))
        return found

    async def approved(self) -> list[Approval]:
        """Everyone approved, by platform and id."""
        rows: list[Approval] = []
        for field, raw in (await self._redis.hgetall(self._keys.approved())).items():
            platform, _, user = _text(field).partition(":")
            data = json.loads(raw)
            rows.append(Approval(platform, user, str(data.get("name", "")), str(data.get("by", "")),
                                 float(data.get("at", 0))))
        return sorted(rows, key=lambda a: (a.platform, a.user_id))

    async def hint_once(self, platform: str, user_id: str) -> bool:
        """True the first time in an hour an unpaired person writes in a group (they get one line)."""
        return bool(await self._redis.set(self._keys.group_hint(platform, user_id), b"1", nx=True, ex=CODE_TTL))


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)
