"""Batch-read benchmark: in-process floor vs HTTP (1 and 2 workers), paging depth, store size.

    python bench/batch_read.py            # full run on the cached 1M-association dataset
    python bench/batch_read.py --big      # … plus the 1M vs 5M store-size comparison
    python bench/batch_read.py --quick    # smoke run on 20k associations (< 30 s)

What is measured (companies → contacts, the direction with many associations per record):

(a) the in-process floor: ``AssociationService.batch_read`` on an opened ``SQLiteStore``,
    ``render_multi_results`` and the msgspec encode of the response — what the
    ``batch_read`` handler does, minus HTTP (and minus decoding the request body);
(b) the same batches through ``assocdb serve`` on 127.0.0.1 with 1 and 2 workers: latency
    with one client sending one request at a time, and aggregate throughput with several
    concurrent keep-alive connections;
(c) paging through a 50,000-association record 500 at a time: the first page vs the page
    at depth 40,000 (batch read with ``after``, and the per-record GET list endpoint);
(d) with ``--big``: the same batches against a store holding 5× the associations.

The machine may be small and shared, so the paths being compared are timed back to back
on the same batch, in a shuffled order, over several rounds, and ratios are medians of
those pairs. See bench/README.md and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import http.client
import json
import os
import pstats
import random
import signal
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import (  # bench/ is sys.path[0] when run as a script
    BENCH_DIR,
    PORTAL_ID,
    Dataset,
    Server,
    cpu_ticks,
    dataset_meta,
    ensure_dataset,
    issue_token,
    machine_info,
    quantile,
)
from assocdb.domain.associations import AssociationService, Page, ReadInput
from assocdb.domain.clock import now_ms
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.paging import CursorCodec
from assocdb.domain.store import Store
from assocdb.http.render import iso_ms, render_multi_results
from assocdb.http.schemas import (
    BatchResponseMultiWithLabel,
    BatchResponseMultiWithLabelWithErrors,
    encoder,
)
from assocdb.storage import open_store

ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
IMG_DIR = ROOT / "docs" / "img"

SIZES = (1, 100, 1000)
PAGE = 500
FROM_TYPE = resolve_object_type("companies")
TO_TYPE = resolve_object_type("contacts")
BATCH_PATH = "/crm/v4/associations/companies/contacts/batch/read"

TARGET_HTTP_RATIO = 0.8  # HTTP (1 worker) throughput / in-process at 1,000 ids: at least
TARGET_DEPTH_RATIO = 1.3  # depth-40,000 page / first page: at most
TARGET_SIZE_RATIO = 1.3  # 5M / 1M associations: at most


@dataclass(frozen=True)
class Profile:
    name: str
    dataset: Dataset
    rounds: int
    batches: dict[int, int]  # batch size → distinct batches per round
    tp_rounds: int
    tp_seconds: float
    page_rounds: int
    focus_pairs: int


FULL = Profile(
    "full",
    Dataset(contacts=80_000, companies=20_000, pairs=1_000_000, heavy=3, heavy_degree=50_000),
    rounds=10,
    batches={1: 200, 100: 40, 1000: 10},
    tp_rounds=4,
    tp_seconds=3.0,
    page_rounds=11,
    focus_pairs=300,
)
QUICK = Profile(
    "quick",
    Dataset(contacts=6_000, companies=1_200, pairs=20_000, heavy=1, heavy_degree=5_000),
    rounds=3,
    batches={1: 40, 100: 8, 1000: 3},
    tp_rounds=1,
    tp_seconds=0.5,
    page_rounds=2,
    focus_pairs=20,
)


# -- the two ways to serve a batch ----------------------------------------------------


@dataclass
class Batch:
    ids: list[int]
    body: bytes
    assoc: int = 0  # associations in the response (filled in by the warm-up)
    size: int = 0  # response bytes (idem)


def _inputs(ids: Sequence[int], after: str | None = None) -> list[ReadInput]:
    return [ReadInput(i, after) for i in ids]


def _body(ids: Sequence[int], after: str | None = None) -> bytes:
    item: Callable[[int], dict[str, str]] = (
        (lambda i: {"id": str(i)}) if after is None else (lambda i: {"id": str(i), "after": after})
    )
    return json.dumps({"inputs": [item(i) for i in ids]}).encode()


class InProcess:
    """The handler's work minus HTTP: query + build + render + encode."""

    def __init__(self, store: Store, service: AssociationService) -> None:
        self.store = store
        self.service = service

    @classmethod
    async def open(cls, path: Path) -> InProcess:
        store = open_store(str(path))  # as create_app does, with its default 4 readers
        await store.open()
        service = AssociationService(store, CursorCodec(await store.secret()), batch_page_size=PAGE)
        return cls(store, service)

    async def close(self) -> None:
        await self.store.close()

    async def outcomes(self, inputs: list[ReadInput]) -> list[Any]:
        return await self.service.batch_read(PORTAL_ID, FROM_TYPE, TO_TYPE, inputs)

    async def batch(self, inputs: list[ReadInput]) -> bytes:
        """``handlers.associations.batch_read`` after the body is decoded."""
        started = now_ms()
        outcomes = await self.service.batch_read(PORTAL_ID, FROM_TYPE, TO_TYPE, inputs)
        results, errors = render_multi_results(outcomes)
        begun, completed = iso_ms(started), iso_ms(now_ms())
        if errors:
            return encoder.encode(
                BatchResponseMultiWithLabelWithErrors(
                    "COMPLETE", results, len(errors), errors, begun, completed
                )
            )
        return encoder.encode(BatchResponseMultiWithLabel("COMPLETE", results, begun, completed))

    async def time_batches(self, batches: Sequence[list[ReadInput]]) -> list[float]:
        out = []
        for inputs in batches:
            t0 = time.perf_counter()
            await self.batch(inputs)
            out.append(time.perf_counter() - t0)
        return out


