"""Per-conversation FIFO plus a leased lock: one replica answers a conversation at a time.

A message is pushed before anyone answers it and removed only after its reply is done,
so a replica that dies mid-reply leaves it for the next lock holder (at least once). The
lock's lease is short and renewed often; a sorted set holds every queued conversation's
lease deadline, so the sweepers of the other replicas wake when one runs out.

Every script is safe to run twice (redis-py sends a call again when the connection broke
before the reply came): the push checks the event's `seen` mark, the ack removes the head
only if it is still the message just answered (by its SHA-1), adopting and renewing check the
lock's holder. The scripts touch one conversation's keys plus its shard's deadline set: one hash slot on a
Redis Cluster (core/store/keys.py), where an answer's tokens are counted by a script of their own.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from core.store.keys import Keys
from core.store.ledger import Spending

QUEUE_TTL_MS = 7 * 24 * 3600 * 1000
REPLY_TTL_MS = 24 * 3600 * 1000  # a checkpoint outlives any reply; the ack deletes it anyway

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: queue, lock, deadlines, seen. ARGV: payload, token, lease ms, conversation id, seen ttl s.
# Returns {1, head} when the caller took the lock (it answers the head first), else {0}. An
# event already marked handled is not pushed again (a repeated call, or a racing re-delivery).
_ENQUEUE = _NOW + """
if redis.call('GET', KEYS[4]) == '1' then
  if redis.call('GET', KEYS[2]) == ARGV[2] then return {1, redis.call('LINDEX', KEYS[1], 0)} end
  return {0}
end
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], """ + str(QUEUE_TTL_MS) + """)
redis.call('SET', KEYS[4], '1', 'EX', ARGV[5])
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[4])
  return {1, redis.call('LINDEX', KEYS[1], 0)}
end
redis.call('ZADD', KEYS[3], 'NX', now + tonumber(ARGV[3]), ARGV[4])
return {0}
"""

# Counts one exchange: K[k+1] usage (all time), K[k+2..k+8] the ledger's keys (below); A[a+1..a+7]
# input tokens, output tokens, model, "platform:user", name, day ttl, month ttl.
_COUNT = """
local function count(K, A, k, a)
  local input, output, model, who = tonumber(A[a + 1]), tonumber(A[a + 2]), A[a + 3], A[a + 4]
  redis.call('HINCRBY', K[k + 1], 'requests', 1)
  redis.call('HINCRBY', K[k + 1], 'input', input)
  redis.call('HINCRBY', K[k + 1], 'output', output)
  for i = k + 2, k + 5 do
    redis.call('HINCRBY', K[i], 'tokens', input + output)
    redis.call('HINCRBY', K[i], 'messages', 1)
    redis.call('HINCRBY', K[i], 'in:' .. model, input)
    redis.call('HINCRBY', K[i], 'out:' .. model, output)
    redis.call('HINCRBY', K[i], 'msgs:' .. model, 1)
  end
  redis.call('HINCRBY', K[k + 6], who, input + output)
  redis.call('HINCRBY', K[k + 7], who, input + output)
  if A[a + 5] ~= '' then redis.call('HSET', K[k + 8], who, A[a + 5]) end
  for _, i in ipairs({2, 4, 6}) do redis.call('EXPIRE', K[k + i], A[a + 6]) end
  for _, i in ipairs({3, 5, 7, 8}) do redis.call('EXPIRE', K[k + i], A[a + 7]) end
end
"""

# KEYS: queue, lock, deadlines, reply checkpoint, history, stop marks, usage (all time), then the
#       ledger's (core/store/ledger.py): spent day, spent month, stats day, stats month, stats users
#       day, stats users month, names.
# ARGV: token, lease ms, conversation id, SHA-1 of the message answered ('' = none), then when
#       storing an exchange: reset mark, history ttl, max turns, input tokens, output tokens, model,
#       "platform:user", name, day ttl, month ttl, turn json...
# Storing the answered exchange, counting its tokens, acknowledging its message and dropping its
# reply checkpoint is one atomic step, so a crash can neither store or count an exchange twice
# nor lose an acknowledged one.
# A lease that lapsed while Redis was away is taken back if nobody took it and the answered
# message is still first (as the renewal does).
# On a cluster KEYS stop at the stop marks (six): the counting is _SPEND's, in the person's slot.
# Returns {1, item} for the next message, {0} when drained (lock released), {-1} when the lease was lost.
_NEXT = _NOW + _COUNT + """
local holder = redis.call('GET', KEYS[2])
if holder ~= ARGV[1] then
  local first = redis.call('LINDEX', KEYS[1], 0)
  if holder or ARGV[4] == '' or not first or redis.sha1hex(first) ~= ARGV[4] then return {-1} end
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
end
if ARGV[4] ~= '' then
  local head = redis.call('LINDEX', KEYS[1], 0)
  if head and redis.sha1hex(head) == ARGV[4] then
    if #ARGV > 4 then
      if tonumber(redis.call('HGET', KEYS[6], 'reset') or '0') == tonumber(ARGV[5]) then
        for i = 15, #ARGV do redis.call('RPUSH', KEYS[5], ARGV[i]) end
        redis.call('LTRIM', KEYS[5], -tonumber(ARGV[7]), -1)
        redis.call('EXPIRE', KEYS[5], ARGV[6])
      end
      if #KEYS > 6 then count(KEYS, ARGV, 6, 7) end
    end
    redis.call('LPOP', KEYS[1])
    redis.call('DEL', KEYS[4])
  end
