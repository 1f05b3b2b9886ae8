"""Webhooks: what the outbox costs writes, how fast events are delivered, and how long a
change takes to reach a receiver.

    python bench/webhooks.py [--pg postgresql://…] [--rounds 9] [--writes 200] [--events 20000]

In-process (no HTTP server in front): the domain services on a store, the delivery worker,
and a local receiver (``assocdb.testing.webhooks.WebhookReceiver``, a threaded stdlib
server on 127.0.0.1 answering 204).

1. Outbox cost. ``--writes`` write calls, each one transaction: create 10 contacts with
   2 properties, then associate them with a company. In portal A no app is installed
   (the baseline: one cached ``is None`` per transaction); in portal B an app subscribes
   to contact.creation, two contact.propertyChange and both associationChange sides, so
   every call produces 10 + 20 + 20 events in its transactions (written as one outbox row
   per transaction, ``webhook_changes``; the worker fans them out into events, a cost the
   delivery rate below includes). The worker is off, so only the write path is measured.
   Rounds alternate A and B; medians of calls/s.
2. Delivery rate. ``--events`` events already in the outbox (not fanned out yet); one
   worker fans them out and delivers them
   (batches of 100, maxConcurrentRequests 10) to the receiver: events per second.
3. Change-to-delivery latency. The worker running, contacts created one at a time every
   20 ms; the receiver notes when each creation event arrives: p50 and p99 of arrival
   minus ``occurredAt`` (the write's clock, both in ms).
PostgreSQL runs too when ``--pg`` (or ``ASSOCDB_TEST_POSTGRES``) names a server; a fresh
schema is made and dropped.
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
from assocdb.domain.associations import AssociationService, CreateInput
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.paging import CursorCodec
from assocdb.domain.store import Store
from assocdb.domain.webhooks import WebhookSettings
from assocdb.http.webhooks.delivery import DeliveryWorker
from assocdb.storage import open_store
from assocdb.testing.webhooks import WebhookReceiver

CONTACT = resolve_object_type("contacts")
COMPANY = resolve_object_type("companies")
SUBSCRIPTIONS = (
    ("contact.creation", None),
    ("contact.propertyChange", "email"),
    ("contact.propertyChange", "firstname"),
    ("contact.associationChange", None),
    ("company.associationChange", None),
)


async def subscribe(
    store: Store, portal: int, app_id: int, url: str, subscriptions: int = len(SUBSCRIPTIONS)
) -> None:
    await create_app(store, portal, app_id, "bench", 0)
    hooks = webhook_store(store)
    type_ids = {"contact": "0-1", "company": "0-2"}
    for event_type, prop in SUBSCRIPTIONS[:subscriptions]:
        type_id = type_ids[event_type.split(".")[0]]
        await hooks.create_subscription(app_id, event_type, type_id, prop, True, 0)
    await hooks.put_webhook_settings(WebhookSettings(app_id, url, 10, None, 0, 0))


def writer(
    objects: ObjectService, associations: AssociationService, portal: int, company: int
) -> Callable[[], Awaitable[None]]:
    async def write() -> None:
        made = await objects.create_many(
            portal,
            CONTACT,
            [{"email": f"{uuid.uuid4().hex}@x.test", "firstname": "A"} for _ in range(10)],
        )
        inputs = [CreateInput(o.object_id, company, ()) for o in made]
        await associations.set_types(portal, CONTACT, COMPANY, inputs)

    return write


async def wait_until(done: Callable[[], bool]) -> None:
    """Poll the receiver (a thread) until ``done``; bounded to 5 minutes."""
    deadline = time.monotonic() + 300
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the receiver did not get every event in 5 minutes")
        await asyncio.sleep(0.02)  # the receiver is a thread: nothing to await


async def rate(write: Callable[[], Awaitable[None]], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await write()
    return count / (time.perf_counter() - started)


async def outbox_cost(store: Store, rounds: int, writes: int, url: str) -> dict[str, float]:
    objects = ObjectService(store)
    associations = AssociationService(store, CursorCodec(await store.secret()))
    writes_of: dict[str, Callable[[], Awaitable[None]]] = {}
    # Portal 1: no app. Portal 2: one subscription (contact.creation: 10 rows a call).
    # Portal 3: all five (10 + 20 + 20 = 50 rows a call).
    for portal, subscriptions in ((1, 0), (2, 1), (3, len(SUBSCRIPTIONS))):
        await store.create_portal(portal, f"portal {portal}", 0)
        if subscriptions:
            await subscribe(store, portal, 5000 + portal, url, subscriptions)
        (company,) = await objects.create_many(portal, COMPANY, [{}])
        writes_of[f"subs{subscriptions}"] = writer(objects, associations, portal, company.object_id)
    samples: dict[str, list[float]] = {name: [] for name in writes_of}
    cpu: dict[str, list[float]] = {name: [] for name in writes_of}
    for write in writes_of.values():
        await rate(write, 20)  # warm-up: caches, prepared statements
    # The variants alternate call by call, so load from other processes on this shared
    # machine falls on all of them alike; a round's rate is its calls over its time.
    for _ in range(rounds):
        spent = dict.fromkeys(writes_of, 0.0)
        used = dict.fromkeys(writes_of, 0.0)
        for _ in range(writes):
            for name, write in writes_of.items():
                started, cpu_started = time.perf_counter(), time.process_time()
                await write()
                spent[name] += time.perf_counter() - started
                used[name] += time.process_time() - cpu_started
        for name in writes_of:
            samples[name].append(writes / spent[name])
            cpu[name].append(used[name] * 1000 / writes)
    out = {name: statistics.median(values) for name, values in samples.items()}
    out |= {f"cpu_{name}": statistics.median(values) for name, values in cpu.items()}
    return out


async def delivery_rate(store: Store, events: int, receiver: WebhookReceiver) -> float:
    await store.create_portal(3, "delivery", 0)
    await subscribe(store, 3, 5002, receiver.url)
    objects = ObjectService(store)
    for start in range(0, events, 500):
        await objects.create_many(3, CONTACT, [{} for _ in range(min(500, events - start))])
    hooks = webhook_store(store)
    before = len(receiver.events)
    worker = DeliveryWorker(hooks, retry_base_ms=1000, poll_interval_s=0.05)
    started = time.perf_counter()
    await worker.start()
    try:
        await wait_until(lambda: len(receiver.events) - before >= events)
        return events / (time.perf_counter() - started)
    finally:
        await worker.stop()


async def latency(store: Store, receiver: WebhookReceiver, count: int) -> tuple[float, float]:
    await store.create_portal(4, "latency", 0)
    await subscribe(store, 4, 5003, receiver.url)
    hooks = webhook_store(store)
    worker = DeliveryWorker(hooks, retry_base_ms=1000)
    await worker.start()
    hooks.on_events(worker.wake)
    objects = ObjectService(store)
    receiver.clear()
    try:
        for _ in range(count):
            await objects.create_many(4, CONTACT, [{}])
            await asyncio.sleep(0.02)
        await wait_until(lambda: len(receiver.events) >= count)
    finally:
        await worker.stop()
    delays = [
        r.at * 1000 - e["occurredAt"]
        for r in receiver.requests
        for e in r.events
        if e["subscriptionType"] == "contact.creation"
    ]
    delays.sort()
    return delays[len(delays) // 2], delays[min(len(delays) - 1, int(len(delays) * 0.99))]


async def run_backend(name: str, fresh_url: Callable[[], str], args: argparse.Namespace) -> None:
    receiver = WebhookReceiver().start()
    store = open_store(fresh_url())
    await store.open()
    try:
        cost = await outbox_cost(store, args.rounds, args.writes, receiver.url)
        base = cost.pop("subs0")
        await store.close()
        # Delivery runs on a fresh database: the rows written above are not sent.
        store = open_store(fresh_url())
        await store.open()
        base_cpu = cost["cpu_subs0"]
        print(
            f"{name}: write calls/s without subscribers {base:.1f}"
            f" ({base_cpu:.2f} ms of this process's CPU a call)"
        )
        for label, rows in (("subs1", 10), (f"subs{len(SUBSCRIPTIONS)}", 50)):
            used = cost[f"cpu_{label}"]
            print(
                f"{name}: with {label[4:]} subscription(s), {rows} events a call:"
                f" {cost[label]:.1f} calls/s (cost {(1 - cost[label] / base) * 100:.1f} %),"
                f" {used:.2f} ms CPU a call (+{(used / base_cpu - 1) * 100:.1f} %)"
            )
        per_s = await delivery_rate(store, args.events, receiver)
        print(f"{name}: delivered {per_s:,.0f} events/s ({args.events} events)")
        p50, p99 = await latency(store, receiver, args.latency)
        print(f"{name}: change-to-delivery latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    finally:
        await store.close()
        receiver.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--latency", type=int, default=200)
    parser.add_argument("--pg", default=os.environ.get("ASSOCDB_TEST_POSTGRES"))
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    folder = tempfile.mkdtemp()
    await run_backend(
        "SQLite", lambda: os.path.join(folder, f"{uuid.uuid4().hex[:8]}.sqlite3"), args
    )
    if args.pg:
        schemas: list[str] = []
        sep = "&" if "?" in args.pg else "?"

        def fresh() -> str:
            schemas.append(f"assocdb_bench_{uuid.uuid4().hex[:12]}")
            return f"{args.pg}{sep}schema={schemas[-1]}"

        try:
            await run_backend("PostgreSQL", fresh, args)
        finally:
            conn = await asyncpg.connect(args.pg)
            for schema in schemas:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