class Client:
    """One keep-alive HTTP/1.1 connection (stdlib http.client: the cheapest Python client,
    so that the client steals as little CPU as possible from the server)."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[float, bytes]:
        """(seconds, body) of one request; a connection the server closed while idle is
        reopened and the request timed again."""
        for attempt in (1, 2):
            try:
                t0 = time.perf_counter()
                self.conn.request(method, path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
                seconds = time.perf_counter() - t0
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
                if attempt == 2:
                    raise
                continue
            if response.status != 200:
                raise RuntimeError(f"{method} {path}: HTTP {response.status}: {data[:300]!r}")
            return seconds, data
        raise AssertionError("unreachable")

    def post(self, body: bytes) -> float:
        return self.request("POST", BATCH_PATH, body)[0]

    def close(self) -> None:
        self.conn.close()


def _list_path(from_id: int, after: str | None) -> str:
    query = {"limit": str(PAGE)}
    if after is not None:
        query["after"] = after
    return f"/crm/v4/objects/companies/{from_id}/associations/contacts?" + urllib.parse.urlencode(
        query
    )


# -- summaries ------------------------------------------------------------------------


@dataclass
class Cell:
    """Samples of one configuration, kept per round so that rounds can be compared."""

    rounds: list[list[float]] = field(default_factory=list)
    assoc_per_round: list[int] = field(default_factory=list)
    cpu_per_round: list[float] = field(default_factory=list)
    """CPU seconds of the serving side per round (in-process: this process; HTTP: the
    server and its workers), a cross-check that does not depend on other load."""

    @property
    def samples(self) -> list[float]:
        return [s for r in self.rounds for s in r]

    def summary(self) -> dict[str, float]:
        s = self.samples
        seconds = sum(s)
        return {
            "n": len(s),
            "p50_ms": quantile(s, 0.5) * 1e3,
            "p99_ms": quantile(s, 0.99) * 1e3,
            "mean_ms": seconds / len(s) * 1e3,
            "req_per_s": len(s) / seconds,
            "assoc_per_s": sum(self.assoc_per_round) / seconds,
            "cpu_ms_per_req": sum(self.cpu_per_round) / len(s) * 1e3,
        }


def _paired_ratio(num: list[float], den: list[float]) -> float:
    """Median of per-request ratios of requests timed back to back (robust to load drift)."""
    return quantile([a / b for a, b in zip(num, den, strict=True)], 0.5)


# -- the phases -----------------------------------------------------------------------


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def make_batches(ds: Dataset, profile: Profile, seed: int) -> dict[int, list[Batch]]:
    """Distinct random batches of regular companies (not the 50,000-contact ones)."""
    rnd = random.Random(seed)
    pool = ds.regular_company_ids
    out: dict[int, list[Batch]] = {}
    for size in SIZES:
        out[size] = []
        for _ in range(profile.batches[size]):
            ids = rnd.sample(pool, size)
            out[size].append(Batch(ids, _body(ids)))
    return out


def warm_and_check(
    loop: asyncio.AbstractEventLoop,
    inproc: InProcess,
    clients: dict[str, Client],
    batches: dict[int, list[Batch]],
) -> None:
    """Count each batch's associations, warm every path, and check HTTP = in-process."""
    for size in SIZES:
        for n, batch in enumerate(batches[size]):
            outcomes = loop.run_until_complete(inproc.outcomes(_inputs(batch.ids)))
            batch.assoc = sum(len(o.to) for o in outcomes if isinstance(o, Page))
            body = loop.run_until_complete(inproc.batch(_inputs(batch.ids)))
            batch.size = len(body)
            ours = json.loads(body)
            for client in clients.values():
                _, data = client.request("POST", BATCH_PATH, batch.body)
                if n == 0:
                    theirs = json.loads(data)
                    if theirs["results"] != ours["results"]:
                        raise RuntimeError(f"HTTP and in-process answers differ (size {size})")


