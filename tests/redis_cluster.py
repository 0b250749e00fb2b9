"""A real three-node Redis Cluster of a test run's own (cluster-enabled redis-servers on free ports).

The same binary as the tests' other servers (tests/redis_server.py). Slots are split in three
ranges with CLUSTER ADDSLOTS (every Redis version has it), each node gets its own config epoch,
the nodes meet, and the cluster is ready once every node reports `cluster_state:ok` (about 2 s).
No replicas: failover is Redis's own business; what we test is that our keys and scripts keep
to one slot each. Synchronous, so a session fixture can start it before any event loop.
"""

from __future__ import annotations

import contextlib
import random
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from redis import Redis

from tests.redis_server import redis_binary

SLOTS = 16384


class RedisCluster:
    """`with RedisCluster() as cluster:` then `cluster.url` names one node (as REDIS_URL would)."""

    def __init__(self, nodes: int = 3) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="sb-cluster-")
        self.ports = [_free_node_port() for _ in range(nodes)]
        self._procs: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def start(self) -> None:
        for port in self.ports:
            directory = Path(self._tmp.name) / str(port)
            directory.mkdir()
            self._procs.append(subprocess.Popen(
                [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
                 "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--save", "",
                 "--appendonly", "no", "--protected-mode", "no"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        clients = [Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5) for port in self.ports]
        try:
            for client in clients:
                _answering(client)
            share = SLOTS // len(clients)
            for i, client in enumerate(clients):
                last = SLOTS if i == len(clients) - 1 else (i + 1) * share
                client.execute_command("CLUSTER ADDSLOTS", *range(i * share, last))
                client.execute_command("CLUSTER SET-CONFIG-EPOCH", i + 1)  # distinct: no epoch collision to settle
            for port in self.ports[1:]:
                clients[0].execute_command("CLUSTER MEET", "127.0.0.1", port)
            for client in clients:
                _cluster_ok(client)
        finally:
            for client in clients:
                client.close()

    def stop(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self._tmp.cleanup()

    def __enter__(self) -> RedisCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _free_node_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too, and below 65536."""
    for _ in range(200):
        port = random.randint(20_000, 50_000)
        with contextlib.suppress(OSError), socket.socket() as a, socket.socket() as b:
            a.bind(("127.0.0.1", port))
            b.bind(("127.0.0.1", port + 10_000))
            return port
    raise OSError("no free port pair for a cluster node")


def _answering(client: Redis) -> None:
    for _ in range(250):
        with contextlib.suppress(Exception):
            if client.ping():
                return
        time.sleep(0.02)  # a process we started, coming up: nothing to await but its port
    raise TimeoutError("a cluster node did not answer")


def _cluster_ok(client: Redis) -> None:
    for _ in range(500):
        info = client.execute_command("CLUSTER INFO")
        if isinstance(info, dict) and info.get("cluster_state") == "ok":
            return
        time.sleep(0.02)  # gossip settles in its own time; Redis offers nothing to wait on
    raise TimeoutError("the cluster did not reach cluster_state:ok")
