"""Real ``errorledger serve`` processes for tests: free port, readiness, output, always killed.

Each server runs in a session (process group) of its own, so ``kill()`` reaches every process
``--workers`` started. Its stdout and stderr go to a file, so a failing test can show them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

SERVER_BINARY = Path(sys.executable).parent / "errorledger"
START_TIMEOUT_S = 60.0
LOG_TAIL_CHARS = 6_000


# The ports of every server this session started: their responses are held to the OpenAPI
# document (conftest.py).
SERVED_PORTS: set[int] = set()


def is_ours(url: httpx.URL) -> bool:
    return url.host == "127.0.0.1" and url.port in SERVED_PORTS


class ServerStartError(RuntimeError):
    """The server exited, or did not answer ``/healthz``, within the start timeout."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(
    *, data_dir: Path, database_url: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The parent's environment without its ``ERRORLEDGER_*`` settings, plus ours and
    ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERRORLEDGER_")}
    env.update(
        {
            "ERRORLEDGER_DATA_DIR": str(data_dir),
            "ERRORLEDGER_DATABASE_URL": database_url,
            "ERRORLEDGER_LOG_LEVEL": "info",
            "PYTHONUNBUFFERED": "1",
            **(extra or {}),
        }
    )
    return env


class ServerProcess:
    """One ``errorledger serve`` process (and its workers, if any)."""

    def __init__(
        self,
        *,
        data_dir: Path,
        database_url: str,
        log_path: Path,
        workers: int = 1,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        SERVED_PORTS.add(self.port)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        command = [
            str(SERVER_BINARY),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        with log_path.open("wb") as log_file:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=server_env(data_dir=data_dir, database_url=database_url, extra=env),
                start_new_session=True,
            )

    def output(self) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        if len(text) > LOG_TAIL_CHARS:
            text = "[…]\n" + text[-LOG_TAIL_CHARS:]
        return text

    def describe(self) -> str:
        state = self.process.poll()
        status = "running" if state is None else f"exited with {state}"
        return f"--- server {self.base_url} ({status}), {self.log_path}:\n{self.output()}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if not self.alive():
                    raise ServerStartError(f"the server exited on start\n{self.describe()}")
                with contextlib.suppress(httpx.TransportError):
                    if client.get(f"{self.base_url}/healthz").status_code == 200:
                        return
                time.sleep(0.05)
        raise ServerStartError(f"no answer from /healthz in {timeout:.0f} s\n{self.describe()}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler, no flush, no goodbye."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait(timeout=30)


class ServerPool:
    """Servers on one database; every one started is killed by ``close()``."""

    def __init__(self, *, data_dir: Path, database_url: str, log_dir: Path) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.log_dir = log_dir
        self.servers: list[ServerProcess] = []

    def _spawn(self, workers: int) -> ServerProcess:
        log_path = self.log_dir / f"server-{len(self.servers) + 1}.log"
        server = ServerProcess(
            data_dir=self.data_dir,
            database_url=self.database_url,
            log_path=log_path,
            workers=workers,
        )
        self.servers.append(server)
        return server

    def start(self, count: int = 1, *, workers: int = 1) -> list[ServerProcess]:
        """Start ``count`` servers at once and wait until every one answers ``/healthz``.

        A server that lost the race for its port (another process took it between
        ``free_port()`` and the bind) is started again on a new one.
        """
        started = [self._spawn(workers) for _ in range(count)]
        ready: list[ServerProcess] = []
        for server in started:
            current = server
            for attempt in range(3):
                try:
                    current.wait_ready()
                    break
                except ServerStartError:
                    if attempt == 2 or "address already in use" not in current.output().lower():
                        raise
                    current = self._spawn(workers)
            ready.append(current)
        return ready

    def describe(self) -> str:
        return "\n".join(server.describe() for server in self.servers)

    def close(self) -> None:
        for server in self.servers:
            server.kill()


@contextlib.contextmanager
def server_pool(*, data_dir: Path, database_url: str, log_dir: Path) -> Iterator[ServerPool]:
    pool = ServerPool(data_dir=data_dir, database_url=database_url, log_dir=log_dir)
    try:
        yield pool
    finally:
        pool.close()
