"""Merge and GDPR delete are one unit of work (docs/transactions.md): a failure midway
leaves the store exactly as it was, on both backends.

The failure is injected after the associations have moved, where the merged record is
deleted: in the unit of work that is ``StoreTx.purge_objects``; the store-level
``archive_objects`` (what the step-by-step merge used) fails too, so the test also fails
on a merge that commits its steps one by one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from assocdb.domain.associations import AssociationService, CreateInput
from assocdb.domain.crm import CrmServices, crm_services
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.paging import CursorCodec
from assocdb.domain.registry import Category
from assocdb.domain.store import Store
from assocdb.storage import open_store
from assocdb.storage.postgres import _PostgresTx
from assocdb.storage.sqlite import _SQLiteTx

CONTACTS, COMPANIES, DEALS = (resolve_object_type(n) for n in ("contacts", "companies", "deals"))
PRIMARY = ((Category.HUBSPOT_DEFINED, 1),)
PORTAL = 1


class Injected(RuntimeError):
    """The failure a test injects midway."""


async def _fail(*_args: Any, **_kwargs: Any) -> None:
    raise Injected("injected failure")


def _break_purges(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    for tx_class in (_SQLiteTx, _PostgresTx):
        monkeypatch.setattr(tx_class, "purge_objects", _fail)
    monkeypatch.setattr(type(store), "archive_objects", _fail)


async def _snapshot(store: Store, ids: list[int]) -> dict[str, Any]:
    """Everything a merge or GDPR delete can change, as plain data."""
    return {
        "objects": [
            (o.object_type, o.object_id, o.properties, o.updated_at_ms)
            for o in await store.scan_objects(PORTAL, None, 10_000)
        ],
        "edges": await store.scan_edges(PORTAL, None, 10_000),
        "archived": [
            (o.object_id, o.properties, at)
            for o, at in await store.get_archived_objects(PORTAL, CONTACTS.type_id, ids)
        ],
        "aliases": {i: await store.merged_into(PORTAL, CONTACTS.type_id, i) for i in ids},
    }


async def _graph(store: Store) -> tuple[CrmServices, list[int]]:
    """Two contacts with companies (each a Primary), a deal and each other; a third contact
    merged into the second before, so an alias exists to re-point; a fourth archived."""
    await store.create_portal(PORTAL, "p", 0)
    objects = ObjectService(store)
    associations = AssociationService(store, CursorCodec(b"k" * 32))
    crm = crm_services(store, objects, associations)
    c1, c2, c3, c4 = (o.object_id for o in await objects.create_many(PORTAL, CONTACTS, [{}] * 4))
    k1, k2, k3 = (o.object_id for o in await objects.create_many(PORTAL, COMPANIES, [{}] * 3))
    (d1,) = (o.object_id for o in await objects.create_many(PORTAL, DEALS, [{}]))
    await store.update_objects(
        PORTAL,
        CONTACTS.type_id,
        [(c1, {"email": "a@example.com"}), (c2, {"email": "b@example.com"})],
        1,
    )
    for from_id, to_id, types in ((c1, k1, PRIMARY), (c2, k2, PRIMARY), (c2, k3, ())):
        await associations.set_types(
            PORTAL, CONTACTS, COMPANIES, [CreateInput(from_id, to_id, types)], replace=False
        )
    await associations.set_types(PORTAL, CONTACTS, DEALS, [CreateInput(c2, d1)], replace=False)
    await associations.set_types(PORTAL, CONTACTS, CONTACTS, [CreateInput(c1, c2)], replace=False)
    await crm.merges.merge(PORTAL, CONTACTS, str(c2), str(c3))
    await store.archive_objects(PORTAL, CONTACTS.type_id, [c4], 2)
    return crm, [c1, c2, c3, c4]


async def _merge_fails(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    await store.open()
    try:
        crm, ids = await _graph(store)
        c1, c2, _, _ = ids
        before = await _snapshot(store, ids)
        with monkeypatch.context() as patch:
            _break_purges(patch, store)
            with pytest.raises(Injected):
                await crm.merges.merge(PORTAL, CONTACTS, str(c1), str(c2))
        assert await _snapshot(store, ids) == before
        # The same merge, not broken, changes all of it: the snapshot sees a merge.
        merged = await crm.merges.merge(PORTAL, CONTACTS, str(c1), str(c2))
        after = await _snapshot(store, ids)
        assert after["aliases"][c2] == c1
        assert c2 not in [i for t, i, _, _ in after["objects"] if t == CONTACTS.type_id]
        assert merged.properties["hs_additional_emails"] == "b@example.com"
        assert after["edges"] != before["edges"]
    finally:
        await store.close()


async def _gdpr_fails(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    await store.open()
    try:
        crm, ids = await _graph(store)
        _, c2, _, c4 = ids
        before = await _snapshot(store, ids)
        with monkeypatch.context() as patch:
            # After the live contact and its associations are purged, before the archived
            # copies and aliases go.
            for tx_class in (_SQLiteTx, _PostgresTx):
                patch.setattr(tx_class, "forget_objects", _fail)
            with pytest.raises(Injected):
                await crm.merges.gdpr_delete(PORTAL, CONTACTS, str(c2), None)
            with pytest.raises(Injected):
                await crm.merges.gdpr_delete(PORTAL, CONTACTS, str(c4), None)
        assert await _snapshot(store, ids) == before
        await crm.merges.gdpr_delete(PORTAL, CONTACTS, str(c2), None)
        after = await _snapshot(store, ids)
        assert after["aliases"] == {i: None for i in ids}
        assert after["edges"] != before["edges"]
    finally:
        await store.close()


def test_a_merge_failing_midway_changes_nothing(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_merge_fails(open_store(db_url), monkeypatch))


def test_a_gdpr_delete_failing_midway_changes_nothing(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_gdpr_fails(open_store(db_url), monkeypatch))
