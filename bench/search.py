"""CRM search on its index: does a selective search cost the same on 1M records as on 100k,
does a deep page cost what the first one does, and what does HTTP add?

    python bench/search.py [--backend sqlite|postgres] [--sizes 100000,1000000] [--repeat 25]

Per size, a portal with N contacts (email, firstname, lifecyclestage), N/100 companies with
10 contacts each, written through the store in chunks of 10,000 that each get a later
timestamp (so ``lastmodifieddate`` ranges span chunks). Datasets are cached in bench/.data
(SQLite) or kept in a schema per size (PostgreSQL, ``ASSOCDB_BENCH_POSTGRES``).

Each search runs in process through ``SearchService.search`` (the domain call the handler
makes: plan, index query, count, records), ``--repeat`` times, median reported; sizes are
interleaved so load on the machine hits all alike. Targets (issue 12): selective searches
≤ 1.3× from 100k to 1M; a lastmodifieddate range at depth 9,800 ≤ 1.5× its first page;
HTTP at 1 worker ≥ 0.7× in process (throughput, i.e. in-process time / HTTP time).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH_DIR, DATA_DIR, UNLABELED, Server, machine_info
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.properties import PropertyService
from assocdb.domain.search import FilterInput, SearchInput, SearchService
from assocdb.http.crm.search import render_page
from assocdb.http.schemas import encoder
from assocdb.storage import open_store
from small_requests import _FLOOR_MAIN

PORTAL = 2002
CHUNK = 10_000
T0 = 1_750_000_000_000
FIRST = 10_000_000_001
NAMES = [f"name{i:04d}" for i in range(1000)]
STAGES = ["subscriber", "lead", "marketingqualifiedlead", "customer"]
CONTACTS = resolve_object_type("contacts")
VERSION = 1
WARMUP = 12


def _url(backend: str, size: int) -> str:
    if backend == "sqlite":
        DATA_DIR.mkdir(exist_ok=True)
        return str(DATA_DIR / f"search-v{VERSION}-{size}.sqlite3")
    dsn = os.environ.get("ASSOCDB_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    return f"{dsn}?schema=bench_search_v{VERSION}_{size}"


async def _build(url: str, size: int) -> None:
    store: Any = open_store(url)
    await store.open()
    try:
        if await store.get_portal(PORTAL) is not None:
            return
        started = time.monotonic()
        await store.create_portal(PORTAL, "search bench", T0)
        companies = size // 100
        await store.create_objects(
            PORTAL, "0-2", [{"name": f"Company {i}"} for i in range(companies)], T0
        )
        for start in range(0, size, CHUNK):
            rows = [
                {
                    "email": f"c{i}@example.com",
                    "firstname": NAMES[i % len(NAMES)],
                    "lifecyclestage": STAGES[i % len(STAGES)],
                }
                for i in range(start, min(size, start + CHUNK))
            ]
            await store.create_objects(PORTAL, "0-1", rows, T0 + 1000 + start // CHUNK)
            print(f"  {start + len(rows):,} contacts", file=sys.stderr, flush=True)
        first_contact = FIRST + companies
        edges = [
            (first_contact + c * 10 + k, FIRST + c, *UNLABELED)
            for c in range(companies)
            for k in range(10)
        ]
        for start in range(0, len(edges), 50_000):
            async with store.transaction(PORTAL) as tx:
                await tx.put_pairs("0-1", "0-2", edges[start : start + 50_000])
        if url.startswith("postgresql"):
            # Planner statistics and a vacuumed heap, as autovacuum would leave them (it may
            # be off on a test server).
            async with store.pool.acquire() as conn:
                await conn.execute("VACUUM ANALYZE")
        print(f"  built {size:,} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    finally:
        await store.close()


def _eq(name: str, value: str) -> tuple[tuple[FilterInput, ...], ...]:
    return ((FilterInput(name, "EQ", value),),)


def _searches(size: int) -> dict[str, SearchInput]:
    middle = size // 2
    companies = size // 100
    company = FIRST + companies // 2
    ids = tuple(str(FIRST + companies + middle + k * 7) for k in range(10))
    ids100 = tuple(str(FIRST + companies + middle + k * 3) for k in range(100))
    low = T0 + 1000 + (size // CHUNK) // 4
    return {
        "email EQ": SearchInput(filter_groups=_eq("email", f"c{middle}@example.com")),
        "associations.company EQ": SearchInput(
            filter_groups=_eq("associations.company", str(company)), limit=100
        ),
        "hs_object_id IN (10)": SearchInput(
            filter_groups=((FilterInput("hs_object_id", "IN", values=ids),),)
        ),
        "CONTAINS_TOKEN email (1 match)": SearchInput(
            filter_groups=((FilterInput("email", "CONTAINS_TOKEN", f"c{middle}"),),),
        ),
        "CONTAINS_TOKEN firstname (N/1000)": SearchInput(
            filter_groups=((FilterInput("firstname", "CONTAINS_TOKEN", "name0042"),),),
            limit=100,
        ),
        "hs_object_id IN (100), 100 records": SearchInput(
            filter_groups=((FilterInput("hs_object_id", "IN", values=ids100),),), limit=100
        ),
        "range page 1": SearchInput(
            filter_groups=((FilterInput("lastmodifieddate", "GTE", str(low)),),),
            sorts=(("lastmodifieddate", False),),
            limit=200,
        ),
    }


async def _deep_after(service: SearchService, request: SearchInput, depth: int) -> str:
    """The ``after`` that starts the page at ``depth``, by paging there."""
    after: str | None = None
    for _ in range(depth // (request.limit or 10)):
        page = await service.search(PORTAL, CONTACTS, _with_after(request, after))
        after = page.next_after
        assert after is not None
    assert after is not None
    return after


def _with_after(request: SearchInput, after: str | None) -> SearchInput:
    from dataclasses import replace

    return replace(request, after=after)


async def _time(fn: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    for _ in range(WARMUP):  # every reader thread's connection, caches, statements
        await fn()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


async def _measure(urls: dict[int, str], repeat: int) -> dict[str, dict[int, float]]:
    stores: dict[int, Any] = {}
    services: dict[int, SearchService] = {}
    for size, url in urls.items():
        stores[size] = open_store(url)
        await stores[size].open()
        services[size] = SearchService(stores[size], PropertyService(stores[size]))
    results: dict[str, dict[int, list[float]]] = {}
    try:
        plans: dict[int, dict[str, SearchInput]] = {}
        for size, service in services.items():
            plans[size] = _searches(size)
            first = plans[size]["range page 1"]
            after = await _deep_after(service, first, 9_800)
            plans[size]["range page at 9,800"] = _with_after(first, after)
        for _round in range(3):  # interleave sizes: load on the machine hits both alike
            for size, service in services.items():
                for name, request in plans[size].items():

                    async def run(
                        s: SearchService = service, r: SearchInput = request, n: str = name
                    ) -> None:
                        page = await s.search(PORTAL, CONTACTS, r)
                        assert page.records, n

                    times = await _time(run, max(1, repeat // 3))
                    results.setdefault(name, {}).setdefault(size, []).extend(times)
    finally:
        for store in stores.values():
            await store.close()
    return {n: {s: statistics.median(v) for s, v in by.items()} for n, by in results.items()}


def _wire(request: SearchInput) -> str:
    """The JSON body of a one-filter search."""
    f = request.filter_groups[0][0]
    wire: dict[str, Any] = {"propertyName": f.property_name, "operator": f.operator}
    if f.value is not None:
        wire["value"] = f.value
    if f.values is not None:
        wire["values"] = list(f.values)
    return json.dumps({"filterGroups": [{"filters": [wire]}], "limit": request.limit or 10})


ROUNDS = 6
"""HTTP and in-process batches alternate this many times: load on the shared machine hits
both alike, and each figure is the median of all its runs."""


FLOOR_PATH = "/crm/v4/associations/contacts/companies/batch/read"
"""The floor app's route that reads a POST body and answers fixed bytes (_floor_app.py)."""


