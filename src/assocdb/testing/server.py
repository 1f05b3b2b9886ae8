"""A live assocdb server for tests, in a subprocess or in a thread, and a small client
for its admin API (stdlib only: nothing here needs an HTTP library)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["AdminError", "AssocdbPortal", "AssocdbServer", "Mode", "run_server"]

Mode = Literal["subprocess", "thread"]
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


class AdminError(Exception):
    """An admin API call answered with an error status."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"assocdb admin API answered {status}: {body[:500]}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class AssocdbServer:
    """A running server: its URL and its admin API."""

    base_url: str
    admin_token: str
    mode: Mode
    db: str
    log_path: Path | None = None
    _closed: list[bool] = field(default_factory=list, repr=False, compare=False)

    def admin(self, method: str, path: str, body: object = None) -> Any:
        """One admin API call (``path`` below ``/_assocdb``); the decoded JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base_url}/_assocdb{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.admin_token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise AdminError(exc.code, exc.read().decode(errors="replace")) from None
        return json.loads(raw) if raw else None

    def create_portal(
        self, portal_id: int | None = None, name: str = "test", scopes: str | list[str] = "all"
    ) -> AssocdbPortal:
        made = self.admin(
            "POST", "/portals", {"portalId": portal_id, "name": name, "scopes": scopes}
        )
        return AssocdbPortal(self, int(made["portalId"]), made["token"])

    def requests(self, limit: int | None = None, portal_id: int | None = None) -> list[Any]:
        """Recent API requests (oldest first): method, path, route, status, latencyMs, …"""
        query = [f"limit={limit}"] if limit is not None else []
        query += [f"portalId={portal_id}"] if portal_id is not None else []
        found: list[Any] = self.admin(
            "GET", "/requests" + ("?" + "&".join(query) if query else "")
        )["results"]
        return found

    def clear_requests(self) -> None:
        self.admin("DELETE", "/requests")

    def fault(self, rules: str) -> list[Any]:
        """Add fault rules (e.g. ``"503;times=2;route=/crm/v4/*"``); see docs/testing.md."""
        added: list[Any] = self.admin("POST", "/faults", {"rules": rules})["results"]
        return added

    def faults(self) -> list[Any]:
        found: list[Any] = self.admin("GET", "/faults")["results"]
        return found

    def clear_faults(self) -> None:
        self.admin("DELETE", "/faults")


@dataclass(frozen=True)
class AssocdbPortal:
    """One portal of the server with an all-scopes token."""

    server: AssocdbServer
    id: int
    token: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def reset(self) -> None:
        """Delete every record, association, label and limit; ids start over; tokens stay."""
        self.server.admin("POST", f"/portals/{self.id}/reset")

    def seed(self, document: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        """Load a seed document; returns {object type: {key: id}} (docs/testing.md)."""
        result = self.server.admin("POST", f"/portals/{self.id}/seed", document)
        ids: dict[str, dict[str, str]] = result["ids"]
        return ids

    def export(self) -> dict[str, Any]:
        exported: dict[str, Any] = self.server.admin("GET", f"/portals/{self.id}/export")
        return exported

    def new_token(self, scopes: str | list[str] = "all", expires_in_s: int | None = None) -> str:
        made = self.server.admin(
            "POST",
            f"/portals/{self.id}/tokens",
            {"scopes": scopes, "expiresInSeconds": expires_in_s},
        )
        token: str = made["token"]
        return token

    def requests(self, limit: int | None = None) -> list[Any]:
        return self.server.requests(limit, self.id)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _ready(base_url: str) -> bool:
    with contextlib.suppress(OSError), urllib.request.urlopen(base_url + "/readyz", timeout=1) as r:
        return bool(r.status == 200)
    return False


@contextlib.contextmanager
def run_server(
    workdir: Path,
    *,
    db: str | None = None,
    mode: Mode = "subprocess",
    args: tuple[str, ...] = (),
) -> Iterator[AssocdbServer]:
    """A server on a free 127.0.0.1 port with the admin API and fault headers on.

    ``db``: a SQLite path or PostgreSQL URL (default: a new SQLite file in ``workdir``).
    ``mode="thread"`` runs uvicorn in a thread of this process (no subprocess; ``args``
    is then ignored). Always stopped on exit.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    database = db or str(workdir / "assocdb.sqlite3")
    token = secrets.token_urlsafe(18)
    port = free_port()
    if mode == "thread":
        with _in_thread(database, token, port) as server:
            yield server
        return
    with _in_subprocess(database, token, port, workdir / "assocdb-server.log", args) as server:
        yield server


@contextlib.contextmanager
def _in_subprocess(
    db: str, token: str, port: int, log_path: Path, args: tuple[str, ...]
) -> Iterator[AssocdbServer]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSOCDB_")}
    env["ASSOCDB_ADMIN_TOKEN"] = token  # not on the command line: ps would show it
    command = [
        sys.executable, "-m", "assocdb", "serve", "--db", db, "--host", "127.0.0.1",
        "--port", str(port), "--admin", "--fault-header", "--log-format", "json", *args,
    ]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while not _ready(base_url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"assocdb server did not start; its log:\n{log_path.read_text()[-4000:]}"
                    )
                time.sleep(0.05)
            yield AssocdbServer(base_url, token, "subprocess", db, log_path)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(STOP_TIMEOUT_S)


@contextlib.contextmanager
def _in_thread(db: str, token: str, port: int) -> Iterator[AssocdbServer]:
    import uvicorn

    from assocdb.config import Settings
    from assocdb.http.app import create_app

    settings = Settings(
        db=db, port=port, admin=True, admin_token=token, fault_header=True, log_format="json"
    )
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="assocdb-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not (server.started and _ready(base_url)):
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("assocdb server thread did not start (see the log above)")
            time.sleep(0.02)
        yield AssocdbServer(base_url, token, "thread", db)
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_S)
