"""Property: any sequence of associations, merges and GDPR deletes leaves every association
with its inverse, every record with at most one Primary per side, and no edge pointing at
a record that is gone. SQLite on every example; PostgreSQL too when configured."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assocdb.domain.associations import AssociationService, CreateInput
from assocdb.domain.crm import crm_services
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.paging import CursorCodec
from assocdb.domain.registry import Category, defined_pair
from assocdb.domain.store import Store
from assocdb.errors import AssocdbError
from assocdb.storage import open_store
from tests.conftest import POSTGRES_ENV, POSTGRES_HOWTO, drop_schema, with_schema

TYPES = {name: resolve_object_type(name) for name in ("contacts", "companies", "deals")}
HS = Category.HUBSPOT_DEFINED
# Pairs and the types a random association may carry (the Primary ones included).
PAIRS = {
    ("contacts", "companies"): [(HS, 279), (HS, 1)],
    ("deals", "companies"): [(HS, 341), (HS, 5)],
    ("contacts", "deals"): [(HS, 4)],
    ("contacts", "contacts"): [(HS, 449)],
}
PER_TYPE = 3


@dataclass(frozen=True)
class Op:
    kind: str  # "associate", "merge", "gdpr"
    pair: tuple[str, str]
    a: int
    b: int
    primary: bool


def _op(kinds: list[str]) -> st.SearchStrategy[Op]:
    return st.builds(
        Op,
        kind=st.sampled_from(kinds),
        pair=st.sampled_from(sorted(PAIRS)),
        a=st.integers(0, PER_TYPE - 1),
        b=st.integers(0, PER_TYPE - 1),
        primary=st.booleans(),
    )


# A graph first (so merges and deletes have associations to move), then any mix.
ops = st.tuples(
    st.lists(_op(["associate"]), min_size=2, max_size=10),
    st.lists(_op(["associate", "merge", "merge", "gdpr"]), min_size=1, max_size=10),
).map(lambda parts: parts[0] + parts[1])


async def _run(store: Store, steps: list[Op]) -> None:
    await store.open()
    try:
        await store.create_portal(1, "p", 0)
        objects = ObjectService(store)
        associations = AssociationService(store, CursorCodec(b"k" * 32))
        crm = crm_services(store, objects, associations)
        ids = {
            name: [o.object_id for o in await objects.create_many(1, t, [{}] * PER_TYPE)]
            for name, t in TYPES.items()
        }
        for op in steps:
            from_name, to_name = op.pair
            a, b = ids[from_name][op.a], ids[to_name][op.b]
            try:
                if op.kind == "associate":
                    keys = PAIRS[op.pair][1:] if op.primary and len(PAIRS[op.pair]) > 1 else []
                    await associations.set_types(
                        1,
                        TYPES[from_name],
                        TYPES[to_name],
                        [CreateInput(a, b, tuple(keys))],
                        replace=False,
                    )
                elif op.kind == "merge":
                    # Merge another record of the from-type into ``a`` (never itself).
                    other = ids[from_name][(op.a + 1 + op.b % (PER_TYPE - 1)) % PER_TYPE]
                    await crm.merges.merge(1, TYPES[from_name], str(a), str(other))
                else:
                    await crm.merges.gdpr_delete(
                        1, TYPES["contacts"], str(ids["contacts"][op.a]), None
                    )
            except AssocdbError:
                pass  # merging a record that is gone, deleting twice: refused, nothing changes
        await _check(store)
    finally:
        await store.close()


async def _check(store: Store) -> None:
    edges = await store.scan_edges(1, None, 100_000)
    rows = {(f, fi, t, ti): set(types) for f, fi, t, ti, types in edges}
    for (f, fi, t, ti), types in rows.items():
        pair = defined_pair(f, t)
        assert pair is not None
        inverse = {(c, pair.types[tid].inverse_id) for c, tid in types}
        assert rows.get((t, ti, f, fi)) == inverse, (f, fi, t, ti)
        assert await store.get_objects(1, f, [fi]), f"edge from a record that is gone: {f} {fi}"
    primaries = Counter(
        (f, fi, t, key)
        for (f, fi, t, _ti), types in rows.items()
        for key in types
        if (pair := defined_pair(f, t)) is not None and pair.types[key[1]].one_per_from
    )
    assert all(n <= 1 for n in primaries.values()), primaries


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=ops)
def test_merges_and_gdpr_deletes_keep_the_graph_consistent_sqlite(steps: list[Op]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_run(open_store(str(Path(folder) / "p.sqlite3")), steps))


@pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=POSTGRES_HOWTO)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=ops)
def test_merges_and_gdpr_deletes_keep_the_graph_consistent_postgres(steps: list[Op]) -> None:
    dsn = os.environ[POSTGRES_ENV]
    schema = f"assocdb_test_{uuid.uuid4().hex[:16]}"
    try:
        asyncio.run(_run(open_store(with_schema(dsn, schema)), steps))
    finally:
        drop_schema(dsn, schema)
