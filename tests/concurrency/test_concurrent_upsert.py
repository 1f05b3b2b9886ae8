"""Two worker processes upserting one new email at once: one record is created, every
other upsert becomes an update of it (``new: false``), never a second record, a 409 or a
500, on every backend.

What makes it hold: the unique index on the search index refuses the second create inside
its transaction (migration 0011), and the upsert then looks the value up again and updates
the record the winner made (domain/id_property.py). Without the retry the losers are 409s.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import cli, live_server

pytestmark = pytest.mark.slow

CLIENTS = 6
ROUNDS = 4


def test_concurrent_upserts_of_one_new_email_make_one_contact(db_url: str, tmp_path: Path) -> None:
    cli("portal", "create", "--db", db_url, "--id", "9")
    with live_server(db_url, "--workers", "2", log_path=tmp_path / "server.log") as server:
        headers = {"Authorization": f"Bearer {server.token(9)}"}
        clients = [
            httpx.Client(base_url=server.base_url, headers=headers, timeout=30)
            for _ in range(CLIENTS)
        ]
        try:
            for round_ in range(ROUNDS):
                email = f"upsert-race{round_}@example.com"
                answers: list[tuple[int, Any]] = []
                barrier = threading.Barrier(CLIENTS)

                def upsert(
                    client: httpx.Client,
                    n: int,
                    email: str = email,
                    barrier: threading.Barrier = barrier,
                    answers: list[tuple[int, Any]] = answers,
                ) -> None:
                    barrier.wait()
                    response = client.post(
                        "/crm/v3/objects/contacts/batch/upsert",
                        json={
                            "inputs": [
                                {
                                    "id": email,
                                    "idProperty": "email",
                                    "properties": {"firstname": f"C{n}"},
                                }
                            ]
                        },
                    )
                    answers.append((response.status_code, response.json()))

                threads = [
                    threading.Thread(target=upsert, args=(c, n)) for n, c in enumerate(clients)
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(timeout=60)
                assert [status for status, _ in answers] == [200] * CLIENTS, answers
                results = [body["results"][0] for _, body in answers]
                assert len({r["id"] for r in results}) == 1, results
                assert sorted(r["new"] for r in results) == [False] * (CLIENTS - 1) + [True]
                found = clients[0].post(
                    "/crm/v3/objects/contacts/search",
                    json={
                        "filterGroups": [
                            {
                                "filters": [
                                    {"propertyName": "email", "operator": "EQ", "value": email}
                                ]
                            }
                        ]
                    },
                )
                assert found.json()["total"] == 1
        finally:
            for c in clients:
                c.close()