def latency_phase(
    loop: asyncio.AbstractEventLoop,
    inproc: InProcess,
    servers: dict[str, Server],
    clients: dict[str, Client],
    batches: dict[int, list[Batch]],
    rounds: int,
    rnd: random.Random,
) -> dict[tuple[str, int], Cell]:
    """Each batch is served by every path back to back, in a shuffled order, so that
    the paths are compared under the same background load (see ``_paired_ratio``)."""
    configs = ["inproc", *clients]
    cells = {(c, s): Cell() for c in configs for s in SIZES}

    def measure(config: str, batch: Batch) -> tuple[float, float]:
        if config == "inproc":
            inputs = [_inputs(batch.ids)]
            cpu0 = time.process_time()
            (seconds,) = loop.run_until_complete(inproc.time_batches(inputs))
            return seconds, time.process_time() - cpu0
        server = servers[config]
        cpu0 = server.cpu_seconds()
        seconds = clients[config].post(batch.body)
        return seconds, server.cpu_seconds() - cpu0

    for r in range(rounds):
        sizes = list(SIZES)
        rnd.shuffle(sizes)
        for size in sizes:
            todo = batches[size]
            times: dict[str, list[float]] = {c: [] for c in configs}
            cpu = dict.fromkeys(configs, 0.0)
            for batch in todo:
                order = list(configs)
                rnd.shuffle(order)
                for config in order:
                    seconds, used = measure(config, batch)
                    times[config].append(seconds)
                    cpu[config] += used
            for config in configs:
                cell = cells[config, size]
                cell.rounds.append(times[config])
                cell.cpu_per_round.append(cpu[config])
                cell.assoc_per_round.append(sum(b.assoc for b in todo))
        _log(f"  latency round {r + 1}/{rounds}")
    return cells


def throughput_run(
    port: int, token: str, batches: list[Batch], clients: int, seconds: float
) -> dict[str, float]:
    """``clients`` threads, one keep-alive connection each, for ``seconds``."""
    start_box: list[float] = []
    # The clock starts once every connection is open and warm, not before.
    barrier = threading.Barrier(clients + 1, action=lambda: start_box.append(time.perf_counter()))
    lock = threading.Lock()
    latencies: list[float] = []
    totals = {"requests": 0, "assoc": 0}
    ends: list[float] = []
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        client = Client(port, token)
        try:
            client.post(batches[k % len(batches)].body)  # open + warm, untimed
            barrier.wait()
            deadline = start_box[0] + seconds
            mine: list[float] = []
            assoc = 0
            i = k * len(batches) // clients
            while time.perf_counter() < deadline:
                batch = batches[i % len(batches)]
                mine.append(client.post(batch.body))
                assoc += batch.assoc
                i += 1
            with lock:
                latencies.extend(mine)
                totals["requests"] += len(mine)
                totals["assoc"] += assoc
                ends.append(time.perf_counter())
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.abort()
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    wall = max(ends) - start_box[0]
    return {
        "seconds": wall,
        "requests": totals["requests"],
        "assoc": totals["assoc"],
        "req_per_s": totals["requests"] / wall,
        "assoc_per_s": totals["assoc"] / wall,
        "p50_ms": quantile(latencies, 0.5) * 1e3,
        "p99_ms": quantile(latencies, 0.99) * 1e3,
    }


def throughput_phase(
    servers: dict[str, Server],
    token: str,
    batches: dict[int, list[Batch]],
    clients: int,
    profile: Profile,
    rnd: random.Random,
) -> dict[tuple[str, int], list[dict[str, float]]]:
    runs: dict[tuple[str, int], list[dict[str, float]]] = {
        (name, s): [] for name in servers for s in SIZES
    }
    for r in range(profile.tp_rounds):
        order = list(runs)
        rnd.shuffle(order)
        for name, size in order:
            port = servers[name].port
            runs[name, size].append(
                throughput_run(port, token, batches[size], clients, profile.tp_seconds)
            )
        _log(f"  throughput round {r + 1}/{profile.tp_rounds}")
    return runs


def _summarise_runs(runs: list[dict[str, float]]) -> dict[str, float]:
    keys = ("req_per_s", "assoc_per_s", "p50_ms", "p99_ms")
    out = {k: quantile([r[k] for r in runs], 0.5) for k in keys}
    out["requests"] = sum(r["requests"] for r in runs)
    return out


def walk_cursors(
    loop: asyncio.AbstractEventLoop, inproc: InProcess, from_id: int, expected: int
) -> list[str | None]:
    """``after`` of every page of ``from_id`` (None for the first), by reading them all."""
    cursors: list[str | None] = [None]
    seen = 0
    while True:
        (page,) = loop.run_until_complete(inproc.outcomes(_inputs([from_id], cursors[-1])))
        seen += len(page.to)
        if page.next_after is None:
            break
        cursors.append(page.next_after)
    if seen != expected:
        raise RuntimeError(f"record {from_id}: {seen} associations, expected {expected}")
    return cursors


