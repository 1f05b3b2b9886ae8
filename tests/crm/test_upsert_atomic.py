"""Batch upsert is one unit of work (docs/transactions.md): the look-up by ``idProperty``,
the creates and the updates commit together or not at all, on both backends.

The failure is injected after the creates, where the updates are written: in the unit of
work that is ``StoreTx.update_objects``; the store-level ``update_objects`` (what an upsert
that commits its creates first used) fails too, so the test also fails on an upsert that
writes its creates and its updates in two transactions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from assocdb.domain.id_property import UpsertInput, upsert
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.properties import PropertyService
from assocdb.domain.store import Store
from assocdb.storage import open_store
from assocdb.storage.postgres import _PostgresTx
from assocdb.storage.sqlite import _SQLiteTx

CONTACTS = resolve_object_type("contacts")
PORTAL = 1


class Injected(RuntimeError):
    """The failure a test injects midway."""


async def _fail(*_args: Any, **_kwargs: Any) -> None:
    raise Injected("injected failure")


async def _contacts(store: Store) -> list[tuple[int, dict[str, str]]]:
    return [
        (o.object_id, {k: v for k, v in o.properties.items() if k in ("email", "firstname")})
        for o in await store.scan_objects(PORTAL, None, 1000)
        if o.object_type == CONTACTS.type_id
    ]


async def _upsert_fails_after_creates(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    await store.open()
    try:
        await store.create_portal(PORTAL, "p", 0)
        properties = PropertyService(store)  # type: ignore[arg-type]
        objects = ObjectService(store, properties=properties)
        await upsert(
            objects,
            properties,
            PORTAL,
            CONTACTS,
            [UpsertInput("old@example.com", "email", {"firstname": "Old"})],
        )
        before = await _contacts(store)
        inputs = [
            UpsertInput("new@example.com", "email", {"firstname": "New"}),
            UpsertInput("old@example.com", "email", {"firstname": "Changed"}),
        ]
        with monkeypatch.context() as patch:
            for tx_class in (_SQLiteTx, _PostgresTx):
                patch.setattr(tx_class, "update_objects", _fail, raising=False)
            patch.setattr(type(store), "update_objects", _fail)
            with pytest.raises(Injected):
                await upsert(objects, properties, PORTAL, CONTACTS, inputs)
        # Nothing of the failed upsert: no new contact, the old one unchanged.
        assert await _contacts(store) == before
        # The same upsert, not broken, creates one and updates the other.
        outcomes, error = await upsert(objects, properties, PORTAL, CONTACTS, inputs)
        assert error is None
        assert [o.new for o in outcomes] == [True, False]
        after = dict(await _contacts(store))
        assert sorted(v["firstname"] for v in after.values()) == ["Changed", "New"]
    finally:
        await store.close()


def test_an_upsert_failing_after_its_creates_leaves_nothing(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_upsert_fails_after_creates(open_store(db_url), monkeypatch))