end
local item = redis.call('LINDEX', KEYS[1], 0)
if not item then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[3], ARGV[3])
  return {0}
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[3])
return {1, item}
"""

# On a cluster: the exchange's counting, once per answered message (the mark, in the person's
# slot as the counters are, makes a repeated call or a second answer of the same message count nothing).
# KEYS: counted mark, usage, the ledger's seven. ARGV: mark ttl s, then as _NEXT's ARGV 8-14.
_SPEND = _COUNT + """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
count(KEYS, ARGV, 1, 1)
return 1
"""

# KEYS: lock, deadlines, queue, reply checkpoint.
# ARGV: token, lease ms, conversation id, SHA-1 of the message being answered, [checkpoint json, its ttl ms].
# A lease that lapsed while Redis was away is taken back if nobody else took it and the
# message being answered is still first. The reply's checkpoint rides along (no extra round trip).
_RENEW = _NOW + """
local holder = redis.call('GET', KEYS[1])
if holder ~= ARGV[1] then
  if holder then return 0 end
  local head = redis.call('LINDEX', KEYS[3], 0)
  if not head or redis.sha1hex(head) ~= ARGV[4] then return 0 end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[3])
if ARGV[5] then redis.call('SET', KEYS[4], ARGV[5], 'PX', ARGV[6]) end
return 1
"""

# KEYS: lock, deadlines, queue. ARGV: token, lease ms, conversation id.
# The sweeper adopts a queue whose lease ran out; a deadline that is stale (the holder renewed,
# or the queue is empty) is put right instead.
_ADOPT = _NOW + """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return 1 end
if holder then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then left = tonumber(ARGV[2]) end
  redis.call('ZADD', KEYS[2], now + left, ARGV[3])
  return 0
end
if redis.call('LLEN', KEYS[3]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[3])
return 1
"""

# KEYS: deadlines. ARGV: how many at most.
# Returns {1 if any queue at all, ms until the earliest deadline, conversation, ms overdue, ...}.
_DUE = _NOW + """
local out = {0, 0}
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then out = {1, tonumber(first[2]) - now} end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
for i = 1, #due, 2 do
  out[#out + 1] = due[i]
  out[#out + 1] = now - tonumber(due[i + 1])
end
return out
"""

# KEYS: lock, deadlines, reply checkpoint. ARGV: token, conversation id, [checkpoint json, its ttl ms].
# A replica shutting down hands a conversation over: checkpoint saved, lock freed, due at once.
_RELEASE = _NOW + """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] then redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4]) end
redis.call('DEL', KEYS[1])
redis.call('ZADD', KEYS[2], now, ARGV[2])
return 1
"""


@dataclass(frozen=True)
class Exchange:
    """An answered message's turns and usage, stored as its message is acknowledged."""

    history_key: str
    stop_key: str
    usage_key: str
    reset_mark: int  # stored only if no /reset happened since answering began
    history_ttl: int
    max_turns: int
    input_tokens: int
    output_tokens: int
    turns: tuple[str, ...]  # Turn.to_json() of each
    spending: Spending  # the ledger's keys and args: tokens per user, period and model


@dataclass(frozen=True)
class Next:
    item: bytes | None  # the message to answer now; None when done
    lost: bool = False  # True when another replica took the lease over


@dataclass(frozen=True)
class Due:
    """What the sweeper found: queues whose lease ran out, and when the next one does."""

    overdue: list[tuple[str, float]]  # (conversation, seconds past its deadline)
    next_in: float | None  # seconds until the earliest deadline; None: no queue at all


def digest(item: bytes) -> str:
    """How scripts recognise a queued message (SHA-1 of its bytes, as Lua's redis.sha1hex)."""
    return hashlib.sha1(item).hexdigest()


