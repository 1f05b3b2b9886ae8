"""One storage suite, run against every backend through the Store protocol."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assocdb.domain.models import LabelDef, TokenRecord
from assocdb.domain.store import Store
from assocdb.errors import ValidationError
from assocdb.storage.migrations import migrations
from assocdb.storage.sqlite import SQLiteStore

pytestmark = pytest.mark.anyio

CONTACT, COMPANY = "0-1", "0-2"
FWD, INV = ((0, 279),), ((0, 280),)


async def test_put_pairs_writes_both_directions(store: Store) -> None:
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, FWD, INV), (11, 20, FWD, INV)])

    forward = await store.read_pages(1, CONTACT, COMPANY, [(10, -1), (11, -1)], 10)
    inverse = await store.read_pages(1, COMPANY, CONTACT, [(20, -1)], 10)

    assert forward == [[(20, FWD)], [(20, FWD)]]
    assert inverse == [[(10, INV), (11, INV)]]
    assert await store.count_edges(1) == 4


async def test_empty_types_delete_both_directions(store: Store) -> None:
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, FWD, INV)])
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, (), ())])

    assert await store.count_edges(1) == 0


async def test_read_pages_is_keyset_ordered_by_to_id_with_a_limit(store: Store) -> None:
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, t, FWD, INV) for t in (50, 30, 40, 20)])

    first = await store.read_pages(1, CONTACT, COMPANY, [(10, -1)], 3)
    after = await store.read_pages(1, CONTACT, COMPANY, [(10, 30)], 3)

    assert [t for t, _ in first[0]] == [20, 30, 40]
    assert [t for t, _ in after[0]] == [40, 50]


async def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    async def write_then_fail() -> None:
        async with store.transaction(1) as tx:
            await tx.put_pairs(CONTACT, COMPANY, [(10, 20, FWD, INV)])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await write_then_fail()

    assert await store.count_edges(1) == 0
    async with store.transaction(1) as tx:  # and the store still takes writes
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, FWD, INV)])
    assert await store.count_edges(1) == 2


async def test_portals_never_see_each_others_rows(store: Store) -> None:
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, FWD, INV)])
        await tx.add_labels([LabelDef(CONTACT, COMPANY, 1, 100, "x", "X", 101)])

    assert await store.read_pages(2, CONTACT, COMPANY, [(10, -1)], 10) == [[]]
    assert await store.list_labels(2, CONTACT, COMPANY) == []
    assert await store.count_edges(2) == 0
    async with store.transaction(2) as tx:
        assert await tx.get_pairs(CONTACT, COMPANY, [(10, 20)]) == {}


async def test_objects_get_sequential_hubspot_sized_ids_per_portal(store: Store) -> None:
    one = await store.create_objects(1, CONTACT, [{"a": "1"}, {}], 5)
    two = await store.create_objects(2, CONTACT, [{}], 5)

    assert [o.object_id for o in one] == [10000000001, 10000000002]
    assert [o.object_id for o in two] == [10000000001]
    async with store.transaction(1) as tx:
        assert await tx.existing_object_ids(CONTACT, [10000000001, 10000000003]) == {10000000001}
        assert await tx.existing_object_ids(COMPANY, [10000000001]) == set()


async def test_edges_from_lists_every_edge_of_the_records(store: Store) -> None:
    primary = ((0, 1), (0, 279))
    async with store.transaction(1) as tx:
        await tx.put_pairs(
            CONTACT,
            COMPANY,
            [(10, 20, primary, ((0, 2), (0, 280))), (10, 21, FWD, INV), (11, 21, FWD, INV)],
        )
        found = await tx.edges_from(CONTACT, COMPANY, [10])
        back = await tx.edges_from(COMPANY, CONTACT, [21])

    assert found == [(10, 20, primary), (10, 21, FWD)]
    assert back == [(21, 10, INV), (21, 11, INV)]


async def test_type_ids_are_allocated_per_portal(store: Store) -> None:
    async with store.transaction(1) as tx:
        first = await tx.allocate_type_ids(2)
        second = await tx.allocate_type_ids(2)
    async with store.transaction(2) as tx:
        other = await tx.allocate_type_ids(2)

    assert (first, second, other) == (100, 102, 100)


async def test_tokens_round_trip(store: Store) -> None:
    record = TokenRecord("abc", 1, frozenset({"tickets", "crm.objects.contacts.read"}), 7, 9)
    await store.add_token(record)

    assert await store.find_token("abc") == record
    assert await store.find_token("nope") is None


async def test_a_duplicate_portal_is_a_validation_error(store: Store) -> None:
    with pytest.raises(ValidationError):
        await store.create_portal(1, "again", 0)


async def test_sqlite_migrations_are_recorded_and_reopening_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    for _ in range(2):
        store = SQLiteStore(str(path))
        await store.open()
        secret = await store.secret()
        await store.close()

    with sqlite3.connect(path) as conn:
        versions = conn.execute("SELECT version, name FROM schema_migrations").fetchall()
        mode = conn.execute("PRAGMA journal_mode").fetchone()
    assert versions[0] == (1, "0001_initial")
    assert versions == [(m.version, m.name) for m in migrations("sqlite")]
    assert mode == ("wal",)
    reopened = SQLiteStore(str(path))
    await reopened.open()
    assert await reopened.secret() == secret  # cursors survive restarts
    await reopened.close()
