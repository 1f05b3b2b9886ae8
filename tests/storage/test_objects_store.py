"""CRM records in storage, run against every backend through the Store protocol."""

from __future__ import annotations

import pytest

from assocdb.domain.models import CrmObject, LabelDef
from assocdb.domain.store import Store

pytestmark = pytest.mark.anyio

CONTACT, COMPANY, DEAL = "0-1", "0-2", "0-3"
FWD, INV = ((0, 279),), ((0, 280),)
FIRST = 10000000001


async def test_get_objects_returns_the_live_records_by_id_and_skips_missing_ones(
    store: Store,
) -> None:
    await store.create_objects(1, CONTACT, [{"email": "a@x.io"}, {}], 5)

    found = await store.get_objects(1, CONTACT, [FIRST + 1, 99, FIRST, FIRST])

    assert found == [
        CrmObject(1, CONTACT, FIRST, {"email": "a@x.io"}, 5, 5),
        CrmObject(1, CONTACT, FIRST + 1, {}, 5, 5),
    ]
    assert await store.get_objects(1, COMPANY, [FIRST]) == []
    assert await store.get_objects(2, CONTACT, [FIRST]) == []


async def test_list_objects_is_keyset_from_a_start_id(store: Store) -> None:
    await store.create_objects(1, CONTACT, [{} for _ in range(5)], 0)
    await store.create_objects(1, COMPANY, [{}], 0)

    first = await store.list_objects(1, CONTACT, 0, 2)
    rest = await store.list_objects(1, CONTACT, FIRST + 2, 10)

    assert [o.object_id for o in first] == [FIRST, FIRST + 1]
    assert [o.object_id for o in rest] == [FIRST + 2, FIRST + 3, FIRST + 4]


async def test_update_objects_merges_and_removes_properties_in_input_order(store: Store) -> None:
    await store.create_objects(1, CONTACT, [{"a": "1", "b": "2"}, {"a": "x"}], 5)

    updated = await store.update_objects(
        1, CONTACT, [(FIRST + 1, {"c": "3"}), (FIRST, {"a": "9", "b": None}), (77, {"a": "0"})], 8
    )

    assert updated == [
        CrmObject(1, CONTACT, FIRST + 1, {"a": "x", "c": "3"}, 5, 8),
        CrmObject(1, CONTACT, FIRST, {"a": "9"}, 5, 8),
    ]
    assert await store.get_objects(1, CONTACT, [FIRST]) == [
        CrmObject(1, CONTACT, FIRST, {"a": "9"}, 5, 8)
    ]
    assert await store.update_objects(2, CONTACT, [(FIRST, {"a": "1"})], 9) == []


async def test_archive_moves_the_record_and_removes_its_edges_in_both_directions(
    store: Store,
) -> None:
    await store.create_objects(1, CONTACT, [{"n": "1"}, {}], 5)
    await store.create_objects(1, COMPANY, [{}], 5)
    await store.create_objects(1, DEAL, [{}], 5)
    contact, other, company, deal = FIRST, FIRST + 1, FIRST + 2, FIRST + 3
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(contact, company, FWD, INV)])
        await tx.put_pairs(CONTACT, COMPANY, [(other, company, FWD, INV)])
        await tx.put_pairs(CONTACT, DEAL, [(contact, deal, ((0, 4),), ((0, 3),))])

    archived = await store.archive_objects(1, CONTACT, [contact, 42], 9)

    assert archived == [contact]
    assert await store.get_objects(1, CONTACT, [contact]) == []
    assert await store.get_archived_objects(1, CONTACT, [contact, other]) == [
        (CrmObject(1, CONTACT, contact, {"n": "1"}, 5, 5), 9)
    ]
    assert await store.list_archived_objects(1, CONTACT, 0, 10) == [
        (CrmObject(1, CONTACT, contact, {"n": "1"}, 5, 5), 9)
    ]
    assert await store.read_pages(1, CONTACT, COMPANY, [(contact, -1), (other, -1)], 10) == [
        [],
        [(company, FWD)],
    ]
    assert await store.read_pages(1, COMPANY, CONTACT, [(company, -1)], 10) == [[(other, INV)]]
    assert await store.read_pages(1, DEAL, CONTACT, [(deal, -1)], 10) == [[]]
    assert await store.count_edges(1) == 2
    async with store.transaction(1) as tx:  # an archived record takes no new edges
        assert await tx.existing_object_ids(CONTACT, [contact, other]) == {other}


async def test_purge_deletes_the_record_without_keeping_it_archived(store: Store) -> None:
    await store.create_objects(1, CONTACT, [{}], 5)

    assert await store.archive_objects(1, CONTACT, [FIRST], 9, purge=True) == [FIRST]
    assert await store.get_archived_objects(1, CONTACT, [FIRST]) == []
    assert await store.get_objects(1, CONTACT, [FIRST]) == []


async def test_archive_stays_inside_its_portal(store: Store) -> None:
    await store.create_objects(1, CONTACT, [{}], 5)
    await store.create_objects(2, CONTACT, [{}], 5)

    assert await store.archive_objects(2, CONTACT, [FIRST], 9) == [FIRST]

    assert await store.get_objects(1, CONTACT, [FIRST]) == [CrmObject(1, CONTACT, FIRST, {}, 5, 5)]


async def test_find_label_looks_across_to_types(store: Store) -> None:
    labels = [
        LabelDef(CONTACT, DEAL, 1, 100, "buyer", "Buyer", 101),
        LabelDef(DEAL, CONTACT, 1, 101, "buyer", "Bought by", 100),
    ]
    async with store.transaction(1) as tx:
        await tx.add_labels(labels)

    assert await store.find_label(1, CONTACT, 1, 100) == labels[0]
    assert await store.find_label(1, CONTACT, 1, 101) is None
    assert await store.find_label(1, CONTACT, 2, 100) is None
    assert await store.find_label(2, CONTACT, 1, 100) is None
