"""The write cost of the property history (propertiesWithHistory, migration 0024).

    python bench/history.py            # 80 rounds per case and backend (~1 min)
    python bench/history.py --quick    # 20 rounds

On each backend (a fresh SQLite file; a fresh PostgreSQL schema, ``ASSOCDB_BENCH_POSTGRES``
or the local test database, dropped at the end), 1,000 contacts with three properties,
then rounds of ``ObjectService.update_many`` on batches of 100 records (the write path of
``POST /crm/v3/objects/contacts/batch/update``), two cases interleaved round by round:

- ``changed``: two of the three properties get new values: 200 versions per batch (past
  round 50 each also deletes the version that falls out of the newest 50);
- ``unchanged``: the same two properties written with the values they already have: the
  same read, JSON rewrite and UPDATE of every record, and no history work at all; this
  is the baseline (the write path as it was before the history, measured in the same run).

Reported: median and p90 milliseconds per batch, and the ratio changed / unchanged.
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
from pathlib import Path
from typing import Any

import asyncpg

from _common import machine_info, quantile  # bench/ is sys.path[0] when run as a script
from assocdb.domain.clock import now_ms
from assocdb.domain.objects import ObjectService, ObjectUpdate
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.storage import open_store

PORTAL = 1
RECORDS = 1000
BATCH = 100
CONTACTS = resolve_object_type("contacts")


async def _run(url: str, rounds: int) -> dict[str, list[float]]:
    store: Any = open_store(url)
    await store.open()
    try:
        await store.create_portal(PORTAL, "history bench", now_ms())
        made = await store.create_objects(
            PORTAL,
            "0-1",
            [
                {"firstname": f"F{i}", "lastname": f"L{i}", "email": f"{i}@x.example"}
                for i in range(RECORDS)
            ],
            now_ms(),
        )
        ids = [o.object_id for o in made]
        service = ObjectService(store)
        times: dict[str, list[float]] = {"changed": [], "unchanged": []}
        for n in range(rounds):
            batch = ids[(n * BATCH) % RECORDS : (n * BATCH) % RECORDS + BATCH]
            for case in ("changed", "unchanged"):
                # "unchanged" writes the values "changed" just wrote.
                updates = [
                    ObjectUpdate(i, {"firstname": f"F{i}-{n}", "lastname": f"L{i}-{n}"})
                    for i in batch
                ]
                started = time.perf_counter()
                await service.update_many(PORTAL, CONTACTS, updates)
                times[case].append((time.perf_counter() - started) * 1000)
        return times
    finally:
        await store.close()


async def _postgres(dsn: str, rounds: int) -> dict[str, list[float]]:
    schema = f"bench_history_{uuid.uuid4().hex[:10]}"
    try:
        return await _run(f"{dsn}?schema={schema}", rounds)
    finally:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()


def _report(backend: str, times: dict[str, list[float]]) -> None:
    changed, unchanged = times["changed"], times["unchanged"]
    ratio = statistics.median(changed) / statistics.median(unchanged)
    for case, values in times.items():
        print(
            f"{backend:9} {case:9} median {statistics.median(values):7.2f} ms"
            f"  p90 {quantile(values, 0.9):7.2f} ms  per batch of {BATCH}"
        )
    print(f"{backend:9} ratio changed/unchanged (median): {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 20 if args.quick else 80
    print(machine_info())
    with tempfile.TemporaryDirectory() as folder:
        sqlite = asyncio.run(_run(str(Path(folder) / "history.sqlite3"), rounds))
    _report("sqlite", sqlite)
    dsn = os.environ.get("ASSOCDB_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    _report("postgres", asyncio.run(_postgres(dsn, rounds)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
