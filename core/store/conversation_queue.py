"""Per-conversation FIFO plus a leased lock: one replica answers a conversation at a time.

A message is pushed before anyone answers it and removed only after its reply is done,
so a replica that dies mid-reply leaves it for the next lock holder (at least once).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from core.store.keys import Keys
from core.store.ledger import Spending

# KEYS: queue, lock, active-set. ARGV: payload, token, lease ms, conversation id.
# Returns the queue's head when the caller took the lock (it answers that first), else false.
_ENQUEUE = """
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], 604800000)
redis.call('SADD', KEYS[3], ARGV[4])
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return redis.call('LINDEX', KEYS[1], 0) end
return false
"""

# KEYS: queue, lock, active-set, history, stop marks, usage (all time), then the ledger's
#       (core/store/ledger.py): spent day, spent month, stats day, stats month, stats users day,
#       stats users month, names.
# ARGV: token, lease ms, ack (1 = drop the head first), id, then when storing an exchange:
#       reset mark, history ttl, max turns, input tokens, output tokens, model, "platform:user",
#       name, day ttl, month ttl, turn json...
# Storing the answered exchange, counting its tokens and acknowledging its message is one
# atomic step, so a crash can neither store or count an exchange twice nor lose an acknowledged one.
# Returns {1, item} for the next message, {0} when drained (lock released), {-1} when the lease was lost.
_NEXT = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {-1} end
if #ARGV > 4 then
  if tonumber(redis.call('HGET', KEYS[5], 'reset') or '0') == tonumber(ARGV[5]) then
    for i = 15, #ARGV do redis.call('RPUSH', KEYS[4], ARGV[i]) end
    redis.call('LTRIM', KEYS[4], -tonumber(ARGV[7]), -1)
    redis.call('EXPIRE', KEYS[4], ARGV[6])
  end
  local input, output, model, who = tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10], ARGV[11]
  redis.call('HINCRBY', KEYS[6], 'requests', 1)
  redis.call('HINCRBY', KEYS[6], 'input', input)
  redis.call('HINCRBY', KEYS[6], 'output', output)
  for i = 7, 10 do
    redis.call('HINCRBY', KEYS[i], 'tokens', input + output)
    redis.call('HINCRBY', KEYS[i], 'messages', 1)
    redis.call('HINCRBY', KEYS[i], 'in:' .. model, input)
    redis.call('HINCRBY', KEYS[i], 'out:' .. model, output)
    redis.call('HINCRBY', KEYS[i], 'msgs:' .. model, 1)
  end
  redis.call('HINCRBY', KEYS[11], who, input + output)
  redis.call('HINCRBY', KEYS[12], who, input + output)
  if ARGV[12] ~= '' then redis.call('HSET', KEYS[13], who, ARGV[12]) end
  for _, i in ipairs({7, 9, 11}) do redis.call('EXPIRE', KEYS[i], ARGV[13]) end
  for _, i in ipairs({8, 10, 12, 13}) do redis.call('EXPIRE', KEYS[i], ARGV[14]) end
end
if ARGV[3] == '1' then redis.call('LPOP', KEYS[1]) end
local item = redis.call('LINDEX', KEYS[1], 0)
if not item then
  redis.call('DEL', KEYS[2])
  redis.call('SREM', KEYS[3], ARGV[4])
  return {0}
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {1, item}
"""

# KEYS: lock. ARGV: token, lease ms.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

# KEYS: lock. ARGV: token, lease ms. Used by the sweeper to adopt an orphaned queue.
_ADOPT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
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


class ConversationQueue:
    def __init__(self, redis: Redis, keys: Keys, *, lease_ms: int = 30_000) -> None:
        self._redis = redis
        self._keys_of = keys
        self.lease_ms = lease_ms
        self._active = keys.active_queues()
        self._enqueue = redis.register_script(_ENQUEUE)
        self._next = redis.register_script(_NEXT)
        self._renew = redis.register_script(_RENEW)
        self._adopt = redis.register_script(_ADOPT)

    def _keys(self, conv_id: str) -> list[str]:
        return [self._keys_of.queue(conv_id), self._keys_of.lock(conv_id), self._active]

    @staticmethod
    def new_token() -> str:
        return secrets.token_hex(8)

    async def push(self, conv_id: str, payload: str, token: str) -> bytes | None:
        """Queue a message. When this caller took the lock, returns the message to answer first."""
        head = await self._enqueue(keys=self._keys(conv_id), args=[payload, token, self.lease_ms, conv_id])
        return bytes(head) if head else None

    async def next(self, conv_id: str, token: str, *, ack: bool, exchange: Exchange | None = None) -> Next:
        """Acknowledge the message just answered (ack), store its exchange, fetch the next one."""
        keys = self._keys(conv_id)
        args: list[str | int] = [token, self.lease_ms, "1" if ack else "0", conv_id]
        if exchange is not None:
            keys += [exchange.history_key, exchange.stop_key, exchange.usage_key, *exchange.spending.keys]
            args += [exchange.reset_mark, exchange.history_ttl, exchange.max_turns,
                     exchange.input_tokens, exchange.output_tokens, *exchange.spending.args, *exchange.turns]
        else:
            keys += [self._keys_of.prefix + "unused"] * 10  # the script declares thirteen keys either way
        res = await self._next(keys=keys, args=args)
        status = int(res[0])
        if status == 1:
            return Next(bytes(res[1]))
        return Next(None, lost=status == -1)

    async def renew(self, conv_id: str, token: str) -> bool:
        return bool(await self._renew(keys=[self._keys(conv_id)[1]], args=[token, self.lease_ms]))

    async def orphans(self) -> list[str]:
        """Conversations with queued messages; the caller tries to adopt each one."""
        return [m.decode() if isinstance(m, bytes) else m for m in await self._redis.smembers(self._active)]

    async def adopt(self, conv_id: str, token: str) -> bool:
        return bool(await self._adopt(keys=[self._keys(conv_id)[1]], args=[token, self.lease_ms]))
