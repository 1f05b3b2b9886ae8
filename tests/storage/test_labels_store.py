"""Labels and limits in storage, through the Store protocol (every backend)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assocdb.domain.models import LabelDef, LimitDef
from assocdb.domain.store import Store

pytestmark = pytest.mark.anyio

CONTACT, COMPANY, DEAL = "0-1", "0-2", "0-3"
HS, USER = 0, 1
MANAGER = LabelDef(CONTACT, COMPANY, USER, 100, "manager", "Manager", 101)
EMPLOYEE = LabelDef(COMPANY, CONTACT, USER, 101, "manager", "Employee", 100)
PEER = LabelDef(CONTACT, CONTACT, USER, 12, "peer", "Peer", 12)


@pytest.fixture
async def store(store: Store) -> Store:
    """The suite's store, with three labels in portal 1."""
    async with store.transaction(1) as tx:
        await tx.add_labels([MANAGER, EMPLOYEE, PEER])
    return store


async def edge(
    store: Store, forward: tuple[tuple[int, int], ...], inverse: tuple[tuple[int, int], ...]
) -> None:
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, forward, inverse)])


# -- labels ------------------------------------------------------------------------------


async def test_update_labels_changes_only_the_text(store: Store) -> None:
    await store.update_labels(1, [replace(MANAGER, label="Boss"), replace(EMPLOYEE, label="Staff")])

    assert await store.list_labels(1, CONTACT, COMPANY) == [replace(MANAGER, label="Boss")]
    assert await store.list_labels(1, COMPANY, CONTACT) == [replace(EMPLOYEE, label="Staff")]


async def test_update_labels_of_another_portal_changes_nothing(store: Store) -> None:
    await store.update_labels(2, [replace(MANAGER, label="Boss")])

    assert await store.list_labels(1, CONTACT, COMPANY) == [MANAGER]


async def test_delete_label_removes_both_directions_and_their_limits(store: Store) -> None:
    await store.put_limits(
        1,
        [
            LimitDef(CONTACT, COMPANY, USER, 100, 3),
            LimitDef(COMPANY, CONTACT, USER, 101, 4),
            LimitDef(CONTACT, COMPANY, HS, 279, 5),
        ],
    )

    assert await store.delete_label(1, MANAGER) is True

    assert await store.list_labels(1, CONTACT, COMPANY) == []
    assert await store.list_labels(1, COMPANY, CONTACT) == []
    assert await store.list_all_limits(1) == [LimitDef(CONTACT, COMPANY, HS, 279, 5)]
    assert await store.list_labels(1, CONTACT, CONTACT) == [PEER]


async def test_delete_label_is_refused_while_an_edge_uses_it(store: Store) -> None:
    await edge(store, ((HS, 279), (USER, 100)), ((HS, 280), (USER, 101)))

    assert await store.delete_label(1, MANAGER) is False
    assert await store.delete_label(1, EMPLOYEE) is False

    assert await store.list_labels(1, CONTACT, COMPANY) == [MANAGER]


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (((HS, 279), (USER, 100)), ((HS, 280),)),  # only the forward row carries it
        (((HS, 279),), ((HS, 280), (USER, 101))),  # only the inverse row carries it
    ],
)
async def test_delete_label_checks_both_directions(
    store: Store, forward: tuple[tuple[int, int], ...], inverse: tuple[tuple[int, int], ...]
) -> None:
    await edge(store, forward, inverse)

    assert await store.delete_label(1, MANAGER) is False


async def test_delete_label_matches_whole_types_only(store: Store) -> None:
    # USER_DEFINED 1000 and 10, and HUBSPOT_DEFINED 100, are not USER_DEFINED 100.
    await edge(store, ((HS, 100), (USER, 10), (USER, 1000)), ((HS, 280), (USER, 1011)))

    assert await store.delete_label(1, MANAGER) is True


async def test_delete_label_ignores_other_portals_edges(store: Store) -> None:
    async with store.transaction(2) as tx:
        await tx.put_pairs(CONTACT, COMPANY, [(10, 20, ((USER, 100),), ((USER, 101),))])

    assert await store.delete_label(1, MANAGER) is True


async def test_delete_a_self_inverse_label(store: Store) -> None:
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, CONTACT, [(10, 11, ((USER, 12),), ((USER, 12),))])

    refused = await store.delete_label(1, PEER)
    async with store.transaction(1) as tx:
        await tx.put_pairs(CONTACT, CONTACT, [(10, 11, (), ())])
    allowed = await store.delete_label(1, PEER)

    assert (refused, allowed) == (False, True)
    assert await store.list_labels(1, CONTACT, CONTACT) == []


# -- limits ------------------------------------------------------------------------------


async def test_limits_are_listed_per_pair_and_overall_in_key_order(store: Store) -> None:
    await store.put_limits(
        1,
        [
            LimitDef(DEAL, CONTACT, USER, 100, 1),
            LimitDef(CONTACT, COMPANY, USER, 100, 2),
            LimitDef(CONTACT, COMPANY, HS, 279, 3),
        ],
    )

    assert await store.list_limits(1, CONTACT, COMPANY) == [
        LimitDef(CONTACT, COMPANY, HS, 279, 3),
        LimitDef(CONTACT, COMPANY, USER, 100, 2),
    ]
    assert await store.list_limits(1, COMPANY, CONTACT) == []
    assert await store.list_all_limits(1) == [
        LimitDef(CONTACT, COMPANY, HS, 279, 3),
        LimitDef(CONTACT, COMPANY, USER, 100, 2),
        LimitDef(DEAL, CONTACT, USER, 100, 1),
    ]


async def test_put_limits_replaces_an_existing_limit(store: Store) -> None:
    await store.put_limits(1, [LimitDef(CONTACT, COMPANY, HS, 279, 3)])
    await store.put_limits(1, [LimitDef(CONTACT, COMPANY, HS, 279, 7)])

    assert await store.list_limits(1, CONTACT, COMPANY) == [LimitDef(CONTACT, COMPANY, HS, 279, 7)]


async def test_delete_limits_removes_the_given_keys_of_one_pair(store: Store) -> None:
    await store.put_limits(
        1,
        [
            LimitDef(CONTACT, COMPANY, HS, 279, 3),
            LimitDef(CONTACT, COMPANY, HS, 1, 1),
            LimitDef(COMPANY, CONTACT, HS, 280, 3),
        ],
    )

    await store.delete_limits(1, CONTACT, COMPANY, [(HS, 279), (USER, 279), (HS, 999)])

    assert await store.list_all_limits(1) == [
        LimitDef(CONTACT, COMPANY, HS, 1, 1),
        LimitDef(COMPANY, CONTACT, HS, 280, 3),
    ]


async def test_limits_are_kept_per_portal(store: Store) -> None:
    await store.put_limits(1, [LimitDef(CONTACT, COMPANY, HS, 279, 3)])
    await store.put_limits(2, [LimitDef(CONTACT, COMPANY, HS, 279, 9)])

    await store.delete_limits(2, CONTACT, COMPANY, [(HS, 279)])

    assert await store.list_all_limits(1) == [LimitDef(CONTACT, COMPANY, HS, 279, 3)]
    assert await store.list_all_limits(2) == []
