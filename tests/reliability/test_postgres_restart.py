"""A PostgreSQL restart under a running server: 503s while the database is down, never a
500 or a hang, and the same process serves again once it is back (issue: PostgreSQL
backend, reliability).

Starts a throwaway cluster of its own (``initdb`` into a temporary directory, trust auth,
127.0.0.1 on a free port); the machine's shared server is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.live import cli, free_port, live_server

pytestmark = pytest.mark.slow

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin",)
PG_USER = "postgres"
PG_CTL_TIMEOUT_S = 30
REQUEST_TIMEOUT_S = 15.0
RECOVERY_TIMEOUT_S = 30.0
V4 = "/crm/v4/associations/contacts/companies/batch/{}"
BLOCKER_XACT = "assocdb_test_blocker"
TYPE_279 = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for directory in PG_BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


class Cluster:
    """One throwaway PostgreSQL cluster; ``initdb`` and ``pg_ctl`` run as ``postgres``
    (initdb refuses root)."""

    def __init__(self, initdb: str, pg_ctl: str, root: Path) -> None:
        self.initdb, self.pg_ctl, self.root = initdb, pg_ctl, root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.url = f"postgresql://{PG_USER}@127.0.0.1:{self.port}/postgres"
        self._as_postgres = ["runuser", "-u", PG_USER, "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._as_postgres, *args],
            capture_output=True,
            text=True,
            timeout=PG_CTL_TIMEOUT_S + 30,
            check=False,
            cwd=self.root,  # postgres may not be able to enter ours
        )
        log = self.log.read_text() if self.log.exists() else ""
        assert done.returncode == 0, f"{args[:2]} failed:\n{done.stdout}\n{done.stderr}\n{log}"

    def init(self) -> None:
        self._run(
            self.initdb,
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            PG_USER,
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            " -c max_prepared_transactions=2"
        )
        self._run(
            self.pg_ctl,
            "start",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            str(PG_CTL_TIMEOUT_S),
            "-o",
            options,
        )

    def stop(self, mode: str) -> None:
        self._run(self.pg_ctl, "stop", "-D", str(self.data), "-m", mode, "-w")

    def postmaster_pid(self) -> int | None:
        """The PID of the postmaster we started, while it runs."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        return None

    def ensure_stopped(self) -> None:
        pid = self.postmaster_pid()
        if pid is None:
            return
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            self.stop("immediate")
            return
        # pg_ctl failed: kill our postmaster by its PID, unless the PID file is stale.
        with contextlib.suppress(OSError):
            if str(self.data) in Path(f"/proc/{pid}/cmdline").read_text():
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("needs the PostgreSQL server binaries (initdb, pg_ctl) on PATH")
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(PG_USER)
        except KeyError:
            pytest.skip(f"running as root needs a {PG_USER!r} OS user for initdb and pg_ctl")
        if shutil.which("runuser") is None:
            pytest.skip("running as root needs runuser to drop to the postgres user")
    # Not tmp_path: pytest's base directory is private to us, postgres could not enter it.
    root = Path(tempfile.mkdtemp(prefix="assocdb-pg-"))
    if os.geteuid() == 0:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    the_cluster = Cluster(initdb, pg_ctl, root)
    try:
        the_cluster.init()
        the_cluster.start()
        yield the_cluster
    finally:
        the_cluster.ensure_stopped()
        shutil.rmtree(root, ignore_errors=True)


def _created_ids(client: httpx.Client, object_type: str, count: int) -> list[str]:
    response = client.post(
        f"/crm/v3/objects/{object_type}/batch/create",
        json={"inputs": [{"properties": {}} for _ in range(count)]},
    )
    assert response.status_code == 201, response.text
    return [o["id"] for o in response.json()["results"]]


def _create_contact(client: httpx.Client) -> httpx.Response:
    return client.post(
        "/crm/v3/objects/contacts/batch/create", json={"inputs": [{"properties": {}}]}
    )


def _associate(client: httpx.Client, contact: str, company: str) -> httpx.Response:
    return client.post(
        V4.format("create"),
        json={"inputs": [{"from": {"id": contact}, "to": {"id": company}, "types": [TYPE_279]}]},
    )


def _read(client: httpx.Client, contacts: list[str]) -> httpx.Response:
    return client.post(V4.format("read"), json={"inputs": [{"id": c} for c in contacts]})


def _edges(response: httpx.Response) -> dict[tuple[str, str], list[int]]:
    return {
        (r["from"]["id"], str(t["toObjectId"])): sorted(a["typeId"] for a in t["associationTypes"])
        for r in response.json()["results"]
        for t in r["to"]
    }


def _assert_unavailable(response: httpx.Response, elapsed: float) -> None:
    assert response.status_code == 503, response.text
    assert elapsed < REQUEST_TIMEOUT_S
    body: dict[str, Any] = response.json()
    assert body["status"] == "error"
    assert body["category"] == "SERVICE_UNAVAILABLE"
    assert body["message"]
    assert body["correlationId"]
    assert body["correlationId"] == response.headers["x-hubspot-correlation-id"]