PAGE_CONFIGS = ("inproc batch", "http batch", "http list")


def _page_timer(
    loop: asyncio.AbstractEventLoop, inproc: InProcess, client: Client, from_id: int
) -> Callable[[str, str | None], float]:
    def timed(config: str, after: str | None) -> float:
        if config == "inproc batch":

            async def one() -> float:
                t0 = time.perf_counter()
                await inproc.batch(_inputs([from_id], after))
                return time.perf_counter() - t0

            return loop.run_until_complete(one())
        if config == "http batch":
            return client.post(_body([from_id], after))
        return client.request("GET", _list_path(from_id, after))[0]

    return timed


def paging_phase(
    loop: asyncio.AbstractEventLoop,
    inproc: InProcess,
    client: Client,
    ds: Dataset,
    profile: Profile,
    rnd: random.Random,
) -> dict[str, Any]:
    from_id = ds.heavy_ids[0]
    cursors = walk_cursors(loop, inproc, from_id, ds.heavy_degree)
    deep_index = int(ds.heavy_degree * 0.8) // PAGE
    timed = _page_timer(loop, inproc, client, from_id)
    for config in PAGE_CONFIGS:  # warm every page on every path once
        for after in cursors:
            timed(config, after)

    # Latency against depth: every page, several rounds, shuffled.
    curve: dict[str, list[list[float]]] = {c: [[] for _ in cursors] for c in PAGE_CONFIGS}
    for _ in range(profile.page_rounds):
        order = [(c, i) for c in PAGE_CONFIGS for i in range(len(cursors))]
        rnd.shuffle(order)
        for config, i in order:
            curve[config][i].append(timed(config, cursors[i]))
    # The two pages of the target, alternated many times.
    first: dict[str, Cell] = {}
    deep: dict[str, Cell] = {}
    for config in PAGE_CONFIGS:
        first[config], deep[config] = Cell(), Cell()
    for _ in range(max(1, profile.focus_pairs // 10)):
        block_first = {c: [] for c in PAGE_CONFIGS}  # type: dict[str, list[float]]
        block_deep = {c: [] for c in PAGE_CONFIGS}  # type: dict[str, list[float]]
        for _ in range(10):
            for config in PAGE_CONFIGS:
                pair = [(block_first, None), (block_deep, cursors[deep_index])]
                rnd.shuffle(pair)
                for sink, after in pair:
                    sink[config].append(timed(config, after))
        for config in PAGE_CONFIGS:
            first[config].rounds.append(block_first[config])
            deep[config].rounds.append(block_deep[config])
            first[config].assoc_per_round.append(PAGE * len(block_first[config]))
            deep[config].assoc_per_round.append(PAGE * len(block_deep[config]))
    _log("  paging done")
    return {
        "from_id": from_id,
        "associations": ds.heavy_degree,
        "deep_depth": deep_index * PAGE,
        "depths": [i * PAGE for i in range(len(cursors))],
        "curve_p50_ms": {c: [quantile(v, 0.5) * 1e3 for v in curve[c]] for c in PAGE_CONFIGS},
        "first": {c: first[c].summary() for c in PAGE_CONFIGS},
        "deep": {c: deep[c].summary() for c in PAGE_CONFIGS},
        "ratio": {c: _paired_ratio(deep[c].samples, first[c].samples) for c in PAGE_CONFIGS},
    }


def store_size_phase(
    loop: asyncio.AbstractEventLoop,
    stores: dict[str, InProcess],
    batches: dict[int, list[Batch]],
    ds: Dataset,
    rounds: int,
    rnd: random.Random,
) -> dict[str, Any]:
    """The same batches (and the same deep page) on the 1M and the 5M store, in-process."""
    heavy = ds.heavy_ids[0]
    deep = int(ds.heavy_degree * 0.8) // PAGE
    # Cursors are signed with each file's own secret: walk the record in both stores.
    deep_cursor = {
        name: walk_cursors(loop, store, heavy, ds.heavy_degree)[deep]
        for name, store in stores.items()
    }
    for name, store in stores.items():  # warm, and check both stores give the same answers
        for size in SIZES:
            for b in batches[size]:
                outcomes = loop.run_until_complete(store.outcomes(_inputs(b.ids)))
                got = sum(len(o.to) for o in outcomes if isinstance(o, Page))
                if got != b.assoc:
                    raise RuntimeError(f"{name} store: batch has {got} associations, not {b.assoc}")
    kinds = [*map(str, SIZES), "deep page"]

    def work(name: str, what: str) -> tuple[list[list[ReadInput]], int]:
        if what == "deep page":
            return [_inputs([heavy], deep_cursor[name])] * 10, PAGE * 10
        todo = batches[int(what)]
        return [_inputs(b.ids) for b in todo], sum(b.assoc for b in todo)

    cells = {(n, w): Cell() for n in stores for w in kinds}
    for r in range(rounds):
        rnd.shuffle(kinds)
        for what in kinds:
            jobs = {name: work(name, what) for name in stores}
            times: dict[str, list[float]] = {name: [] for name in stores}
            for i in range(len(jobs["base"][0])):  # one request on each store, back to back
                names = list(stores)
                rnd.shuffle(names)
                for name in names:
                    inputs = jobs[name][0][i]
                    times[name] += loop.run_until_complete(stores[name].time_batches([inputs]))
            for name in stores:
                cells[name, what].rounds.append(times[name])
                cells[name, what].assoc_per_round.append(jobs[name][1])
        _log(f"  store-size round {r + 1}/{rounds}")
    return {
        w: {
            "base": cells["base", w].summary(),
            "big": cells["big", w].summary(),
            "ratio": _paired_ratio(cells["big", w].samples, cells["base", w].samples),
        }
        for w in sorted(kinds, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0))
    }


STAGES = ("store.read_pages", "domain build", "render", "encode", "total")


def stage_breakdown(
    loop: asyncio.AbstractEventLoop, inproc: InProcess, batches: list[Batch], rounds: int
) -> dict[str, float]:
    """Median ms per batch of each stage of the in-process path (``--profile``)."""

    async def one(ids: list[int]) -> dict[str, float]:
        store, service = inproc.store, inproc.service
        t0 = time.perf_counter()
        await store.read_pages(
            PORTAL_ID, FROM_TYPE.type_id, TO_TYPE.type_id, [(i, -1) for i in ids], PAGE + 1
        )
        t1 = time.perf_counter()
        outcomes = await service.batch_read(PORTAL_ID, FROM_TYPE, TO_TYPE, _inputs(ids))
        t2 = time.perf_counter()
        results, _ = render_multi_results(outcomes)
        t3 = time.perf_counter()
        encoder.encode(BatchResponseMultiWithLabel("COMPLETE", results, "", ""))
        t4 = time.perf_counter()
        # batch_read = read_pages + build: the build is its time minus the first query's.
        return {
            "store.read_pages": t1 - t0,
            "domain build": max(0.0, (t2 - t1) - (t1 - t0)),
            "render": t3 - t2,
            "encode": t4 - t3,
            "total": t4 - t1,
        }

    samples: dict[str, list[float]] = {k: [] for k in STAGES}
    for _ in range(rounds):
        for b in batches:
            for k, v in loop.run_until_complete(one(b.ids)).items():
                samples[k].append(v)
    return {k: quantile(v, 0.5) * 1e3 for k, v in samples.items()}


def profile_inproc(
    loop: asyncio.AbstractEventLoop, inproc: InProcess, batches: list[Batch], repeat: int = 3
) -> str:
    """cProfile of the in-process path for the given batches (top functions by own time)."""
    inputs = [_inputs(b.ids) for b in batches] * repeat
    prof = cProfile.Profile()
    prof.enable()
    loop.run_until_complete(inproc.time_batches(inputs))
    prof.disable()
    import io

    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
    return out.getvalue()


# -- report ---------------------------------------------------------------------------


def _fmt(v: float, digits: int = 2) -> str:
    return f"{v:,.{digits}f}"


def render_report(res: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    m = res["machine"]
    ds = res["dataset"]
    src = m.get("source", {})
    add(
        f"machine: {m['nproc']} CPU ({m['cpu']}), Python {m['python']}, SQLite {m['sqlite']},"
        f" load {m['loadavg'][0]:.2f} at start; source {src.get('commit')}"
        f"{' + uncommitted src changes' if src.get('src_dirty') else ''}"
    )
    add(
        f"dataset: {ds['objects']:,} objects, {ds['pairs']:,} associations"
        f" ({2 * ds['pairs']:,} rows), {ds['heavy']} records with {ds['heavy_degree']:,};"
        f" {ds['bytes'] / 1e6:,.0f} MB"
    )
    cpu = res.get("cpu")
    if cpu:
        add(
            f"cpu: {cpu['wall_s']:.0f} s wall; machine busy {cpu['machine_busy_core_s']:.0f} of"
            f" {cpu['machine_total_core_s']:.0f} core-s, this benchmark {cpu['bench_core_s']:.0f},"
            f" other processes {cpu['others_core_s']:.0f}"
        )
    add("")
    add("(a)+(b) latency, one client, one request at a time")
    add(
        f"{'ids':>5} {'path':<8} {'n':>5} {'assoc/req':>9} {'kB/req':>7} {'p50 ms':>8}"
        f" {'p99 ms':>8} {'req/s':>8} {'assoc/s':>9} {'vs floor':>8} {'+p50 ms':>8}"
        f" {'cpu ms':>7} {'cpu vs':>6}"
    )
    for size in SIZES:
        for config in ("inproc", "http w1", "http w2"):
            row = res["latency"][str(size)][config]
            ratio = row.get("ratio_vs_inproc")
            extra = row.get("overhead_ms")
            cpu_ratio = row.get("cpu_ratio_vs_inproc")
            add(
                f"{size:>5} {config:<8} {row['n']:>5} {row['assoc_per_req']:>9,.0f}"
                f" {row['bytes_per_req'] / 1e3:>7,.1f} {_fmt(row['p50_ms']):>8}"
                f" {_fmt(row['p99_ms']):>8} {_fmt(row['req_per_s'], 1):>8}"
                f" {row['assoc_per_s']:>9,.0f} {'' if ratio is None else _fmt(ratio):>8}"
                f" {'' if extra is None else _fmt(extra):>8} {_fmt(row['cpu_ms_per_req']):>7}"
                f" {'' if cpu_ratio is None else _fmt(cpu_ratio):>6}"
            )
    add(
        "  vs floor: median of in-process time / HTTP time over batches served back to back"
        " (1.0 = no HTTP cost)"
    )
    add("  cpu ms: serving CPU per request (this process / the server and its workers)")
    add("")
    c = res["throughput_clients"]
    add(f"(b) throughput, {c} concurrent connections (median of rounds)")
    add(f"{'ids':>5} {'server':<8} {'req/s':>9} {'assoc/s':>12} {'p50 ms':>9} {'p99 ms':>9}")
    for size in SIZES:
        for name in ("http w1", "http w2"):
            row = res["throughput"][str(size)][name]
            add(
                f"{size:>5} {name:<8} {_fmt(row['req_per_s'], 1):>9} {row['assoc_per_s']:>12,.0f}"
                f" {_fmt(row['p50_ms']):>9} {_fmt(row['p99_ms']):>9}"
            )
    add("")
    p = res["paging"]
    add(
        f"(c) paging one record with {p['associations']:,} associations, {PAGE} per page:"
        f" first page vs depth {p['deep_depth']:,}"
    )
    add(
        f"{'path':<14} {'first p50':>10} {'deep p50':>10} {'first p99':>10} {'deep p99':>10}"
        f" {'ratio':>7}"
    )
    for config in PAGE_CONFIGS:
        f, d = p["first"][config], p["deep"][config]
        add(
            f"{config:<14} {_fmt(f['p50_ms']):>10} {_fmt(d['p50_ms']):>10}"
            f" {_fmt(f['p99_ms']):>10} {_fmt(d['p99_ms']):>10} {_fmt(p['ratio'][config]):>7}"
        )
    add("")
    s = res.get("store_size")
    if s:
        add(
            f"(d) store size, in-process: {res['dataset']['pairs']:,} vs"
            f" {res['big_dataset']['pairs']:,} associations"
        )
        add(f"{'work':<10} {'1x p50 ms':>10} {'5x p50 ms':>10} {'ratio':>7}")
        for what, row in s.items():
            add(
                f"{what:<10} {_fmt(row['base']['p50_ms']):>10} {_fmt(row['big']['p50_ms']):>10}"
                f" {_fmt(row['ratio']):>7}"
            )
    else:
        add("(d) store size: skipped (run with --big)")
    add("")
    add(
        "targets"
        + (
            " (quick run: a smoke test, these figures mean little)"
            if res["profile"] == "quick"
            else ""
        )
    )
    for t in res["targets"]:
        verdict = "met" if t["met"] else "MISSED"
        add(f"  {t['name']}: {t['value']:.2f} (target {t['target']}) {verdict}")
    return "\n".join(lines)


def evaluate_targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    targets = []
    http_ratio = res["latency"]["1000"]["http w1"]["ratio_vs_inproc"]
    targets.append(
        {
            "name": "HTTP 1 worker / in-process throughput at 1,000 ids",
            "value": http_ratio,
            "target": f">= {TARGET_HTTP_RATIO}",
            "met": http_ratio >= TARGET_HTTP_RATIO,
        }
    )
    depth = res["paging"]["deep_depth"]
    for config in PAGE_CONFIGS:
        value = res["paging"]["ratio"][config]
        targets.append(
            {
                "name": f"page at depth {depth:,} / first page ({config})",
                "value": value,
                "target": f"<= {TARGET_DEPTH_RATIO}",
                "met": value <= TARGET_DEPTH_RATIO,
            }
        )
    for what, row in (res.get("store_size") or {}).items():
        targets.append(
            {
                "name": f"5x / 1x store, in-process ({what}{' ids' if what.isdigit() else ''})",
                "value": row["ratio"],
                "target": f"<= {TARGET_SIZE_RATIO}",
                "met": row["ratio"] <= TARGET_SIZE_RATIO,
            }
        )
    return targets


# -- plots ----------------------------------------------------------------------------


def plot(res: dict[str, Any], img_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    img_dir.mkdir(parents=True, exist_ok=True)
    written = []
    sizes = list(SIZES)
    colors = {"inproc": "C0", "http w1": "C1", "http w2": "C2"}
    names = {
        "inproc": "in-process floor",
        "http w1": "HTTP, 1 worker",
        "http w2": "HTTP, 2 workers",
    }

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.4))
    for config in ("inproc", "http w1", "http w2"):
        rows = [res["latency"][str(s)][config] for s in sizes]
        p50 = [r["p50_ms"] for r in rows]
        p99 = [r["p99_ms"] for r in rows]
        left.errorbar(
            sizes,
            p50,
            yerr=[[0] * len(sizes), [b - a for a, b in zip(p50, p99, strict=True)]],
            marker="o",
            capsize=4,
            color=colors[config],
            label=names[config],
        )
        right.plot(
            sizes,
            [r["assoc_per_s"] for r in rows],
            marker="o",
            color=colors[config],
            label=f"{names[config]}, 1 client",
        )
    clients = res["throughput_clients"]
    for name in ("http w1", "http w2"):
        right.plot(
            sizes,
            [res["throughput"][str(s)][name]["assoc_per_s"] for s in sizes],
            marker="s",
            linestyle="--",
            color=colors[name],
            label=f"{names[name]}, {clients} clients",
        )
    left.set(
        xscale="log",
        yscale="log",
        xlabel="ids per batch",
        ylabel="latency, ms (p50; bar to p99)",
        title="Batch read latency, one client",
    )
    right.set(
        xscale="log",
        yscale="log",
        xlabel="ids per batch",
        ylabel="associations / s",
        title="Batch read throughput",
    )
    for ax in (left, right):
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    ds = res["dataset"]
    fig.suptitle(
        f"{ds['pairs']:,} associations, {res['machine']['nproc']} CPUs, 127.0.0.1", fontsize=10
    )
    fig.tight_layout()
    path = img_dir / "batch_read_latency.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    p = res["paging"]
    fig, ax = plt.subplots(figsize=(8, 4.4))
    for config, color in zip(PAGE_CONFIGS, ("C0", "C1", "C3"), strict=True):
        ys = p["curve_p50_ms"][config]
        ax.plot(p["depths"], ys, color=color, label=config, linewidth=1.2)
        first = p["first"][config]["p50_ms"]
        ax.hlines(
            TARGET_DEPTH_RATIO * first,
            0,
            p["depths"][-1],
            color=color,
            linestyle=":",
            linewidth=1,
        )
    ax.axvline(p["deep_depth"], color="grey", linestyle="--", linewidth=1)
    ax.set(
        xlabel="page depth (associations before the page)",
        ylabel="latency, ms (p50)",
        title=(
            f"Paging a record with {p['associations']:,} associations, {PAGE} per page"
            f" (dotted: {TARGET_DEPTH_RATIO}x first page)"
        ),
        ylim=(0, None),
    )
    ax.title.set_fontsize(10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = img_dir / "batch_read_page_depth.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written


# -- main -----------------------------------------------------------------------------


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed, as ``uvicorn[standard]`` uses in the server."""
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:
        return asyncio.new_event_loop()


def _own_cpu() -> float:
    """CPU seconds of this process and of every child it has waited for (the servers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _dataset_info(ds: Dataset, path: Path) -> dict[str, Any]:
    meta = dataset_meta(path)
    return {
        "file": path.name,
        "objects": ds.total_objects,
        "pairs": ds.total_pairs,
        "heavy": ds.heavy,
        "heavy_degree": ds.heavy_degree,
        "bytes": meta["bytes"],
        "build_seconds": meta["build_seconds"],
        "spec": meta["dataset"],
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    profile = QUICK if args.quick else FULL
    ds = Dataset(**{**profile.dataset.__dict__, "seed": args.seed})
    rounds = args.rounds or profile.rounds
    rnd = random.Random(args.seed + 7)
    started = time.time()
    res: dict[str, Any] = {"profile": profile.name, "machine": machine_info()}

    base_path = ensure_dataset(ds, rebuild=args.rebuild)
    res["dataset"] = _dataset_info(ds, base_path)
    big_ds = ds.bigger(5)
    big_path = ensure_dataset(big_ds, rebuild=args.rebuild) if args.big else None
    if big_path is not None:
        res["big_dataset"] = _dataset_info(big_ds, big_path)

    busy0, total0 = cpu_ticks()
    own0 = _own_cpu()
    wall0 = time.monotonic()
    loop = _new_loop()
    stores: dict[str, InProcess] = {}
    clients: dict[str, Client] = {}
    try:
        token = issue_token(base_path)
        servers = {"http w1": Server(base_path, 1), "http w2": Server(base_path, 2)}
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
        _log(f"servers up: {', '.join(f'{n} :{s.port}' for n, s in servers.items())}")
        stores["base"] = loop.run_until_complete(InProcess.open(base_path))
        clients = {name: Client(s.port, token) for name, s in servers.items()}
        batches = make_batches(ds, profile, args.seed + 1)
        warm_and_check(loop, stores["base"], clients, batches)

        _log("(a)+(b) latency")
        cells = latency_phase(loop, stores["base"], servers, clients, batches, rounds, rnd)
        res["latency"] = {}
        for size in SIZES:
            per: dict[str, Any] = {}
            for config in ("inproc", "http w1", "http w2"):
                cell = cells[config, size]
                row = cell.summary()
                row["assoc_per_req"] = sum(b.assoc for b in batches[size]) / len(batches[size])
                row["bytes_per_req"] = sum(b.size for b in batches[size]) / len(batches[size])
                if config != "inproc":
                    # ≥ 1 means HTTP is as fast as the floor: in-process time / HTTP time.
                    row["ratio_vs_inproc"] = _paired_ratio(
                        cells["inproc", size].samples, cell.samples
                    )
                    row["ratio_of_p50s"] = per["inproc"]["p50_ms"] / row["p50_ms"]
                    row["overhead_ms"] = row["p50_ms"] - per["inproc"]["p50_ms"]
                    row["cpu_ratio_vs_inproc"] = (
                        per["inproc"]["cpu_ms_per_req"] / row["cpu_ms_per_req"]
                    )
                per[config] = row
            res["latency"][str(size)] = per

        _log(f"(b) throughput, {args.clients} clients")
        res["throughput_clients"] = args.clients
        runs = throughput_phase(servers, token, batches, args.clients, profile, rnd)
        res["throughput"] = {
            str(s): {n: _summarise_runs(runs[n, s]) for n in servers} for s in SIZES
        }

        _log("(c) paging")
        res["paging"] = paging_phase(loop, stores["base"], clients["http w1"], ds, profile, rnd)

        if big_path is not None:
            _log("(d) store size")
            stores["big"] = loop.run_until_complete(InProcess.open(big_path))
            res["store_size"] = store_size_phase(loop, stores, batches, ds, rounds, rnd)

        if args.profile:
            res["stages_1000_ms"] = stage_breakdown(loop, stores["base"], batches[1000], 5)
            res["cprofile_inproc_1000"] = profile_inproc(loop, stores["base"], batches[1000])
    finally:
        for client in clients.values():
            client.close()
        Server.stop_all()
        for store in stores.values():
            loop.run_until_complete(store.close())
        loop.close()
    # How busy the machine was while we measured, and how much of that was us (the
    # client, the in-process store, the servers and their workers).
    busy1, total1 = cpu_ticks()
    tick = os.sysconf("SC_CLK_TCK")
    res["cpu"] = {
        "wall_s": round(time.monotonic() - wall0, 1),
        "machine_busy_core_s": round((busy1 - busy0) / tick, 1),
        "machine_total_core_s": round((total1 - total0) / tick, 1),
        "bench_core_s": round(_own_cpu() - own0, 1),
    }
    res["cpu"]["others_core_s"] = round(
        max(0.0, res["cpu"]["machine_busy_core_s"] - res["cpu"]["bench_core_s"]), 1
    )
    res["targets"] = evaluate_targets(res)
    res["machine"]["loadavg_end"] = os.getloadavg()
    res["seconds"] = round(time.time() - started, 1)
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run (20k associations)")
    parser.add_argument("--big", action="store_true", help="also compare with a 5x larger store")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached dataset(s)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=0, help="latency rounds (default: profile)")
    parser.add_argument("--clients", type=int, default=4, help="connections for throughput")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process path")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--out", type=Path, help="results JSON (default: bench/results/…)")
    parser.add_argument(
        "--img-dir", type=Path, help="where to write the PNGs (default: docs/img, not for --quick)"
    )
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument(
        "--replot", type=Path, metavar="JSON", help="only redraw the plots from a results file"
    )
    args = parser.parse_args(argv)

    if args.replot:
        res = json.loads(args.replot.read_text())
        for path in plot(res, args.img_dir or IMG_DIR):
            print(f"wrote {path}")
        return 0

    # A polite kill (SIGTERM) must still stop the servers: make it an exception.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    res = run(args)
    print(render_report(res))
    if "stages_1000_ms" in res:
        stages = res["stages_1000_ms"]
        print("\nin-process stages, 1,000-id batches (median ms):")
        for name in STAGES:
            print(f"  {name:<18} {stages[name]:8.1f}")
    if "cprofile_inproc_1000" in res:
        print("\ncProfile, in-process path, 1,000-id batches:\n" + res["cprofile_inproc_1000"])
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS_DIR / f"batch_read-{res['profile']}-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, default=str))
    print(f"\nresults: {out}  ({res['seconds']:.0f} s)")
    img_dir = args.img_dir or (None if args.quick else IMG_DIR)
    if img_dir is not None and not args.no_plots:
        for path in plot(res, img_dir):
            print(f"plot: {path}")
    missed = not all(t["met"] for t in res["targets"])
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
