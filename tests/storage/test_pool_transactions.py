"""A write transaction never needs a second connection from the pool (issue 16).

On PostgreSQL a transaction holds one pool connection from BEGIN to COMMIT. Its webhook
seam (``open_events``) used to load the portal's subscriptions through the pool when its
1 s cache had expired: with as many transactions open as the pool has connections, each
held one and waited for another, and the pool's acquire has no timeout, so the worker
hung (seen as 60 s client timeouts in ``bench/pg_tail.py`` with a pool of 4). SQLite runs
one writer at a time and passes trivially. Every backend.
"""

from __future__ import annotations

import asyncio

import pytest

from assocdb.domain.store import Store

pytestmark = pytest.mark.anyio


async def test_a_full_pool_of_transactions_opens_with_the_subscription_cache_expired(
    store: Store,
) -> None:
    width = int(getattr(store, "_pool_size", 4))  # PostgreSQL: every connection of the pool
    store.sinks.clear()  # type: ignore[attr-defined]  # the cache miss that loads
    opened: list[int] = []

    async def one(number: int) -> None:
        async with store.transaction(1):
            opened.append(number)
            await asyncio.sleep(0.05)  # hold the connection while the others open

    await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(width))), timeout=30)
    assert sorted(opened) == list(range(width))