def _http_vs_inprocess(url: str, size: int, repeat: int) -> dict[str, tuple[float, float, float]]:
    """Median ms of searches over HTTP (1 worker, keep-alive), in process (the handler
    minus HTTP: search, render, encode), and against the stack's floor (``_floor_app.py``
    under the same uvicorn setup, answering the search's own bytes without doing
    anything), in interleaved batches."""
    requests = {n: _searches(size)[n] for n in ("email EQ", "hs_object_id IN (100), 100 records")}
    server = Server(url, workers=1)  # type: ignore[arg-type]
    server.start()
    work = Path(tempfile.mkdtemp(prefix="assocdb-search-floor-"))
    try:
        server.wait_ready()
        token = _token(url)
        answers = {n: _post(server.port, _wire(r), token) for n, r in requests.items()}
        floors = {}
        for i, (name, answer) in enumerate(answers.items()):
            (work / f"{i}.json").write_bytes(answer)
            floor = Server(
                url,  # type: ignore[arg-type]
                1,
                command=[
                    *(sys.executable, "-c", _FLOOR_MAIN.format(bench=str(BENCH_DIR))),
                    *(str(work / f"{i}.json"), str(work / f"{i}.json"), "{port}"),
                ],
            )
            floor.start()
            floor.wait_ready()
            floors[name] = floor
        return asyncio.run(
            _interleaved(
                url, server.port, {n: f.port for n, f in floors.items()}, token, requests, repeat
            )
        )
    finally:
        Server.stop_all()
        shutil.rmtree(work, ignore_errors=True)


