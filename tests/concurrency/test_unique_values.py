"""Two worker processes creating contacts with the same email at once: exactly one wins,
every other answer is HubSpot's 409, on every backend.

The domain's check (``PropertyService._check_unique``) runs before the write and cannot see
a concurrent request's record; what makes this hold is the partial unique index on the
search index, written by the trigger inside each record's transaction (migration 0011).
Without it, several of these creates would pass the check and commit.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from tests.live import cli, live_server

pytestmark = pytest.mark.slow

CLIENTS = 8
ROUNDS = 6


def test_concurrent_creates_of_one_email_make_one_contact(db_url: str, tmp_path: Path) -> None:
    cli("portal", "create", "--db", db_url, "--id", "9")
    with live_server(db_url, "--workers", "2", log_path=tmp_path / "server.log") as server:
        headers = {"Authorization": f"Bearer {server.token(9)}"}
        clients = [
            httpx.Client(base_url=server.base_url, headers=headers, timeout=30)
            for _ in range(CLIENTS)
        ]
        try:
            for round_ in range(ROUNDS):
                email = f"race{round_}@example.com"
                statuses: list[int] = []
                barrier = threading.Barrier(CLIENTS)

                def create(
                    client: httpx.Client,
                    email: str = email,
                    barrier: threading.Barrier = barrier,
                    statuses: list[int] = statuses,
                ) -> None:
                    barrier.wait()
                    response = client.post(
                        "/crm/v3/objects/contacts", json={"properties": {"email": email}}
                    )
                    statuses.append(response.status_code)

                threads = [threading.Thread(target=create, args=(c,)) for c in clients]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(timeout=60)
                assert sorted(statuses) == [201] + [409] * (CLIENTS - 1), statuses
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