class ConversationQueue:
    def __init__(self, redis: Redis, keys: Keys, *, lease_ms: int = 6_000, seen_ttl: int = 24 * 3600) -> None:
        self._keys = keys
        self.lease_ms = lease_ms
        self._seen_ttl = seen_ttl
        self._enqueue = redis.register_script(_ENQUEUE)
        self._next = redis.register_script(_NEXT)
        self._renew = redis.register_script(_RENEW)
        self._adopt = redis.register_script(_ADOPT)
        self._due = redis.register_script(_DUE)
        self._release = redis.register_script(_RELEASE)
        self._spend = redis.register_script(_SPEND)

    @staticmethod
    def new_token() -> str:
        return secrets.token_hex(8)

    async def push(self, conv_id: str, payload: str, token: str, seen_key: str) -> bytes | None:
        """Queue a message (and mark its event handled). When this caller took the lock,
        returns the message to answer first."""
        keys = [self._keys.queue(conv_id), self._keys.lock(conv_id), self._keys.lease_deadlines(conv_id), seen_key]
        res = await self._enqueue(keys=keys, args=[payload, token, self.lease_ms, conv_id, self._seen_ttl])
        return bytes(res[1]) if int(res[0]) == 1 else None

    async def next(self, conv_id: str, token: str, *, answered: bytes | None,
                   exchange: Exchange | None = None) -> Next:
        """Acknowledge the message just answered (its exchange stored, its checkpoint dropped),
        then fetch the next one."""
        keys = [self._keys.queue(conv_id), self._keys.lock(conv_id), self._keys.lease_deadlines(conv_id),
                self._keys.reply(conv_id)]
        args: list[str | int] = [token, self.lease_ms, conv_id, digest(answered) if answered is not None else ""]
        if exchange is not None:
            keys += [exchange.history_key, exchange.stop_key]
            args += [exchange.reset_mark, exchange.history_ttl, exchange.max_turns,
                     exchange.input_tokens, exchange.output_tokens, *exchange.spending.args, *exchange.turns]
        if self._keys.clustered:
            if exchange is None or answered is None:
                res = await self._next(keys=keys, args=args)
            else:  # the counting runs beside the ack, on the node of the person's slot
                # The mark hangs off the person's usage key: the same slot, one per answered message.
                counted = f"{exchange.usage_key}:counted:{conv_id}:{digest(answered)}"
                spend_keys = [counted, exchange.usage_key, *exchange.spending.keys]
                spend_args = [self._seen_ttl, exchange.input_tokens, exchange.output_tokens, *exchange.spending.args]
                res, _ = await asyncio.gather(self._next(keys=keys, args=args),
                                              self._spend(keys=spend_keys, args=spend_args))
        else:
            if exchange is not None:
                keys += [exchange.usage_key, *exchange.spending.keys]
            else:
                keys += [self._keys.prefix + "unused"] * 10  # the script declares fourteen keys either way
            res = await self._next(keys=keys, args=args)
        status = int(res[0])
        if status == 1:
            return Next(bytes(res[1]))
        return Next(None, lost=status == -1)

    async def renew(self, conv_id: str, token: str, answering: bytes | None, checkpoint: str | None = None) -> bool:
        """Extend the lease (taking it back if it lapsed unclaimed); saves `checkpoint` with it."""
        keys = [self._keys.lock(conv_id), self._keys.lease_deadlines(conv_id), self._keys.queue(conv_id),
                self._keys.reply(conv_id)]
        args: list[str | int] = [token, self.lease_ms, conv_id, digest(answering) if answering is not None else ""]
        if checkpoint is not None:
            args += [checkpoint, REPLY_TTL_MS]
        return bool(await self._renew(keys=keys, args=args))

    async def due(self, limit: int = 100) -> Due:
        """Overdue queues of every deadline set (one per shard on a cluster, read side by side)."""
        found = await asyncio.gather(*(self._due(keys=[key], args=[limit]) for key in self._keys.all_lease_deadlines()))
        overdue: list[tuple[str, float]] = []
        next_in: float | None = None
        for raw in found:
            overdue += [(_text(raw[i]), int(raw[i + 1]) / 1000) for i in range(2, len(raw) - 1, 2)]
            if int(raw[0]):
                next_in = min(int(raw[1]) / 1000, next_in if next_in is not None else float("inf"))
        return Due(overdue[:limit], next_in)

    async def adopt(self, conv_id: str, token: str) -> bool:
        keys = [self._keys.lock(conv_id), self._keys.lease_deadlines(conv_id), self._keys.queue(conv_id)]
        return bool(await self._adopt(keys=keys, args=[token, self.lease_ms, conv_id]))

    async def release(self, conv_id: str, token: str, checkpoint: str | None) -> bool:
        """Hand the conversation over (shutting down): another replica adopts it at once."""
        keys = [self._keys.lock(conv_id), self._keys.lease_deadlines(conv_id), self._keys.reply(conv_id)]
        args: list[str | int] = [token, conv_id]
        if checkpoint is not None:
            args += [checkpoint, REPLY_TTL_MS]
        return bool(await self._release(keys=keys, args=args))


def _text(raw: object) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)
