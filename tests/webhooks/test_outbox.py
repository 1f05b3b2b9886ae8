"""The transactional outbox and the workers' leases, on every backend.

- Events are rows of the change's own transaction: a rolled-back transaction leaves none.
- Two workers on one database (two stores, as two processes or hosts would be) never hold
  the same event: every event reaches the receiver exactly once when nothing fails.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from assocdb.domain.apps import create_app, webhook_store
from assocdb.domain.store import Store
from assocdb.domain.webhooks import ChangeEvent
from assocdb.http.webhooks.delivery import DeliveryWorker
from assocdb.storage import open_store
from assocdb.testing.webhooks import Answer, WebhookReceiver

pytestmark = pytest.mark.anyio


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    the_store = open_store(db_url)
    await the_store.open()
    await the_store.create_portal(1, "one", 0)
    await the_store.create_portal(2, "two", 0)
    yield the_store
    await the_store.close()


async def subscribe(store: Store, url: str, concurrency: int = 10) -> int:
    made = await create_app(store, 1, 9001, "outbox", 0)
    hooks = webhook_store(store)
    await hooks.create_subscription(9001, "contact.creation", "0-1", None, True, 0)
    from assocdb.domain.webhooks import WebhookSettings

    await hooks.put_webhook_settings(WebhookSettings(9001, url, concurrency, None, 0, 0))
    return made.app.app_id


async def failing_change(store: Store) -> None:
    async with store.transaction(1) as tx:
        assert tx.events is not None
        tx.events.add(creation(12))
        raise RuntimeError("the change fails after its event was added")


def creation(object_id: int) -> ChangeEvent:
    return ChangeEvent("creation", "0-1", object_id, 1)


async def test_events_commit_and_roll_back_with_their_transaction(store: Store) -> None:
    await subscribe(store, "http://127.0.0.1:9/unused")
    hooks = webhook_store(store)
    async with store.transaction(1) as tx:
        assert tx.events is not None
        tx.events.add(creation(11))
    with pytest.raises(RuntimeError):
        await failing_change(store)
    async with store.transaction(2) as tx:
        assert tx.events is None  # the app is not installed in portal 2: no cost, no rows
    claimed = await hooks.claim_events("test", 2**42, 1000, 100)
    assert [e.payload.count('"objectId":11') for e in claimed] == [1]


async def test_a_claimed_event_is_not_claimed_again_until_its_lease_ends(store: Store) -> None:
    await subscribe(store, "http://127.0.0.1:9/unused")
    hooks = webhook_store(store)
    async with store.transaction(1) as tx:
        assert tx.events is not None
        for i in range(3):
            tx.events.add(creation(100 + i))
    now = 2**42
    first = await hooks.claim_events("a", now, 1000, 2)
    second = await hooks.claim_events("b", now, 1000, 10)
    assert len(first) == 2
    assert len(second) == 1
    assert {e.event_id for e in first}.isdisjoint(e.event_id for e in second)
    assert await hooks.claim_events("c", now + 500, 1000, 10) == []
    # Lease over (a worker died): another worker takes the events over.
    assert len(await hooks.claim_events("c", now + 1001, 1000, 10)) == 3


async def test_two_workers_deliver_every_event_exactly_once(db_url: str, store: Store) -> None:
    receiver = WebhookReceiver().start()
    receiver.answer = Answer(204, delay_s=0.05)
    other = open_store(db_url)
    await other.open()
    workers: list[DeliveryWorker] = []
    try:
        await subscribe(store, receiver.url)
        for s in (store, other):
            worker = DeliveryWorker(webhook_store(s), retry_base_ms=50, poll_interval_s=0.02)
            await worker.start()
            workers.append(worker)
        for batch in range(30):
            async with store.transaction(1) as tx:
                assert tx.events is not None
                for i in range(20):
                    tx.events.add(creation(batch * 100 + i))
        for _ in range(300):
            if len(receiver.events) >= 600:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        counts = Counter(e["eventId"] for e in receiver.events)
        assert len(counts) == 600
        assert set(counts.values()) == {1}
        # Both workers took part (the claim is shared, not one worker's monopoly).
        assert len(receiver.requests) > 1
    finally:
        for worker in workers:
            await worker.stop()
        await other.close()
        receiver.stop()


async def test_request_slots_are_shared_bounded_and_leased(db_url: str, store: Store) -> None:
    """maxConcurrentRequests across processes: two stores (as two processes) share an
    app's slots; a released slot is free again, and so is one whose lease ran out."""
    other = open_store(db_url)
    await other.open()
    try:
        a, b = webhook_store(store), webhook_store(other)
        now = 2**42
        taken = [await (a if i % 2 else b).take_slot(9001, 5, f"h{i}", now, 1000) for i in range(5)]
        assert sorted(s for s in taken if s is not None) == [0, 1, 2, 3, 4]
        assert await a.take_slot(9001, 5, "h5", now, 1000) is None
        assert await b.take_slot(9002, 5, "other app", now, 1000) == 0  # per app
        await a.release_slot(9001, 2, "not the holder")  # nothing: not its slot
        assert await b.take_slot(9001, 5, "h6", now, 1000) is None
        await b.release_slot(9001, 2, "h2")
        assert await b.take_slot(9001, 5, "h7", now, 1000) == 2
        assert await a.take_slot(9001, 5, "h8", now + 1001, 1000) == 0  # leases over
    finally:
        await other.close()


def test_the_compact_outbox_row_fans_out_to_hubspots_payloads() -> None:
    """What the write path stores (one row per transaction) becomes, at fan-out, exactly
    the payloads built from the changes directly: every event kind, generic types too."""
    from assocdb.domain.webhooks import (
        EventSink,
        SubscriptionIndex,
        SubscriptionRecord,
        association_changes,
        object_changes,
    )
    from assocdb.storage.webhook_common import change_params, fan_out

    subscriptions = [
        SubscriptionRecord(1, 7, "contact.creation", "0-1", None, True, 0, 0),
        SubscriptionRecord(2, 7, "contact.propertyChange", "0-1", "email", True, 0, 0),
        SubscriptionRecord(3, 8, "object.deletion", "0-1", None, True, 0, 0),
        SubscriptionRecord(4, 8, "company.associationChange", "0-2", None, True, 0, 0),
        SubscriptionRecord(5, 7, "contact.associationChange", "0-1", None, True, 0, 0),
    ]
    sink = EventSink(42, SubscriptionIndex(subscriptions))
    object_changes(sink, "0-1", 11, "creation", 5, {"email": "a@x.test"})
    object_changes(sink, "0-1", 11, "update", 6, {"email": None})
    object_changes(sink, "0-1", 12, "deletion", 7)
    association_changes(sink, "0-1", "0-2", [(11, 21, False, True), (12, 21, True, False)], 8)
    params = change_params(sink)
    assert params is not None
    count, text = params
    fanned = fan_out([text], 99)
    expected = [(r.app_id, r.portal_id, r.subscription_id, r.occurred_at_ms) for r in sink.rows()]
    assert count == len(expected) == 8
    assert [row[:4] for row in fanned] == expected
    assert [json.loads(row[4]) for row in fanned] == [json.loads(r.payload) for r in sink.rows()]
    assert {row[5] for row in fanned} == {99}
