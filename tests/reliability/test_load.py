"""Load: 2 workers, 32 concurrent clients mixing batch reads, creates and archives for a
bounded time, on SQLite and on PostgreSQL.

Zero 5xx (zero non-2xx at all), every client reads its own writes, and afterwards the store
holds exactly the pairs the clients' logs say (no lost, no duplicated association, every
edge with its inverse). SQLite's single writer must never surface ``database is locked``.
``bench/reliability.py`` runs the same for longer.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tests.live import cli, live_server
from tests.reliability.workload import ClientLog, create_objects, percentile, run_client, verify

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("LOAD_SECONDS", "8"))
CLIENTS = 32
COMPANIES_PER_CLIENT = 2
CONTACTS = 60


def test_two_workers_32_clients(db_url: str, tmp_path: Path) -> None:
    cli("portal", "create", "--db", db_url, "--id", "1")
    token = cli("token", "create", "--db", db_url, "--portal", "1", "--scopes", "all")
    log_path = tmp_path / "server.log"
    with live_server(db_url, "--workers", "2", log_path=log_path) as server:
        companies = create_objects(
            server.base_url, token, "companies", CLIENTS * COMPANIES_PER_CLIENT
        )
        contacts = create_objects(server.base_url, token, "contacts", CONTACTS)
        logs = [
            ClientLog(companies[i * COMPANIES_PER_CLIENT : (i + 1) * COMPANIES_PER_CLIENT])
            for i in range(CLIENTS)
        ]
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=run_client,
                args=(server.base_url, token, log, contacts, stop, 1000 + i),
                kwargs={"read_share": 0.5, "check_reads": True},
            )
            for i, log in enumerate(logs)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(60)
            assert not thread.is_alive()
        elapsed = time.monotonic() - started
        problems = verify(server.base_url, token, logs, contacts)
    latencies = [ms for log in logs for ms in log.latencies_ms]
    statuses: dict[int, int] = {}
    for log in logs:
        for status, count in log.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    writes = sum(log.acknowledged for log in logs)
    reads = sum(log.reads for log in logs)
    backend = "postgres" if db_url.startswith("postgresql") else "sqlite"
    print(
        f"\nload {backend}: {CLIENTS} clients, 2 workers, {elapsed:.1f}s:"
        f" {writes} write batches ({sum(log.pairs_written for log in logs)} pairs),"
        f" {reads} reads, {len(latencies) / elapsed:.0f} req/s,"
        f" p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms,"
        f" max {max(latencies):.1f} ms; statuses {statuses}"
    )
    errors = [e for log in logs for e in log.errors]
    assert errors == []
    assert problems == []
    assert all(status < 300 for status in statuses)
    assert "database is locked" not in log_path.read_text()
    assert writes >= CLIENTS
    assert reads >= CLIENTS
