"""Webhooks: what archiving a record with many associations costs when its association
changes are sent (docs/webhooks.md, "Cost of an archive").

    python bench/webhook_archive.py [--pg postgresql://…] [--edges 50000] [--rounds 3]

In-process: ``ObjectService.archive`` on a store, no delivery worker (only the write is
measured). Each sample first builds one contact associated with ``--edges`` companies
(storage writes, no events), then times the archive, in three portals whose one app
subscribes to:

- ``deletion``: contact.deletion only: no associationChange subscription, so the archive
  does not ask for the removed edges (the cost before association events existed);
- ``one side``: contact.associationChange too: one outbox row per association;
- ``both sides``: company.associationChange too: two rows per association.

The variants alternate within each round, so load from other processes on this shared
machine falls on all of them alike; medians of ``--rounds``.
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

import asyncpg

from assocdb.domain.apps import create_app, webhook_store
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.registry import Category
from assocdb.domain.store import Store
from assocdb.domain.webhooks import WebhookSettings
from assocdb.storage import open_store

CONTACT = resolve_object_type("contacts")
COMPANY = resolve_object_type("companies")
FORWARD = ((int(Category.HUBSPOT_DEFINED), 279),)  # contact → company, unlabeled
INVERSE = ((int(Category.HUBSPOT_DEFINED), 280),)
VARIANTS = {
    "deletion": ("contact.deletion",),
    "one side": ("contact.deletion", "contact.associationChange"),
    "both sides": ("contact.deletion", "contact.associationChange", "company.associationChange"),
}
CHUNK = 5_000


async def subscribe(store: Store, portal: int, event_types: tuple[str, ...]) -> None:
    app_id = 6000 + portal
    await create_app(store, portal, app_id, "bench", 0)
    hooks = webhook_store(store)
    for event_type in event_types:
        type_id = CONTACT.type_id if event_type.startswith("contact") else COMPANY.type_id
        await hooks.create_subscription(app_id, event_type, type_id, None, True, 0)
    await hooks.put_webhook_settings(
        WebhookSettings(app_id, "http://127.0.0.1:9/unused", 10, None, 0, 0)
    )


async def record_with_edges(store: Store, portal: int, edges: int) -> int:
    """One contact associated with ``edges`` companies, written by storage (no events)."""
    (contact,) = await store.create_objects(portal, CONTACT.type_id, [{}], 0)
    companies: list[int] = []
    for start in range(0, edges, CHUNK):
        made = await store.create_objects(
            portal, COMPANY.type_id, [{} for _ in range(min(CHUNK, edges - start))], 0
        )
        companies.extend(o.object_id for o in made)
    async with store.transaction(portal) as tx:
        tx.events = None
        for start in range(0, len(companies), CHUNK):
            await tx.put_pairs(
                CONTACT.type_id,
                COMPANY.type_id,
                [
                    (contact.object_id, c, FORWARD, INVERSE)
                    for c in companies[start : start + CHUNK]
                ],
            )
    return contact.object_id


async def archive_cost(store: Store, edges: int, rounds: int) -> dict[str, tuple[float, int]]:
    objects = ObjectService(store)
    portals: dict[str, int] = {}
    for n, (name, event_types) in enumerate(VARIANTS.items(), start=1):
        await store.create_portal(n, name, 0)
        await subscribe(store, n, event_types)
        portals[name] = n
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    rows: dict[str, int] = {}
    for _ in range(rounds):
        for name, portal in portals.items():
            contact = await record_with_edges(store, portal, edges)
            before = await store.count_rows("webhook_events")
            started = time.perf_counter()
            await objects.archive(portal, CONTACT, [contact])
            samples[name].append((time.perf_counter() - started) * 1000)
            rows[name] = await store.count_rows("webhook_events") - before
    return {name: (statistics.median(values), rows[name]) for name, values in samples.items()}


async def run_backend(name: str, url: str, args: argparse.Namespace) -> None:
    store = open_store(url)
    await store.open()
    try:
        cost = await archive_cost(store, args.edges, args.rounds)
    finally:
        await store.close()
    base = cost["deletion"][0]
    for variant, (ms, rows) in cost.items():
        print(
            f"{name}: archive of a record with {args.edges:,} associations, {variant}:"
            f" {ms:,.0f} ms ({ms / base:.2f}x), {rows:,} outbox rows"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edges", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default=os.environ.get("ASSOCDB_TEST_POSTGRES"))
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    folder = tempfile.mkdtemp()
    await run_backend("SQLite", os.path.join(folder, "archive.sqlite3"), args)
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
