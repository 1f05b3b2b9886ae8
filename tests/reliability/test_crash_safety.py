"""SIGKILL a live server in the middle of a stream of batch creates and archives, restart it
on the same database, and check the store against what the clients saw acknowledged.

Every acknowledged write must be there, a request cut off by the kill must be applied
wholly or not at all, and every edge must have its inverse. Several rounds per backend,
each killed at a random moment; the seed is printed so a failure can be replayed.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.live import cli, live_server
from tests.reliability.workload import ClientLog, create_objects, run_client, verify

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("CRASH_ROUNDS", "3"))
CLIENTS = 4
COMPANIES_PER_CLIENT = 6
CONTACTS = 30


def test_acknowledged_writes_survive_sigkill(db_url: str, tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", str(random.randrange(1 << 30))))
    print(f"crash seed {seed}")
    rng = random.Random(seed)
    cli("portal", "create", "--db", db_url, "--id", "1")
    token = cli("token", "create", "--db", db_url, "--portal", "1", "--scopes", "all")
    log_path = tmp_path / "server.log"
    with live_server(db_url, log_path=log_path) as server:
        companies = create_objects(
            server.base_url, token, "companies", CLIENTS * COMPANIES_PER_CLIENT
        )
        contacts = create_objects(server.base_url, token, "contacts", CONTACTS)
    logs = [
        ClientLog(companies[i * COMPANIES_PER_CLIENT : (i + 1) * COMPANIES_PER_CLIENT])
        for i in range(CLIENTS)
    ]
    kills = cut = 0
    for round_no in range(ROUNDS):
        with live_server(db_url, log_path=tmp_path / f"round{round_no}.log") as server:
            # Checks the previous round and settles each request cut off by its kill.
            cut += sum(1 for log in logs if log.in_flight is not None)
            assert verify(server.base_url, token, logs, contacts) == []
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=run_client,
                    args=(server.base_url, token, log, contacts, stop, rng.randrange(1 << 30)),
                )
                for log in logs
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.3, 1.5))
            os.kill(server.pid, signal.SIGKILL)
            kills += 1
            for thread in threads:
                thread.join(30)
                assert not thread.is_alive()
    with live_server(db_url, log_path=tmp_path / "final.log") as server:
        cut += sum(1 for log in logs if log.in_flight is not None)
        problems = verify(server.base_url, token, logs, contacts)
    acknowledged = sum(log.acknowledged for log in logs)
    errors = [e for log in logs for e in log.errors]
    print(
        f"{kills} SIGKILLs, {acknowledged} acknowledged batches"
        f" ({sum(log.pairs_written for log in logs)} pair writes) verified,"
        f" {cut} unanswered requests at the kills, each applied wholly or not at all"
    )
    assert errors == []
    assert problems == []
    assert acknowledged > ROUNDS * CLIENTS  # the workload did run between kills
