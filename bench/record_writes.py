"""What moving record writes into the domain's unit of work costs (docs/webhooks.md: every
record event has one emitter, in the domain).

    python bench/record_writes.py [--pg postgresql://…] [--rounds 7] [--calls 200]

``ObjectService.create_many``, ``update_many`` and ``archive`` now open a unit of work
(``store.transaction``) and write through ``StoreTx``, where before they made one storage
call (``store.create_objects`` … ``archive_objects``: one transaction of its own, which also
emitted the webhook events). The storage calls still exist (tests, benches), so both paths
run in the same process: each call creates 10 contacts, updates them (one property each),
then archives them; ``storage`` makes the three storage calls, ``domain`` the three service
calls. In a portal without subscribers (what the move costs everyone) and in one whose app
subscribes to contact.creation, contact.propertyChange and contact.deletion (30 outbox rows a
call; the storage calls write none now). The variants alternate call by call; medians of
``--rounds`` of calls/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable

import asyncpg

from assocdb.domain.apps import create_app, webhook_store
from assocdb.domain.objects import ObjectService, ObjectUpdate
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.store import Store
from assocdb.domain.webhooks import WebhookSettings
from assocdb.storage import open_store

CONTACT = resolve_object_type("contacts")
Call = Callable[[], Awaitable[None]]


async def subscribe(store: Store, portal: int) -> None:
    app_id = 6100 + portal
    await create_app(store, portal, app_id, "bench", 0)
    hooks = webhook_store(store)
    for event_type, prop in (
        ("contact.creation", None),
        ("contact.propertyChange", "firstname"),
        ("contact.deletion", None),
    ):
        await hooks.create_subscription(app_id, event_type, CONTACT.type_id, prop, True, 0)
    await hooks.put_webhook_settings(
        WebhookSettings(app_id, "http://127.0.0.1:9/unused", 10, None, 0, 0)
    )


def through_storage(store: Store, portal: int) -> Call:
    async def call() -> None:
        made = await store.create_objects(portal, CONTACT.type_id, [{}] * 10, 1)
        ids = [o.object_id for o in made]
        changes = [(i, {"firstname": "A"}) for i in ids]
        await store.update_objects(portal, CONTACT.type_id, changes, 2)
        await store.archive_objects(portal, CONTACT.type_id, ids, 3)

    return call


def through_domain(objects: ObjectService, portal: int) -> Call:
    async def call() -> None:
        made = await objects.create_many(portal, CONTACT, [{}] * 10)
        ids = [o.object_id for o in made]
        updates = [ObjectUpdate(i, {"firstname": "A"}) for i in ids]
        await objects.update_many(portal, CONTACT, updates)
        await objects.archive(portal, CONTACT, ids)

    return call


async def measure(store: Store, rounds: int, calls: int) -> dict[str, float]:
    objects = ObjectService(store)
    variants: dict[str, Call] = {}
    for portal, subscribed in ((1, False), (2, True)):
        await store.create_portal(portal, f"portal {portal}", 0)
        if subscribed:
            await subscribe(store, portal)
        suffix = "subscribed" if subscribed else "no subscribers"
        variants[f"storage, {suffix}"] = through_storage(store, portal)
        variants[f"domain, {suffix}"] = through_domain(objects, portal)
    for call in variants.values():
        for _ in range(10):  # warm-up
            await call()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        spent = dict.fromkeys(variants, 0.0)
        for _ in range(calls):
            for name, call in variants.items():
                started = time.perf_counter()
                await call()
                spent[name] += time.perf_counter() - started
        for name in variants:
            samples[name].append(calls / spent[name])
    return {name: statistics.median(values) for name, values in samples.items()}


async def run_backend(name: str, url: str, args: argparse.Namespace) -> None:
    store = open_store(url)
    await store.open()
    try:
        rates = await measure(store, args.rounds, args.calls)
    finally:
        await store.close()
    for suffix in ("no subscribers", "subscribed"):
        old, new = rates[f"storage, {suffix}"], rates[f"domain, {suffix}"]
        print(
            f"{name}, {suffix}: storage calls {old:.1f} calls/s, domain unit of work"
            f" {new:.1f} calls/s ({(1 - new / old) * 100:+.1f} % slower)"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--pg", default=os.environ.get("ASSOCDB_TEST_POSTGRES"))
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    folder = tempfile.mkdtemp()
    await run_backend("SQLite", os.path.join(folder, "writes.sqlite3"), args)
    if args.pg:
        schema = f"assocdb_bench_{uuid.uuid4().hex[:12]}"
        sep = "&" if "?" in args.pg else "?"
        try:
            await run_backend("PostgreSQL", f"{args.pg}{sep}schema={schema}", args)
        finally:
            conn = await asyncpg.connect(args.pg)
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