SEARCH_PATH = "/crm/v3/objects/contacts/search"


def _roundtrip(
    conn: http.client.HTTPConnection, path: str, body: str, headers: dict[str, str]
) -> tuple[int, bytes]:
    """One POST on a keep-alive connection; reconnects once if the server closed it while
    the other batches ran (its keep-alive timeout). The first runs of every batch are
    warm-ups, so a reconnect is never timed."""
    for attempt in (1, 2):
        try:
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (ConnectionError, http.client.HTTPException):
            conn.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _post(port: int, body: str, token: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request("POST", "/crm/v3/objects/contacts/search", body, headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    assert response.status == 200, payload
    return payload


async def _interleaved(
    url: str,
    port: int,
    floor_ports: dict[str, int],
    token: str,
    requests: dict[str, SearchInput],
    repeat: int,
) -> dict[str, tuple[float, float, float]]:
    store: Any = open_store(url)
    await store.open()
    service = SearchService(store, PropertyService(store))
    conn = http.client.HTTPConnection("127.0.0.1", port)
    floor_conns = {n: http.client.HTTPConnection("127.0.0.1", p) for n, p in floor_ports.items()}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    local: dict[str, list[float]] = {}
    remote: dict[str, list[float]] = {}
    floor: dict[str, list[float]] = {}
    batch = max(1, repeat // ROUNDS)
    try:
        for _round in range(ROUNDS):
            for name, request in requests.items():

                async def handler(r: SearchInput = request) -> bytes:
                    # The handler minus HTTP: search, render, encode (as batch_read.py does).
                    page = await service.search(PORTAL, CONTACTS, r)
                    return encoder.encode(render_page(page, CONTACTS))

                body = _wire(request)

                async def over_http(b: str = body) -> None:
                    status, payload = _roundtrip(conn, SEARCH_PATH, b, headers)
                    assert status == 200, payload

                async def at_floor(b: str = body, c: Any = floor_conns[name]) -> None:
                    status, payload = _roundtrip(c, FLOOR_PATH, b, headers)
                    assert status == 200, payload

                local.setdefault(name, []).extend(await _time(handler, batch))
                remote.setdefault(name, []).extend(await _time(over_http, batch))
                floor.setdefault(name, []).extend(await _time(at_floor, batch))
    finally:
        conn.close()
        for c in floor_conns.values():
            c.close()
        await store.close()
    return {
        n: (
            statistics.median(remote[n]),
            statistics.median(local[n]),
            statistics.median(floor[n]),
        )
        for n in requests
    }


def _token(url: str) -> str:
    import subprocess

    out = subprocess.run(
        [
            *(sys.executable, "-m", "assocdb", "token", "create", "--db", url),
            *("--portal", str(PORTAL), "--scopes", "all"),
        ],
        check=True,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ASSOCDB_")},
    )
    return out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument(
        "--http-only", action="store_true", help="only HTTP against in process (smallest size)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    urls = {size: _url(args.backend, size) for size in sizes}
    for size, url in urls.items():
        asyncio.run(_build(url, size))
    small = sizes[0]
    if not args.http_only:
        _report_sizes(urls, sizes, args.backend, args.repeat)
    figures = _http_vs_inprocess(urls[small], small, args.repeat)
    for name, (http_ms, local_ms, floor_ms) in figures.items():
        print(
            f"{name} at {small:,}: HTTP 1 worker {http_ms:.2f} ms, in process {local_ms:.2f} ms,"
            f" in-process/HTTP {local_ms / http_ms:.2f}; floor {floor_ms:.2f} ms (best"
            f" reachable in-process/HTTP {local_ms / (local_ms + floor_ms):.2f}), server"
            f" overhead beyond the floor {http_ms - floor_ms - local_ms:.2f} ms"
        )
    info = machine_info()
    print(f"machine: {info.get('cpu')}, {info.get('nproc')} cpu(s)")


def _report_sizes(urls: dict[int, str], sizes: list[int], backend: str, repeat: int) -> None:
    medians = _measure_sync(urls, repeat)
    small, big = sizes[0], sizes[-1]
    args = argparse.Namespace(backend=backend, repeat=repeat)
    print(f"backend {args.backend}; median ms of {args.repeat} runs per size")
    print(f"{'search':28} {small:>10,} {big:>10,}  ratio")
    for name, by in medians.items():
        print(f"{name:28} {by[small]:10.2f} {by[big]:10.2f}  {by[big] / by[small]:.2f}")
    for size in sizes:
        deep = medians["range page at 9,800"][size] / medians["range page 1"][size]
        print(f"depth 9,800 / first page at {size:,}: {deep:.2f}")


def _measure_sync(urls: dict[int, str], repeat: int) -> dict[str, dict[int, float]]:
    return asyncio.run(_measure(urls, repeat))


if __name__ == "__main__":
    main()
