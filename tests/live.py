"""A real ``assocdb serve`` process for tests that drive real clients over HTTP.

Binds 127.0.0.1 on a free port, waits (bounded) for ``/healthz``, and always stops the
process it started, by PID.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from assocdb.testing.server import free_port

STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def cli(*args: str) -> str:
    """Run one CLI command; its stdout, stripped. Fails the test on a non-zero exit."""
    done = subprocess.run(
        [sys.executable, "-m", "assocdb", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without any ``ASSOCDB_*`` variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSOCDB_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    db: str
    pid: int

    def token(self, portal_id: int, scopes: str = "all") -> str:
        return cli(
            "token", "create", "--db", self.db, "--portal", str(portal_id), "--scopes", scopes
        )


@contextlib.contextmanager
def live_server(db: str | Path, *args: str, log_path: Path | None = None) -> Iterator[LiveServer]:
    """``assocdb serve`` on ``db`` (a SQLite path or PostgreSQL URL); output goes to
    ``log_path`` (default: beside a SQLite file)."""
    port = free_port()
    log_file = log_path or Path(str(db)).with_suffix(".log")
    log = log_file.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assocdb",
            "serve",
            "--db",
            str(db),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *args,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=clean_env(),
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            assert proc.poll() is None, log_file.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "server did not start in time"
            time.sleep(0.1)
        yield LiveServer(base_url, str(db), proc.pid)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(STOP_TIMEOUT_S)
        log.close()
