"""``--read-db``: the read endpoints go to the replica, writes and tokens to the primary.

The "replica" here is a second, empty schema, so where each query went is visible."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assocdb.storage import open_store
from tests.conftest import Api, drop_schema, postgres_dsn, with_schema


@pytest.fixture
def replica_url() -> Iterator[str]:
    dsn = postgres_dsn()
    schema = f"assocdb_replica_{uuid.uuid4().hex[:12]}"
    try:
        yield with_schema(dsn, schema)
    finally:
        drop_schema(dsn, schema)


def test_reads_use_the_read_db_and_writes_the_primary(
    make_api: Callable[..., Api], db_url: str, replica_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("--read-db is PostgreSQL only")
    api = make_api(read_db=replica_url)
    # Migrate the replica schema: an empty copy of the primary.
    replica = open_store(replica_url)
    api.run(replica.open)
    api.run(replica.close)
    api.portal(1)
    token = api.token(1)  # tokens live on the primary: usable at once
    (contact,) = api.objects(1, "contacts", 1)
    (company,) = api.objects(1, "companies", 1)

    created = api.post(
        "/crm/v4/associations/contacts/companies/batch/create",
        token,
        {
            "inputs": [
                {
                    "from": {"id": str(contact)},
                    "to": {"id": str(company)},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
                }
            ]
        },
    )
    read = api.post(
        "/crm/v4/associations/contacts/companies/batch/read",
        token,
        {"inputs": [{"id": str(contact)}]},
    )

    assert created.status_code == 201  # the write saw the records on the primary
    assert read.status_code == 207  # the read went to the (empty) replica
    assert read.json()["errors"][0]["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"


def test_read_db_is_refused_for_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only supported with a PostgreSQL"):
        open_store(str(tmp_path / "x.sqlite3"), read_url="postgresql://h/db")
