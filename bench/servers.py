"""The servers under test, as subprocesses: started on a free port, ready, always stopped."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HOST = "127.0.0.1"
BARE_APP = Path(__file__).resolve().parent / "bare_asgi.py"
REFERENCE_APP = Path(__file__).resolve().parent / "reference_app.py"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0


class BenchError(Exception):
    """The benchmark could not run or its results are not to be trusted."""


@dataclasses.dataclass(frozen=True, slots=True)
class Server:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"


def serve_bare(work: Path) -> contextlib.AbstractContextManager[Server]:
    """(a): bench/bare_asgi.py under uvicorn, with errorledger's uvicorn options."""
    port = free_port()
    argv = [sys.executable, str(BARE_APP), "--host", HOST, "--port", str(port)]
    return _serving("bare ASGI", argv, port=port, log=work / "bare.log", env=_clean_env())


def serve_reference(work: Path) -> contextlib.AbstractContextManager[Server]:
    """(r): bench/reference_app.py, the minimal durable ingest, on ``work/reference.db``."""
    port = free_port()
    argv = [sys.executable, str(REFERENCE_APP), "--host", HOST, "--port", str(port)]
    argv += ["--database", str(work / "reference.db")]
    return _serving("reference", argv, port=port, log=work / "reference.log", env=_clean_env())


def serve_errorledger(work: Path) -> contextlib.AbstractContextManager[Server]:
    """(b): ``errorledger serve`` on SQLite in ``work/data``, empty, so that it prints a key."""
    port = free_port()
    argv = [sys.executable, "-m", "errorledger", "serve", "--host", HOST, "--port", str(port)]
    # The limiter still counts every request (its cost is part of the figure), but a key must
    # not be throttled at the rate the benchmark drives.
    env = _clean_env(
        ERRORLEDGER_DATA_DIR=str(work / "data"), ERRORLEDGER_WRITE_RATE_LIMIT="10000000/second"
    )
    return _serving("errorledger", argv, port=port, log=work / "errorledger.log", env=env)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without any ERRORLEDGER_* setting, so both servers run the defaults
    (a DATABASE_URL here would point errorledger away from the fresh data dir)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERRORLEDGER_")}
    # unbuffered, so the first-start block is in the log file by the time the server answers
    env["PYTHONUNBUFFERED"] = "1"
    return env | extra


@contextlib.contextmanager
def _serving(
    name: str, argv: list[str], *, port: int, log: Path, env: dict[str, str]
) -> Iterator[Server]:
    """A server subprocess, ready to answer; stopped on the way out, whatever happened."""
    with log.open("wb") as out:
        # A session of its own: Ctrl-C reaches only the benchmark, which then stops the
        # server in order instead of the terminal killing it mid-commit.
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    server = Server(name, process, log, port)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        stop(server)


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            status = server.process.returncode
            raise BenchError(f"{server.name} exited with status {status}:\n{log_tail(server.log)}")
        if _answers_http(server.port):
            return
        time.sleep(0.1)
    raise BenchError(
        f"{server.name} did not answer within {START_TIMEOUT_S:.0f} s:\n{log_tail(server.log)}"
    )


def _answers_http(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=1)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status < 500
    except OSError:
        return False
    finally:
        connection.close()


def stop(server: Server) -> None:
    """Stop gracefully (uvicorn's shutdown lets the writer commit what is queued), then
    kill if it hangs. Only this process, by its id; stopping twice is harmless."""
    process = server.process
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return "    (no log)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:])


def basic_authorization(log: Path) -> str:
    """The Authorization header for the key errorledger printed on its first start."""
    text = log.read_text(errors="replace")
    key_id = re.search(r"^  key_id\s+(\S+)$", text, re.MULTILINE)
    secret = re.search(r"^  secret\s+(\S+)$", text, re.MULTILINE)
    if key_id is None or secret is None:
        raise BenchError(f"errorledger printed no key_id/secret on start:\n{log_tail(log)}")
    credentials = f"{key_id[1]}:{secret[1]}".encode()
    return "Basic " + base64.b64encode(credentials).decode()
