"""The explorer's read port (domain/explorer.ExplorerStore) on every backend: keyset
portal list, counts scoped to one portal, tokens without the revoked ones."""

from __future__ import annotations

import pytest

from assocdb.domain.explorer import ExplorerStore
from assocdb.domain.models import Portal, TokenRecord
from assocdb.domain.store import Store

pytestmark = pytest.mark.anyio

CONTACT, COMPANY = "0-1", "0-2"
PAIR = ((0, 1), (0, 279))
INVERSE = ((0, 2), (0, 280))


def _port(store: Store) -> ExplorerStore:
    assert isinstance(store, ExplorerStore)
    return store


async def test_portals_are_listed_by_id_after_a_key(store: Store) -> None:
    await store.create_portal(30, "thirty", 5)
    port = _port(store)
    assert await port.page_portals(0, 10) == [
        Portal(1, "one", 0),
        Portal(2, "two", 0),
        Portal(30, "thirty", 5),
    ]
    assert await port.page_portals(1, 1) == [Portal(2, "two", 0)]
    assert await port.page_portals(30, 10) == []


async def test_counts_belong_to_one_portal(store: Store) -> None:
    contacts = await store.create_objects(1, CONTACT, [{}, {}, {}], 0)
    (company,) = await store.create_objects(1, COMPANY, [{}], 0)
    await store.create_objects(2, CONTACT, [{}] * 5, 0)
    async with store.transaction(1) as tx:
        await tx.put_pairs(
            CONTACT, COMPANY, [(c.object_id, company.object_id, PAIR, INVERSE) for c in contacts]
        )
    port = _port(store)
    assert await port.count_objects_by_type(1) == {CONTACT: 3, COMPANY: 1}
    assert await port.count_objects_by_type(2) == {CONTACT: 5}
    assert await port.count_associations_by_type(1, COMPANY, company.object_id) == {CONTACT: 3}
    assert await port.count_associations_by_type(1, CONTACT, contacts[0].object_id) == {COMPANY: 1}
    # The same ids in another portal have no associations.
    assert await port.count_associations_by_type(2, COMPANY, company.object_id) == {}


async def test_revoked_tokens_are_not_counted(store: Store) -> None:
    for name in ("a", "b", "c"):
        await store.add_token(TokenRecord(name, 1, frozenset({"x"}), 0))
    await store.add_token(TokenRecord("d", 2, frozenset({"x"}), 0))
    assert await store.revoke_token("b")
    port = _port(store)
    assert await port.count_tokens(1) == 2
    assert await port.count_tokens(2) == 1
