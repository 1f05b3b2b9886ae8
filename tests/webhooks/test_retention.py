"""Outbox retention, both backends: finished events (delivered or given up) are pruned
with their logged attempts once older than the retention, in bounded batches; pending
events never are; the newest event is kept so eventIds are never handed out twice."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from assocdb.config import Settings, SettingsError
from assocdb.domain.apps import create_app, webhook_store
from assocdb.domain.clock import now_ms
from assocdb.domain.store import Store
from assocdb.domain.webhook_store import AttemptOutcome
from assocdb.domain.webhooks import ChangeEvent, WebhookSettings
from assocdb.http.webhooks.delivery import DeliveryWorker
from assocdb.storage import open_store

pytestmark = pytest.mark.anyio

NOW = 2**42


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    the_store = open_store(db_url)
    await the_store.open()
    await the_store.create_portal(1, "one", 0)
    await create_app(the_store, 1, 9101, "retention", 0)
    hooks = webhook_store(the_store)
    await hooks.create_subscription(9101, "contact.creation", "0-1", None, True, 0)
    await hooks.put_webhook_settings(WebhookSettings(9101, "http://127.0.0.1:9/", 5, None, 0, 0))
    yield the_store
    await the_store.close()


async def write(store: Store, count: int, first: int = 1) -> None:
    async with store.transaction(1) as tx:
        assert tx.events is not None
        for i in range(count):
            tx.events.add(ChangeEvent("creation", "0-1", first + i, 1))


def delivered(event_id: int, at_ms: int) -> AttemptOutcome:
    return AttemptOutcome(event_id, 0, True, False, at_ms, 204, None, 3, None)


async def test_finished_events_are_pruned_in_batches_and_pending_ones_kept(store: Store) -> None:
    hooks = webhook_store(store)
    await write(store, 5)
    ids = [e.event_id for e in await hooks.claim_events("w", NOW, 1000, 10)]
    assert len(ids) == 5
    *done, pending = ids
    gave_up = AttemptOutcome(done[3], 9, False, True, NOW, 500, None, 3, None)
    retry = AttemptOutcome(pending, 0, False, False, NOW, 503, None, 3, NOW + 10**9)
    await hooks.finish_events("w", [delivered(i, NOW) for i in done[:3]] + [gave_up, retry])
    assert len(await hooks.list_deliveries(None, 9101, 100)) == 5

    assert await hooks.prune_events(NOW, 100) == 0  # finished at NOW: not before the cutoff
    assert await hooks.prune_events(NOW + 1, 2) == 2  # a bounded batch, oldest first
    assert await hooks.prune_events(NOW + 1, 100) == 2  # the rest, the given-up one too
    assert await hooks.prune_events(NOW + 1, 100) == 0
    left = await hooks.list_deliveries(None, 9101, 100)
    assert [d.event_id for d in left] == [pending]  # pruned events' attempts went too
    assert await hooks.count_pending_events() == 1


async def test_the_newest_event_is_kept_and_ids_are_never_reused(store: Store) -> None:
    hooks = webhook_store(store)
    await write(store, 3)
    ids = [e.event_id for e in await hooks.claim_events("w", NOW, 1000, 10)]
    await hooks.finish_events("w", [delivered(i, NOW) for i in ids])
    assert await hooks.prune_events(NOW + 1, 100) == 2
    assert [d.event_id for d in await hooks.list_deliveries(None, 9101, 100)] == [max(ids)]
    await write(store, 1, first=50)
    (newer,) = await hooks.claim_events("w", NOW, 1000, 10)
    assert newer.event_id > max(ids)


async def test_the_worker_prunes_past_the_retention_and_keeps_recent_ones(store: Store) -> None:
    hooks = webhook_store(store)
    await write(store, 4)
    ids = [e.event_id for e in await hooks.claim_events("w", NOW, 1000, 10)]
    # Two finished long ago (epoch ms 1000), two just now (the real clock).
    recent = now_ms()
    await hooks.finish_events(
        "w",
        [delivered(ids[0], 1000), delivered(ids[1], 1000)]
        + [delivered(i, recent) for i in ids[2:]],
    )
    worker = DeliveryWorker(hooks, retry_base_ms=50, retention_ms=3_600_000)
    assert await worker.prune() == 2
    assert sorted(d.event_id for d in await hooks.list_deliveries(None, 9101, 100)) == ids[2:]


def test_retention_setting_is_bounded() -> None:
    assert Settings().webhook_retention_hours == 72
    assert Settings.from_env({"ASSOCDB_WEBHOOK_RETENTION_HOURS": "1"}).webhook_retention_hours == 1
    with pytest.raises(SettingsError):
        Settings.from_env({"ASSOCDB_WEBHOOK_RETENTION_HOURS": "0"})
