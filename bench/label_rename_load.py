"""Label rename and delete latency while association writers keep one pair busy.

    python bench/label_rename_load.py                                   # SQLite
    python bench/label_rename_load.py --db postgresql://postgres@127.0.0.1/test

Starts ``assocdb serve --workers 2`` on a fresh database (127.0.0.1, stopped by PID), makes
16 writer threads send contact → company ``batch/create`` requests of 50 pairs each on one
pair of object types without pause, and times ``PUT …/labels`` (rename) and
``DELETE …/labels/{typeId}`` on the same pair: first with no writer (the baseline of the
same run), then under the 16 writers. Prints the median and the maximum of each.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from assocdb.testing.server import run_server

LABELS = "/crm/v4/associations/contacts/companies/labels"
CREATE = "/crm/v4/associations/contacts/companies/batch/create"
WRITERS = 16
PAIRS_PER_REQUEST = 50
SAMPLES = 10


def _objects(c: httpx.Client, object_type: str, count: int) -> list[str]:
    made = c.post(
        f"/crm/v3/objects/{object_type}/batch/create",
        json={"inputs": [{"properties": {}} for _ in range(count)]},
    )
    made.raise_for_status()
    return [o["id"] for o in made.json()["results"]]


def _time_label_changes(c: httpx.Client, tag: str) -> tuple[list[float], list[float], set[int]]:
    """SAMPLES renames and SAMPLES deletes of unused labels: seconds each, statuses."""
    renames: list[float] = []
    deletes: list[float] = []
    statuses: set[int] = set()
    made = c.post(LABELS, json={"name": f"r_{tag}", "label": "R"}).json()["results"]
    for i in range(SAMPLES):
        doomed = c.post(LABELS, json={"name": f"d_{tag}_{i}", "label": "D"}).json()["results"]
        started = time.perf_counter()
        renamed = c.put(LABELS, json={"associationTypeId": made[1]["typeId"], "label": f"R{i}"})
        renames.append(time.perf_counter() - started)
        started = time.perf_counter()
        deleted = c.delete(f"{LABELS}/{doomed[1]['typeId']}")
        deletes.append(time.perf_counter() - started)
        statuses |= {renamed.status_code, deleted.status_code}
        time.sleep(0.1)
    return renames, deletes, statuses


def _writer(
    base: str,
    headers: httpx.Headers,
    contact: str,
    companies: list[str],
    stop: threading.Event,
    counts: list[int],
) -> None:
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
        n = 0
        while not stop.is_set():
            n += 1
            inputs = [
                {
                    "from": {"id": contact},
                    "to": {"id": companies[(n + k) % len(companies)]},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
                }
                for k in range(PAIRS_PER_REQUEST)
            ]
            c.post(CREATE, json={"inputs": inputs})
            counts.append(1)


def _report(name: str, values: list[float]) -> str:
    return (
        f"{name}: median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"
    )


def run(db: str | None, workdir: Path) -> None:
    with run_server(workdir, db=db, args=("--workers", "2")) as server:
        token = server.admin("POST", "/portals", {"portalId": 1, "name": "bench"})["token"]
        headers = httpx.Headers({"Authorization": f"Bearer {token}"})
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as c:
            contacts = _objects(c, "contacts", WRITERS)
            companies = _objects(c, "companies", 64)
            idle = _time_label_changes(c, "idle")
            stop = threading.Event()
            counts: list[int] = []
            threads = [
                threading.Thread(
                    target=_writer,
                    args=(server.base_url, headers, contacts[i], companies, stop, counts),
                )
                for i in range(WRITERS)
            ]
            for thread in threads:
                thread.start()
            time.sleep(1.0)
            started, before = time.perf_counter(), len(counts)
            loaded = _time_label_changes(c, "load")
            rate = (len(counts) - before) / (time.perf_counter() - started)
            stop.set()
            for thread in threads:
                thread.join(60)
    print(f"backend: {'PostgreSQL' if db else 'SQLite'}, serve --workers 2")
    print(f"no writers:   {_report('rename', idle[0])}; {_report('delete', idle[1])}")
    print(
        f"{WRITERS} writers ({rate:.0f} requests/s of {PAIRS_PER_REQUEST} pairs): "
        f"{_report('rename', loaded[0])}; {_report('delete', loaded[1])}"
    )
    print(f"statuses: {sorted(idle[2] | loaded[2])}")


async def _drop(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a PostgreSQL URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.db:
            run(None, Path(tmp))
            return
        schema = f"bench_labels_{uuid.uuid4().hex[:8]}"
        try:
            run(f"{args.db}{'&' if '?' in args.db else '?'}schema={schema}", Path(tmp))
        finally:
            asyncio.run(_drop(args.db, schema))


if __name__ == "__main__":
    main()
