"""Helpers for driving the ``assocdb`` CLI as a real subprocess.

``run_cli`` runs one short command; ``start_server`` starts ``assocdb serve`` on a free
127.0.0.1 port, waits (bounded) for ``/healthz`` and always stops the process it started,
by PID, when the test ends.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.live import clean_env

from assocdb.testing.server import free_port

TOKEN_RE = re.compile(r"pat-na1-[0-9a-f-]{36}")
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
CLI_TIMEOUT_S = 60.0


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "assocdb", *args]


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_cli("portal", "create", ..., env={...})`` with cwd in a temp directory."""

    def run(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cli_command(*args),
            cwd=tmp_path,
            env=clean_env(env),
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            check=False,
        )

    return run


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    stdout_path: Path
    stderr_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def token(self) -> str:
        found = TOKEN_RE.findall(self.stdout)
        assert found, f"no token in the banner:\n{self.stdout}"
        return found[0]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10.0)

    def stop(self) -> int:
        """SIGTERM, wait up to 10 s, then SIGKILL; returns the exit status."""
        proc = self.proc
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT_S)
        # Worker processes (--workers N) share the session created for this server: make
        # sure none outlives it. The group id is the PID of the process we started.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        assert proc.returncode is not None
        return proc.returncode


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(
                f"server exited early with {server.proc.returncode}\n"
                f"stdout:\n{server.stdout}\nstderr:\n{server.stderr}"
            )
        try:
            response = httpx.get(f"{server.base_url}/healthz", timeout=1.0)
        except httpx.HTTPError:
            pass
        else:
            if response.status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(
        f"server did not answer /healthz within {STARTUP_TIMEOUT_S} s\n"
        f"stdout:\n{server.stdout}\nstderr:\n{server.stderr}"
    )


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``start_server(db, "--demo", env={...})``: a running ``assocdb serve``."""
    servers: list[Server] = []

    def start(db: Path, *args: str, env: Mapping[str, str] | None = None) -> Server:
        port = free_port()
        n = len(servers)
        stdout_path = tmp_path / f"serve{n}.out"
        stderr_path = tmp_path / f"serve{n}.err"
        with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
            proc = subprocess.Popen(
                cli_command(
                    "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port), *args
                ),
                cwd=tmp_path,
                env=clean_env(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        server = Server(proc, port, stdout_path, stderr_path)
        servers.append(server)
        _wait_ready(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()
