"""Checks run inside the write transaction (issue 9): a change committed between a
service's start and its transaction is seen by its checks. Deterministic: the store's
``transaction`` is wrapped so a competing write commits just before it opens, which is the
moment a check made before the transaction would miss. Every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from assocdb.domain.associations import AssociationService, CreateInput
from assocdb.domain.labels import LabelService
from assocdb.domain.models import LabelDef, LimitDef
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.paging import CursorCodec
from assocdb.domain.registry import Category
from assocdb.domain.store import Store, StoreTx
from assocdb.errors import ValidationError

pytestmark = pytest.mark.anyio

CONTACTS, COMPANIES = resolve_object_type("contacts"), resolve_object_type("companies")


class RacingStore:
    """``store`` whose next ``transaction`` first lets ``competitor`` commit."""

    def __init__(self, store: Store, competitor: Callable[[], Awaitable[None]]) -> None:
        self._store = store
        self._competitor: Callable[[], Awaitable[None]] | None = competitor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @asynccontextmanager
    async def transaction(self, portal_id: int) -> AsyncIterator[StoreTx]:
        competitor, self._competitor = self._competitor, None
        if competitor is not None:
            await competitor()
        async with self._store.transaction(portal_id) as tx:
            yield tx


async def test_a_limit_set_just_before_the_write_transaction_holds(store: Store) -> None:
    (contact,) = await store.create_objects(1, "0-1", [{}], 0)
    a, b = await store.create_objects(1, "0-2", [{}, {}], 0)
    service = AssociationService(store, CursorCodec(b"k" * 32))
    await service.set_types(1, CONTACTS, COMPANIES, [CreateInput(contact.object_id, a.object_id)])

    async def limit_to_one() -> None:
        await store.put_limits(1, [LimitDef("0-1", "0-2", 0, 279, 1)])

    racing = AssociationService(RacingStore(store, limit_to_one), CursorCodec(b"k" * 32))  # type: ignore[arg-type]
    (outcome,) = await racing.set_types(
        1, CONTACTS, COMPANIES, [CreateInput(contact.object_id, b.object_id)]
    )

    assert isinstance(outcome, ValidationError)
    assert outcome.sub_category == "crm.associations.ASSOCIATION_LIMIT_EXCEEDED"
    (page,) = await store.read_pages(1, "0-1", "0-2", [(contact.object_id, -1)], 10)
    assert [to_id for to_id, _ in page] == [a.object_id]


async def test_a_label_name_taken_just_before_the_create_transaction_is_refused(
    store: Store,
) -> None:
    async def take_the_name() -> None:
        async with store.transaction(1) as tx:
            first = await tx.allocate_type_ids(2)
            await tx.add_labels(
                [
                    LabelDef("0-1", "0-2", Category.USER_DEFINED, first, "billing", "B", first + 1),
                    LabelDef("0-2", "0-1", Category.USER_DEFINED, first + 1, "billing", "B", first),
                ]
            )

    racing = LabelService(RacingStore(store, take_the_name))  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as refused:
        await racing.create(1, CONTACTS, COMPANIES, "billing", "Billing")

    assert refused.value.message == (
        "An association label named 'billing' already exists between contacts and companies."
    )
    assert [d.name for d in await store.list_labels(1, "0-1", "0-2")] == ["billing"]


async def test_the_schema_refuses_a_second_label_name_on_a_pair(store: Store) -> None:
    """Even a write that skipped the domain's check cannot store the duplicate."""
    from assocdb.domain.store import UniqueViolation

    async def add(type_id: int, from_type: str, to_type: str) -> None:
        async with store.transaction(1) as tx:
            label = LabelDef(
                from_type, to_type, Category.USER_DEFINED, type_id, "x", "X", type_id + 1
            )
            await tx.add_labels([label])

    await add(500, "0-1", "0-2")
    with pytest.raises(UniqueViolation):
        await add(600, "0-1", "0-2")
    with pytest.raises(UniqueViolation):
        await add(700, "0-2", "0-1")  # the other direction of the same pair
    await add(800, "0-1", "0-3")  # another pair may use the name
    assert [d.type_id for d in await store.list_labels(1, "0-1", "0-2")] == [500]
