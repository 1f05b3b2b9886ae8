"""One Primary per record and side is held by the schema (issue 9, migrations 0006): a write
that bypasses the domain and would store a second Primary is refused with a 409 and
changes nothing, on every backend; moving a Primary in one write is accepted whatever the
order of its edges."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from assocdb.domain.store import Store
from assocdb.errors import Conflict
from assocdb.storage.migrations import migrations
from tests.conftest import postgres_dsn

pytestmark = pytest.mark.anyio

CONTACT, COMPANY, DEAL = "0-1", "0-2", "0-3"
# contact -> company: Primary (1) with the unlabeled type (279); inverses 2 and 280.
PRIMARY, PRIMARY_INV = ((0, 1), (0, 279)), ((0, 2), (0, 280))
PLAIN, PLAIN_INV = ((0, 279),), ((0, 280),)


async def _companies_of(store: Store, contact: int) -> dict[int, tuple[tuple[int, int], ...]]:
    (page,) = await store.read_pages(1, CONTACT, COMPANY, [(contact, -1)], 100)
    return dict(page)


async def test_a_second_primary_written_directly_is_refused(store: Store) -> None:
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, PRIMARY, PRIMARY_INV)])

    with pytest.raises(Conflict) as refused:
        async with store.transaction(1) as tx:
            await tx.put_pairs(CONTACT, COMPANY, [(10, 21, PRIMARY, PRIMARY_INV)])

    assert refused.value.status_code == 409
    assert refused.value.sub_category == "assocdb.DUPLICATE_PRIMARY"
    # Rolled back whole: neither direction of the refused edge is stored.
    assert await _companies_of(store, 10) == {20: PRIMARY}
    assert await store.read_pages(1, COMPANY, CONTACT, [(21, -1)], 10) == [[]]


async def test_the_inverse_side_cannot_add_a_second_primary_either(store: Store) -> None:
    """Written from the company's side (company -> contact 2), the contact's row is the
    flagged one: the index holds whichever side the write names."""
    async with store.transaction(1) as tx:
        await tx.put_pairs(COMPANY, CONTACT, [(20, 10, PRIMARY_INV, PRIMARY)])

    with pytest.raises(Conflict):
        async with store.transaction(1) as tx:
            await tx.put_pairs(COMPANY, CONTACT, [(21, 10, PRIMARY_INV, PRIMARY)])

    assert await _companies_of(store, 10) == {20: PRIMARY}


async def test_two_primaries_in_one_write_are_refused(store: Store) -> None:
    with pytest.raises(Conflict):
        async with store.transaction(1) as tx:
            await tx.put_pairs(
                CONTACT, COMPANY, [(10, 20, PRIMARY, PRIMARY_INV), (10, 21, PRIMARY, PRIMARY_INV)]
            )

    assert await store.count_edges(1) == 0


async def test_one_primary_per_pair_of_types_and_per_record(store: Store) -> None:
    """The index is per record and to-type: other contacts, and a deal's own Primary
    company (5), are independent of contact 10's."""
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, PRIMARY, PRIMARY_INV)])
        await tx.put_pairs(CONTACT, COMPANY, [(11, 20, PRIMARY, PRIMARY_INV)])
        await tx.put_pairs(DEAL, COMPANY, [(10, 21, ((0, 5), (0, 341)), ((0, 6), (0, 342)))])

    assert await store.count_edges(1) == 6


@pytest.mark.parametrize("new_first", [True, False])
async def test_moving_the_primary_in_one_write_is_accepted(store: Store, new_first: bool) -> None:
    """The old Primary is cleared before the new one is set, whatever order the edges
    come in (the index is checked row by row on both backends)."""
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, PRIMARY, PRIMARY_INV)])
    edges = [(10, 21, PRIMARY, PRIMARY_INV), (10, 20, PLAIN, PLAIN_INV)]

    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, edges if new_first else edges[::-1])

    assert await _companies_of(store, 10) == {20: PLAIN, 21: PRIMARY}


async def test_deleting_the_old_primary_and_setting_a_new_one_in_one_write(store: Store) -> None:
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, PRIMARY, PRIMARY_INV)])

    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 21, PRIMARY, PRIMARY_INV), (10, 20, (), ())])

    assert await _companies_of(store, 10) == {21: PRIMARY}


_OLD_ROWS = [
    (1, CONTACT, 10, COMPANY, 20, "0:1,0:279"),
    (1, COMPANY, 20, CONTACT, 10, "0:2,0:280"),
    (1, CONTACT, 10, COMPANY, 21, "0:1,0:279,1:100"),
    (1, COMPANY, 21, CONTACT, 10, "0:2,0:280,1:101"),
    (1, CONTACT, 11, COMPANY, 20, "0:1,0:279"),
    (1, COMPANY, 20, CONTACT, 11, "0:2,0:280"),
    (1, DEAL, 12, COMPANY, 20, "0:341"),
    (1, COMPANY, 20, DEAL, 12, "0:342"),
]
_MIGRATED = {
    (1, CONTACT, 10, COMPANY, 20): ("0:279", False),
    (1, COMPANY, 20, CONTACT, 10): ("0:280", False),
    (1, CONTACT, 10, COMPANY, 21): ("0:1,0:279,1:100", True),
    (1, COMPANY, 21, CONTACT, 10): ("0:2,0:280,1:101", False),
    (1, CONTACT, 11, COMPANY, 20): ("0:1,0:279", True),
    (1, COMPANY, 20, CONTACT, 11): ("0:2,0:280", False),
    (1, DEAL, 12, COMPANY, 20): ("0:341", False),
    (1, COMPANY, 20, DEAL, 12): ("0:342", False),
}
_SELECT = (
    "SELECT portal_id, from_type, from_id, to_type, to_id, types, is_primary FROM associations"
)


def test_sqlite_migration_keeps_one_primary_of_a_record_that_had_two(tmp_path: Path) -> None:
    """Before 0006 a seed could store two Primary companies for one contact: the migration
    keeps the one with the highest company id and takes the Primary type off the other,
    in both directions, so the unique index can be built."""
    conn = sqlite3.connect(tmp_path / "old.sqlite3", isolation_level=None)
    steps = migrations("sqlite")
    for statement in (s for m in steps if m.version < 6 for s in m.statements()):
        conn.execute(statement)
    conn.executemany("INSERT INTO associations VALUES (?, ?, ?, ?, ?, ?)", _OLD_ROWS)
    for statement in (s for m in steps if m.version == 6 for s in m.statements()):
        conn.execute(statement)

    stored = {r[:5]: (r[5], bool(r[6])) for r in conn.execute(_SELECT)}
    conn.close()
    assert stored == _MIGRATED


async def test_postgres_migration_keeps_one_primary_of_a_record_that_had_two() -> None:
    """The same repair on PostgreSQL, in a fresh schema."""
    asyncpg = pytest.importorskip("asyncpg")
    dsn = postgres_dsn()
    schema = f"assocdb_test_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        await conn.execute(f'SET search_path TO "{schema}"')
        steps = migrations("postgres")
        for statement in (s for m in steps if m.version < 6 for s in m.statements()):
            await conn.execute(statement)
        await conn.executemany(
            "INSERT INTO associations VALUES ($1, $2, $3, $4, $5, $6)", _OLD_ROWS
        )
        for statement in (s for m in steps if m.version == 6 for s in m.statements()):
            await conn.execute(statement)
        stored = {tuple(r[:5]): (r[5], r[6]) for r in await conn.fetch(_SELECT)}
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()
    assert stored == _MIGRATED
