"""The embedded Redis of a DATA_DIR is one server shared by every process using the directory:
the first starts it, it lives while any member does, the last one out stops it, data kept."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from redis import Redis

from core.embedded_redis import EmbeddedRedis, socket_path
from core.redis_client import connect

# A member in another process: joins, says which server it got, then waits to be told to leave.
MEMBER = """
import sys
from pathlib import Path
from core.embedded_redis import EmbeddedRedis
from redis import Redis
member = EmbeddedRedis.join(Path(sys.argv[1]))
print(Redis.from_url(member.url).info("server")["process_id"], flush=True)
sys.stdin.readline()
member.leave()
"""


def _server_pid(member: EmbeddedRedis) -> int:
    client = Redis.from_url(member.url)
    try:
        return int(client.info("server")["process_id"])
    finally:
        client.close()


async def _member_process(data_dir: Path) -> tuple[asyncio.subprocess.Process, int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", MEMBER, str(data_dir), cwd=Path(__file__).parents[2],
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    return proc, int(line)


def test_the_server_lives_while_any_member_does_and_keeps_its_data(tmp_path: Path) -> None:
    first = EmbeddedRedis.join(tmp_path)
    second = EmbeddedRedis.join(tmp_path)
    assert first.socket == second.socket == tmp_path / "redis.sock"
    assert _server_pid(first) == _server_pid(second)
    Redis.from_url(first.url).set("kept", "yes")

    first.leave()  # the one that started it goes: the other keeps working
    assert Redis.from_url(second.url).get("kept") == b"yes"
    second.leave()
    assert not second.socket.exists() and not (tmp_path / "redis.pid").exists()

    again = EmbeddedRedis.join(tmp_path)
    try:
        assert Redis.from_url(again.url).get("kept") == b"yes"
    finally:
        again.leave()


async def test_processes_starting_together_share_one_server(tmp_path: Path) -> None:
    started = await asyncio.gather(*(_member_process(tmp_path) for _ in range(3)))
    try:
        assert len({pid for _, pid in started}) == 1
    finally:
        for proc, _ in started:
            assert proc.stdin is not None
            proc.stdin.write(b"leave\n")
            await proc.stdin.drain()
            await asyncio.wait_for(proc.wait(), 30)
    assert not socket_path(tmp_path).exists()


async def test_a_member_killed_with_9_is_not_counted(tmp_path: Path) -> None:
    proc, pid = await _member_process(tmp_path)
    mine = EmbeddedRedis.join(tmp_path)
    assert _server_pid(mine) == pid
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    mine.leave()  # the killed one left no membership behind: the server stops with us
    assert not mine.socket.exists() and not (tmp_path / "redis.pid").exists()


async def test_gateway_connections_leave_the_server_to_those_still_using_it(tmp_path: Path) -> None:
    one = await connect("", tmp_path)
    two = await connect("", tmp_path)
    await one.client.set("shared", "1")
    await one.close()
    assert await two.client.get("shared") == b"1"  # no "Error 2 connecting to …/redis.sock"
    await two.close()
    assert not socket_path(tmp_path).exists()


def test_a_data_dir_too_deep_for_a_socket_path_gets_one_in_the_temp_dir(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120)
    assert len(str(socket_path(deep))) <= 100
    assert socket_path(deep) == socket_path(deep) != socket_path(tmp_path / ("e" * 120))