def _sql(url: str, query: str) -> Any:
    """One query on a connection of its own; its first value."""

    async def run() -> Any:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            return await conn.fetchval(query)
        finally:
            await conn.close()

    return asyncio.run(run())


def _script(url: str, script: str) -> None:
    """Statements (simple query protocol) on a connection of their own."""

    async def run() -> None:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            await conn.execute(script)
        finally:
            await conn.close()

    asyncio.run(run())


def _wait_for(url: str, query: str, what: str) -> None:
    deadline = time.monotonic() + REQUEST_TIMEOUT_S
    while not _sql(url, query):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _stop_under_in_flight_read(
    cluster: Cluster, stop_mode: str, api: httpx.Client, contacts: list[str]
) -> None:
    """Stops the cluster while a batch read is blocked inside PostgreSQL: the request in
    flight must get its 503 too.

    The read waits for a table lock held by a prepared transaction. That lock outlives
    every session, so the read cannot slip through when the shutdown ends a blocking
    session first; it stays held across the restart until ``_release_in_flight_lock``.
    """
    _script(
        cluster.url,
        "BEGIN; LOCK TABLE associations IN ACCESS EXCLUSIVE MODE;"
        f" PREPARE TRANSACTION '{BLOCKER_XACT}'",
    )
    outcome: dict[str, Any] = {}

    def read() -> None:
        started = time.monotonic()
        try:
            outcome["response"] = _read(api, contacts)
        except Exception as exc:
            outcome["error"] = exc
        outcome["elapsed"] = time.monotonic() - started

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        _wait_for(
            cluster.url,
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND query LIKE '%associations%'",
            "the batch read to wait for the lock",
        )
    finally:
        cluster.stop(stop_mode)
        reader.join(REQUEST_TIMEOUT_S + 5)
    assert not reader.is_alive(), "the in-flight read hung after the database went down"
    assert "error" not in outcome, outcome.get("error")
    _assert_unavailable(outcome["response"], outcome["elapsed"])


def _release_in_flight_lock(cluster: Cluster) -> None:
    _script(cluster.url, f"ROLLBACK PREPARED '{BLOCKER_XACT}'")


def _alive(pid: int) -> bool:
    """Running, and not a zombie (an exited child keeps its PID until it is waited for)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


@pytest.mark.parametrize("stop_mode", ["fast", "immediate"])
def test_server_answers_503_while_postgres_is_down_and_recovers(
    cluster: Cluster, stop_mode: str, tmp_path: Path
) -> None:
    cli("portal", "create", "--db", cluster.url, "--id", "7")
    token = cli("token", "create", "--db", cluster.url, "--portal", "7", "--scopes", "all")
    headers = {"Authorization": f"Bearer {token}"}
    with (
        live_server(cluster.url, log_path=tmp_path / "server.log") as server,
        httpx.Client(base_url=server.base_url, headers=headers, timeout=REQUEST_TIMEOUT_S) as api,
    ):
        contacts = _created_ids(api, "contacts", 2)
        companies = _created_ids(api, "companies", 2)
        created = _associate(api, contacts[0], companies[0])
        assert created.status_code == 201, created.text
        before = _read(api, contacts[:1])
        assert before.status_code == 200, before.text
        assert _edges(before) == {(contacts[0], companies[0]): [279]}

        _stop_under_in_flight_read(cluster, stop_mode, api, contacts)
        # Every connection in the pool is dead now and reconnecting is refused: reads,
        # writes and the health check all answer 503 at once, again and again.
        requests: list[Callable[[], httpx.Response]] = [
            lambda: _read(api, contacts),
            lambda: _associate(api, contacts[1], companies[1]),
            lambda: _create_contact(api),
            lambda: api.get("/healthz"),
        ]
        for _ in range(3):
            for send in requests:
                started = time.monotonic()
                response = send()
                _assert_unavailable(response, time.monotonic() - started)
        assert _alive(server.pid), (tmp_path / "server.log").read_text()

        cluster.start()
        _release_in_flight_lock(cluster)
        deadline = time.monotonic() + RECOVERY_TIMEOUT_S
        while True:
            after = _read(api, contacts[:1])
            if after.status_code == 200:
                break
            assert after.status_code == 503, after.text
            assert time.monotonic() < deadline, "the server did not recover in time"
            time.sleep(0.2)
        # The same process (live_server started exactly one) serves again, data intact.
        assert _alive(server.pid), (tmp_path / "server.log").read_text()
        assert _edges(after) == _edges(before)

        written = _associate(api, contacts[1], companies[1])
        assert written.status_code == 201, written.text
        assert len(_created_ids(api, "contacts", 1)) == 1
        both = _read(api, contacts)
        assert both.status_code == 200, both.text
        assert _edges(both) == {
            (contacts[0], companies[0]): [279],
            (contacts[1], companies[1]): [279],
        }
        assert api.get("/healthz").status_code == 200
        assert _alive(server.pid)
