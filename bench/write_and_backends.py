"""Write benchmark (issue 3) and SQLite vs PostgreSQL (issue 4), in one run.

    python bench/write_and_backends.py            # full run: 100k associations, ~4-6 min
    python bench/write_and_backends.py --quick    # smoke run: 10k associations (< 1 min)
    python bench/write_and_backends.py --pg URL   # another PostgreSQL (default: local test db)

Both backends hold the same dataset (the SQLite file is built once and cached in
bench/.data/; a working copy is written to; PostgreSQL gets it through ``assocdb copy``
into a fresh schema that is dropped at the end). Then, on both backends, interleaved:

(1) batch read (companies → contacts, 1 / 100 / 1,000 ids): in-process floor
    (``AssociationService.batch_read`` + render + encode, bench/batch_read.py's
    ``InProcess``) and HTTP with 1 worker, back to back per batch;
(2) writes: ``POST .../contacts/companies/batch/create`` with 2,000 new pairs, unlabeled
    or labelled (a USER_DEFINED label on every pair, Primary on every tenth), against the
    in-process ``AssociationService.set_types``; ``POST /crm/v3/objects/contacts/
    batch/create`` with 100 records against ``ObjectService.create``;
(3) the batch read of (1) again after those writes (the writes go to other companies, so
    the answers are identical and comparable);
(4) PostgreSQL only: aggregate throughput of ``assocdb serve --workers 1/2/4`` with several
    concurrent connections, for batch reads and for batch creates (each connection writes
    its own records, so writers never wait on each other's locks).

Servers bind 127.0.0.1 on free ports and are stopped by PID, also on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from _common import (  # bench/ is sys.path[0] when run as a script
    BENCH_DIR,
    DATA_DIR,
    PORTAL_ID,
    Dataset,
    Server,
    _clean_env,
    _edge_chunks,
    cpu_ticks,
    ensure_dataset,
    issue_token,
    machine_info,
    quantile,
)
from assocdb.domain.associations import CreateInput, Page
from assocdb.domain.objects import NewObject, ObjectService
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.domain.registry import Category
from assocdb.storage.postgres_base import split_dsn
from batch_read import (
    SIZES,
    Batch,
    InProcess,
    _body,
    _inputs,
    _new_loop,
    throughput_run,
)

RESULTS_DIR = BENCH_DIR / "results"
IMG_DIR = BENCH_DIR.parent / "docs" / "img"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
WRITE_PATH = "/crm/v4/associations/contacts/companies/batch/create"
OBJECTS_PATH = "/crm/v3/objects/contacts/batch/create"
LABELS_PATH = "/crm/v4/associations/contacts/companies/labels"
CONTACTS = resolve_object_type("contacts")
COMPANIES = resolve_object_type("companies")
PAIRS_PER_WRITE = 2000
OBJECTS_PER_WRITE = 100
UNLABELED_ID, PRIMARY_ID = 279, 1  # contact → company
TARGET_PG_READ = 1.5  # PostgreSQL batch read at 1,000 ids / SQLite in-process floor: at most
SCALING_WRITES = (2000, 200)
"""Pairs per batch create in the workers phase: 2,000 is the API's maximum, 200 a common
size. (Concurrent 2,000-pair creates once exhausted PostgreSQL's lock table, when writers
took one advisory lock per record; see finding 1 in docs/benchmarks.md, now fixed.)"""


@dataclass(frozen=True)
class Profile:
    name: str
    dataset: Dataset
    read_rounds: int
    read_batches: dict[int, int]
    write_rounds: int
    object_rounds: int
    tp_rounds: int
    tp_seconds: float
    tp_clients: int


FULL = Profile(
    "full",
    Dataset(contacts=20_000, companies=4_000, pairs=100_000, heavy=0, heavy_degree=0),
    read_rounds=4,
    read_batches={1: 100, 100: 20, 1000: 4},
    write_rounds=8,
    object_rounds=20,
    tp_rounds=2,
    tp_seconds=3.0,
    tp_clients=8,
)
QUICK = Profile(
    "quick",
    Dataset(contacts=4_000, companies=2_400, pairs=12_000, heavy=0, heavy_degree=0),
    read_rounds=1,
    read_batches={1: 20, 100: 4, 1000: 1},
    write_rounds=2,
    object_rounds=3,
    tp_rounds=1,
    tp_seconds=0.5,
    tp_clients=4,
)


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- new pairs ----------------------------------------------------------------------------


class PairSource:
    """Contact–company pairs that exist nowhere yet, among the write companies only (the
    read batches use the other half of the companies, so reads see no change)."""

    def __init__(self, ds: Dataset, companies: Sequence[int], seed: int) -> None:
        self.contacts = ds.contact_ids
        self.companies = list(companies)
        self.rnd = random.Random(seed)
        self.taken: set[tuple[int, int]] = set()
        self.lock = threading.Lock()
        regular = ds.regular_company_ids
        rest = ds.pairs - ds.heavy * ds.heavy_degree
        for chunk in _edge_chunks(
            ds.contact_ids, regular, ds.heavy_ids, ds.heavy_degree, rest, ds.seed
        ):
            self.taken.update((c, o) for c, o, _, _ in chunk)

    def take(
        self, n: int, contacts: Sequence[int] | None = None, companies: Sequence[int] | None = None
    ) -> list[tuple[int, int]]:
        contacts = contacts if contacts is not None else self.contacts
        companies = companies if companies is not None else self.companies
        out: list[tuple[int, int]] = []
        with self.lock:
            while len(out) < n:
                pair = (self.rnd.choice(contacts), self.rnd.choice(companies))
                if pair not in self.taken:
                    self.taken.add(pair)
                    out.append(pair)
        return out


def _http_types(k: int, label_id: int | None) -> list[dict[str, Any]]:
    if label_id is None:
        return [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": UNLABELED_ID}]
    types = [{"associationCategory": "USER_DEFINED", "associationTypeId": label_id}]
    if k % 10 == 0:
        types.append({"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": PRIMARY_ID})
    return types


def _refs(k: int, label_id: int | None) -> tuple[tuple[int | None, int], ...]:
    if label_id is None:
        return ((Category.HUBSPOT_DEFINED, UNLABELED_ID),)
    refs: tuple[tuple[int | None, int], ...] = ((Category.USER_DEFINED, label_id),)
    if k % 10 == 0:
        refs += ((Category.HUBSPOT_DEFINED, PRIMARY_ID),)
    return refs


def write_body(pairs: Sequence[tuple[int, int]], label_id: int | None) -> bytes:
    inputs = [
        {"from": {"id": str(c)}, "to": {"id": str(o)}, "types": _http_types(k, label_id)}
        for k, (c, o) in enumerate(pairs)
    ]
    return json.dumps({"inputs": inputs}).encode()


def write_inputs(pairs: Sequence[tuple[int, int]], label_id: int | None) -> list[CreateInput]:
    return [CreateInput(c, o, _refs(k, label_id)) for k, (c, o) in enumerate(pairs)]


_object_counter = iter(range(10**9))


def object_props(n: int) -> list[dict[str, str]]:
    out = []
    for _ in range(n):
        k = next(_object_counter)
        out.append(
            {"email": f"bench{k}@example.com", "firstname": "Bench", "lastname": f"Writer {k}"}
        )
    return out


# -- one HTTP connection that accepts any 2xx ---------------------------------------------


class Conn:
    """One keep-alive connection. uvicorn closes connections idle for 5 s, and the write
    phase leaves a connection idle while the other paths run: a connection idle for
    over 2 s is replaced (and connected) before the clock starts."""

    IDLE = 2.0

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = self._connect()
        self.last = time.monotonic()

    def _connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        conn.connect()
        return conn

    def request(
        self, method: str, path: str, body: bytes | None = None, expect: int = 200
    ) -> tuple[float, bytes]:
        if time.monotonic() - self.last > self.IDLE:
            self.conn.close()
            self.conn = self._connect()
        for attempt in (1, 2):
            try:
                t0 = time.perf_counter()
                self.conn.request(method, path, body=body, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
                seconds = time.perf_counter() - t0
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                # Every request sent here is safe to repeat (batch creates of the same
                # pairs are upserts) except objects create, which is never idle long.
                self.conn.close()
                self.conn = self._connect()
                if attempt == 2:
                    raise
                continue
            self.last = time.monotonic()
            if response.status != expect:
                raise RuntimeError(f"{method} {path}: HTTP {response.status}: {data[:300]!r}")
            return seconds, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


# -- a backend under test -----------------------------------------------------------------


@dataclass
class Backend:
    name: str
    url: str
    token: str = ""
    server: Server | None = None
    conn: Conn | None = None
    inproc: InProcess | None = None
    objects: ObjectService | None = None
    label_id: int = 0


def prepare_sqlite(src: Path, work_dir: Path) -> str:
    dst = work_dir / f"work-{os.getpid()}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(dst) + suffix).unlink()
    shutil.copyfile(src, dst)
    return str(dst)


def prepare_postgres(src: Path, url: str, timeout: float = 300) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assocdb", "copy", "--from", str(src), "--to", url],
        check=True,
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=timeout,
    )
    return time.perf_counter() - t0


async def analyze(url: str) -> None:
    """``assocdb copy`` leaves PostgreSQL without statistics, and autovacuum may be off
    (it is on the CI machine): without them the write path's pair lookup gets a
    nested-loop plan that scans every forward row once per input pair."""
    dsn, schema = split_dsn(url)
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        if schema:
            await conn.execute(f'SET search_path = "{schema}"')
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def drop_schema(url: str) -> None:
    dsn, schema = split_dsn(url)
    if not schema:
        return
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def create_label(conn: Conn) -> int:
    name = f"bench_label_{os.getpid()}"
    conn.request("POST", LABELS_PATH, json.dumps({"name": name, "label": "Bench label"}).encode())
    _, data = conn.request("GET", LABELS_PATH)
    for item in json.loads(data)["results"]:
        if item["category"] == "USER_DEFINED" and item.get("label") == "Bench label":
            return int(item["typeId"])
    raise RuntimeError(f"label not found after creating it: {data[:300]!r}")


# -- statistics ------------------------------------------------------------------------


def summary(samples: Sequence[float], items_per_req: float) -> dict[str, float]:
    total = sum(samples)
    return {
        "n": len(samples),
        "p50_ms": quantile(samples, 0.5) * 1e3,
        "p99_ms": quantile(samples, 0.99) * 1e3,
        "mean_ms": total / len(samples) * 1e3,
        "req_per_s": len(samples) / total,
        "items_per_s": items_per_req * len(samples) / total,
        "items_per_req": items_per_req,
    }


def paired(num: Sequence[float], den: Sequence[float]) -> float:
    return quantile([a / b for a, b in zip(num, den, strict=True)], 0.5)


# -- phases ---------------------------------------------------------------------------


def read_phase(
    loop: asyncio.AbstractEventLoop,
    backends: dict[str, Backend],
    batches: dict[int, list[Batch]],
    rounds: int,
    rnd: random.Random,
    check: dict[tuple[int, int], Any] | None,
) -> dict[str, Any]:
    """Every batch on every backend, in-process and HTTP, back to back, shuffled."""
    # This process holds the pair bookkeeping (hundreds of thousands of tuples): keep it
    # out of the collector's way, or the in-process paths pay for it and the server
    # processes do not.
    gc.collect()
    gc.freeze()
    timers: dict[str, Callable[[Batch], float]] = {}
    for b in backends.values():
        assert b.inproc is not None
        assert b.conn is not None
        inproc, conn = b.inproc, b.conn

        def t_inproc(batch: Batch, inproc: InProcess = inproc) -> float:
            t0 = time.perf_counter()
            loop.run_until_complete(inproc.batch(_inputs(batch.ids)))
            return time.perf_counter() - t0

        def t_http(batch: Batch, conn: Conn = conn) -> float:
            return conn.request(
                "POST", "/crm/v4/associations/companies/contacts/batch/read", batch.body
            )[0]

        timers[f"{b.name} inproc"] = t_inproc
        timers[f"{b.name} http"] = t_http

    # Warm every path; all backends must give the same answers (and the same as before).
    for size in SIZES:
        for n, batch in enumerate(batches[size]):
            answers = {}
            for b in backends.values():
                assert b.inproc is not None
                assert b.conn is not None
                outcomes = loop.run_until_complete(b.inproc.outcomes(_inputs(batch.ids)))
                batch.assoc = sum(len(o.to) for o in outcomes if isinstance(o, Page))
                _, data = b.conn.request(
                    "POST", "/crm/v4/associations/companies/contacts/batch/read", batch.body
                )
                timers[f"{b.name} inproc"](batch)
                answers[b.name] = sorted(
                    (
                        r["from"]["id"],
                        [t["toObjectId"] for t in r["to"]],
                    )
                    for r in json.loads(data)["results"]
                )
            first = next(iter(answers.values()))
            if any(a != first for a in answers.values()):
                raise RuntimeError(f"backends answer differently (size {size}, batch {n})")
            if check is not None:
                key = (size, n)
                if key in check and check[key] != first:
                    raise RuntimeError(f"answer changed after the writes (size {size}, batch {n})")
                check[key] = first

    samples: dict[tuple[str, int], list[float]] = {(c, s): [] for c in timers for s in SIZES}
    for r in range(rounds):
        sizes = list(SIZES)
        rnd.shuffle(sizes)
        for size in sizes:
            for batch in batches[size]:
                order = list(timers)
                rnd.shuffle(order)
                for config in order:
                    samples[config, size].append(timers[config](batch))
        _log(f"  read round {r + 1}/{rounds}")
    out: dict[str, Any] = {}
    for size in SIZES:
        assoc = sum(b.assoc for b in batches[size]) / len(batches[size])
        per: dict[str, Any] = {c: summary(samples[c, size], assoc) for c in timers}
        floor = samples["sqlite inproc", size]
        for c in timers:
            # ≥ 1: as fast as SQLite's in-process floor. Time ratio: c / floor.
            per[c]["time_vs_sqlite_floor"] = paired(samples[c, size], floor)
        for b in backends:
            per[f"{b} http"]["http_vs_inproc"] = paired(
                samples[f"{b} inproc", size], samples[f"{b} http", size]
            )
        if "postgres" in backends:
            per["pg_over_sqlite"] = {
                kind: paired(samples[f"postgres {kind}", size], samples[f"sqlite {kind}", size])
                for kind in ("inproc", "http")
            }
        out[str(size)] = per
    out["_samples"] = {f"{c}|{s}": v for (c, s), v in samples.items()}
    return out


def write_phase(
    loop: asyncio.AbstractEventLoop,
    backends: dict[str, Backend],
    source: PairSource,
    profile: Profile,
    rnd: random.Random,
) -> dict[str, Any]:
    """2,000-pair batch creates and 100-record object creates, in-process vs HTTP, on
    every backend, interleaved round by round in a shuffled order."""
    gc.collect()
    gc.freeze()
    configs = [
        (b, path, lab) for b in backends for path in ("inproc", "http") for lab in (False, True)
    ]
    samples: dict[tuple[str, str, bool], list[float]] = {c: [] for c in configs}
    for r in range(profile.write_rounds):
        order = list(configs)
        rnd.shuffle(order)
        for name, path, labelled in order:
            b = backends[name]
            label = b.label_id if labelled else None
            pairs = source.take(PAIRS_PER_WRITE)
            if path == "http":
                assert b.conn is not None
                body = write_body(pairs, label)
                seconds, data = b.conn.request("POST", WRITE_PATH, body, expect=201)
                if len(json.loads(data)["results"]) != len(pairs):
                    raise RuntimeError("batch create did not create every pair")
            else:
                assert b.inproc is not None
                inputs = write_inputs(pairs, label)
                svc = b.inproc.service

                async def one(inputs: list[CreateInput] = inputs, svc: Any = svc) -> Any:
                    return await svc.set_types(PORTAL_ID, CONTACTS, COMPANIES, inputs, replace=True)

                t0 = time.perf_counter()
                results = loop.run_until_complete(one())
                seconds = time.perf_counter() - t0
                if any(not hasattr(x, "types") for x in results):
                    raise RuntimeError(f"in-process set_types failed: {results[:3]}")
            samples[name, path, labelled].append(seconds)
        _log(f"  write round {r + 1}/{profile.write_rounds}")

    objects: dict[tuple[str, str], list[float]] = {
        (b, p): [] for b in backends for p in ("inproc", "http")
    }
    for _ in range(profile.object_rounds):
        order = list(objects)
        rnd.shuffle(order)
        for name, path in order:
            b = backends[name]
            props = object_props(OBJECTS_PER_WRITE)
            if path == "http":
                assert b.conn is not None
                body = json.dumps({"inputs": [{"properties": p} for p in props]}).encode()
                seconds, _ = b.conn.request("POST", OBJECTS_PATH, body, expect=201)
            else:
                assert b.objects is not None
                assert b.inproc is not None
                news = [NewObject(p) for p in props]
                objs, assoc = b.objects, b.inproc.service

                async def make(
                    news: list[NewObject] = news, objs: Any = objs, a: Any = assoc
                ) -> Any:
                    return await objs.create(PORTAL_ID, CONTACTS, news, a)

                t0 = time.perf_counter()
                made = loop.run_until_complete(make())
                seconds = time.perf_counter() - t0
                if len(made) != OBJECTS_PER_WRITE:
                    raise RuntimeError("in-process create made too few records")
            objects[name, path].append(seconds)
    _log("  objects done")

    out: dict[str, Any] = {"associations": {}, "objects": {}}
    for name in backends:
        for labelled in (False, True):
            key = f"{name} {'labelled' if labelled else 'unlabeled'}"
            inp = samples[name, "inproc", labelled]
            htp = samples[name, "http", labelled]
            out["associations"][key] = {
                "inproc": summary(inp, PAIRS_PER_WRITE),
                "http": summary(htp, PAIRS_PER_WRITE),
                "http_vs_inproc": paired(inp, htp),  # ≥ 1 means HTTP costs nothing
            }
        inp, htp = objects[name, "inproc"], objects[name, "http"]
        out["objects"][name] = {
            "inproc": summary(inp, OBJECTS_PER_WRITE),
            "http": summary(htp, OBJECTS_PER_WRITE),
            "http_vs_inproc": paired(inp, htp),
        }
    if "postgres" in backends:
        ratio: dict[str, float] = {}
        for labelled in (False, True):
            word = "labelled" if labelled else "unlabeled"
            for path in ("inproc", "http"):
                ratio[f"{word} {path}"] = paired(
                    samples["postgres", path, labelled], samples["sqlite", path, labelled]
                )
        for path in ("inproc", "http"):
            ratio[f"objects {path}"] = paired(objects["postgres", path], objects["sqlite", path])
        out["pg_over_sqlite_time"] = ratio
    out["pairs_written"] = PAIRS_PER_WRITE * profile.write_rounds * 4
    return out


def write_run(
    port: int, token: str, source: PairSource, clients: int, seconds: float, size: int
) -> dict[str, float]:
    """``clients`` connections each creating 2,000 new unlabeled pairs per request, on its
    own contacts and companies (no two writers lock the same record)."""
    start_box: list[float] = []
    barrier = threading.Barrier(clients + 1, action=lambda: start_box.append(time.perf_counter()))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []
    ends: list[float] = []
    errors: list[BaseException] = []
    contacts = list(source.contacts)
    companies = source.companies

    def worker(k: int) -> None:
        conn = Conn(port, token)
        mine_c, mine_o = contacts[k::clients], companies[k::clients]
        try:
            body = write_body(source.take(size, mine_c, mine_o), None)
            with contextlib.suppress(RuntimeError):  # warm, untimed (failures: below)
                conn.request("POST", WRITE_PATH, body, expect=201)
            body = write_body(source.take(size, mine_c, mine_o), None)
            barrier.wait()
            deadline = start_box[0] + seconds
            mine: list[float] = []
            failed: list[str] = []
            while time.perf_counter() < deadline:
                try:
                    mine.append(conn.request("POST", WRITE_PATH, body, expect=201)[0])
                except RuntimeError as exc:  # an HTTP error answer: counted, not fatal
                    failed.append(str(exc)[:400])
                body = write_body(source.take(size, mine_c, mine_o), None)
            with lock:
                latencies.extend(mine)
                failures.extend(failed)
                ends.append(time.perf_counter())
        except BaseException as exc:
            errors.append(exc)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    for t in threads:
        t.join(timeout=seconds + 120)
    if errors:
        raise errors[0]
    wall = max(ends) - start_box[0]
    return {
        "seconds": wall,
        "requests": len(latencies),
        "req_per_s": len(latencies) / wall,
        "assoc_per_s": len(latencies) * size / wall,
        "p50_ms": quantile(latencies, 0.5) * 1e3,
        "p99_ms": quantile(latencies, 0.99) * 1e3,
        "failed": len(failures),
        "failures": failures[:3],  # type: ignore[dict-item]
    }


def scaling_phase(
    url: str,
    token: str,
    batches: dict[int, list[Batch]],
    source: PairSource,
    profile: Profile,
    rnd: random.Random,
) -> dict[str, Any]:
    workers = (1, 2, 4)
    servers = {w: Server(url, w) for w in workers}  # type: ignore[arg-type]
    try:
        for s in servers.values():
            s.start()
        for s in servers.values():
            s.wait_ready()
        _log(f"  pg servers up: {', '.join(f'w{w} :{s.port}' for w, s in servers.items())}")
        kinds = [f"read {s}" for s in SIZES] + [f"write {n}" for n in SCALING_WRITES]
        runs: dict[tuple[int, str], list[dict[str, float]]] = {
            (w, k): [] for w in workers for k in kinds
        }
        for r in range(profile.tp_rounds):
            order = list(runs)
            rnd.shuffle(order)
            for w, kind in order:
                server = servers[w]
                busy0, total0 = cpu_ticks()
                cpu0 = server.cpu_seconds()
                if kind.startswith("read"):
                    size = int(kind.split()[1])
                    run = throughput_run(
                        server.port, token, batches[size], profile.tp_clients, profile.tp_seconds
                    )
                else:
                    size = int(kind.split()[1])
                    run = write_run(
                        server.port, token, source, profile.tp_clients, profile.tp_seconds, size
                    )
                busy1, total1 = cpu_ticks()
                if run.get("failed"):
                    run["server_log"] = server.log()[-3000:]  # type: ignore[assignment]
                    _log(f"  w{w} {kind}: {run['failed']} failed requests")
                run["machine_busy"] = (busy1 - busy0) / max(1, total1 - total0)
                run["server_cpu_cores"] = (server.cpu_seconds() - cpu0) / run["seconds"]
                runs[w, kind].append(run)
            _log(f"  scaling round {r + 1}/{profile.tp_rounds}")
    finally:
        for s in servers.values():
            s.stop()
    out: dict[str, Any] = {"clients": profile.tp_clients, "workers": list(workers)}
    for kind in kinds:
        out[kind] = {}
        for w in workers:
            rs = runs[w, kind]
            keys = [k for k in rs[0] if isinstance(rs[0][k], int | float)]
            out[kind][str(w)] = {k: quantile([x[k] for x in rs], 0.5) for k in keys}
            out[kind][str(w)]["failed"] = sum(x.get("failed", 0) for x in rs)
            notes = [x for x in rs if x.get("failed")]
            if notes:
                out[kind][str(w)]["failures"] = notes[0]["failures"]
                out[kind][str(w)]["server_log"] = notes[0]["server_log"]
    return out


# -- report ---------------------------------------------------------------------------


def _f(x: float, digits: int = 2) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}" if x < 10 else f"{x:.1f}"


def render(res: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    m = res["machine"]
    add(
        f"profile {res['profile']}, {m['nproc']} CPUs, load {m['loadavg']} → {m.get('loadavg_end')}"
    )
    add(f"dataset {res['dataset']}")
    for phase in ("read_before", "read_after"):
        add(f"\n{phase}: batch read companies→contacts, one client, p50/p99 ms")
        for size in SIZES:
            per = res[phase][str(size)]
            for c in [k for k in per if " " in k and not k.startswith("pg_")]:
                row = per[c]
                extra = (
                    f" http/inproc {row['http_vs_inproc']:.2f}" if "http_vs_inproc" in row else ""
                )
                add(
                    f"  {size:>5} {c:<16} {_f(row['p50_ms']):>8} {_f(row['p99_ms']):>8}"
                    f" {row['items_per_s']:>10,.0f} assoc/s"
                    f"  ×floor {row['time_vs_sqlite_floor']:.2f}" + extra
                )
            if "pg_over_sqlite" in per:
                r = per["pg_over_sqlite"]
                add(
                    f"        PostgreSQL/SQLite time: in-process {r['inproc']:.2f},"
                    f" HTTP {r['http']:.2f}"
                )
    w = res["writes"]
    add("\nwrites (one client): req/s, items/s, p50, p99, HTTP/in-process throughput")
    for key, row in w["associations"].items():
        for path in ("inproc", "http"):
            s = row[path]
            add(
                f"  {key:<20} {path:<6} {s['req_per_s']:>7.2f} {s['items_per_s']:>9,.0f}"
                f" {_f(s['p50_ms']):>8} {_f(s['p99_ms']):>8}"
            )
        add(f"  {'':<20} HTTP/in-process {row['http_vs_inproc']:.2f}")
    for key, row in w["objects"].items():
        for path in ("inproc", "http"):
            s = row[path]
            add(
                f"  objects {key:<12} {path:<6} {s['req_per_s']:>7.2f} {s['items_per_s']:>9,.0f}"
                f" {_f(s['p50_ms']):>8} {_f(s['p99_ms']):>8}"
            )
        add(f"  {'':<20} HTTP/in-process {row['http_vs_inproc']:.2f}")
    if "pg_over_sqlite_time" in w:
        add(
            "  PostgreSQL/SQLite time: "
            + ", ".join(f"{k} {v:.2f}" for k, v in w["pg_over_sqlite_time"].items())
        )
    if "before_after" in res:
        add("\nread after/before writes (median per-batch time ratio):")
        for k, v in res["before_after"].items():
            add(f"  {k}: {v:.2f}")
    sc = res.get("scaling")
    if sc:
        add(
            f"\nPostgreSQL scaling, {sc['clients']} connections: req/s (machine busy, server cores)"
        )
        for kind in [k for k in sc if k.startswith(("read", "write"))]:
            cell = sc[kind]
            cells = "  ".join(
                f"w{w}: {cell[str(w)]['req_per_s']:.1f} ({cell[str(w)]['machine_busy']:.0%},"
                f" {cell[str(w)]['server_cpu_cores']:.2f})"
                + (f" {cell[str(w)]['failed']} FAILED" if cell[str(w)].get("failed") else "")
                for w in sc["workers"]
            )
            add(f"  {kind:<11} {cells}")
    add("\ntargets")
    for t in res["targets"]:
        add(
            f"  {t['name']}: {t['value']:.2f} (target {t['target']})"
            f" {'met' if t['met'] else 'MISSED'}"
        )
    return "\n".join(lines)


# -- plot -----------------------------------------------------------------------------


def plot(res: dict[str, Any], img_dir: Path) -> Path | None:
    """Aggregate PostgreSQL throughput against workers, relative to 1 worker."""
    sc = res.get("scaling")
    if not sc:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    img_dir.mkdir(parents=True, exist_ok=True)
    workers = sc["workers"]
    kinds = [k for k in sc if k.startswith(("read", "write"))]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, kind in enumerate(kinds):
        rows = [sc[kind][str(w)] for w in workers]
        base = rows[0]["req_per_s"]
        name = (
            f"batch read, {kind.split()[1]} ids"
            if kind.startswith("read")
            else (f"batch create, {int(kind.split()[1]):,} pairs")
        )
        left.plot(
            workers,
            [r["req_per_s"] / base for r in rows],
            marker="o",
            color=f"C{i}",
            label=f"{name} ({base:,.1f} req/s at 1 worker)",
        )
        right.plot(
            workers, [100 * r["machine_busy"] for r in rows], marker="o", color=f"C{i}", label=name
        )
    left.set(
        xlabel="workers",
        ylabel="aggregate req/s, relative to 1 worker",
        title=f"PostgreSQL, {sc['clients']} concurrent connections",
    )
    right.set(
        xlabel="workers",
        ylabel="machine CPU busy, %",
        ylim=(0, 105),
        title=f"{res['machine']['nproc']} CPUs: server, PostgreSQL and client together",
    )
    for ax in (left, right):
        ax.set_xticks(workers)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = img_dir / "backends_pg_workers.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# -- main -----------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    profile = QUICK if args.quick else FULL
    ds = Dataset(**{**profile.dataset.__dict__, "seed": args.seed})
    rnd = random.Random(args.seed + 11)
    started = time.time()
    res: dict[str, Any] = {"profile": profile.name, "machine": machine_info()}
    src = ensure_dataset(ds)
    res["dataset"] = {"pairs": ds.pairs, "contacts": ds.contacts, "companies": ds.companies}

    regular = list(ds.regular_company_ids)
    half = len(regular) // 2
    source = PairSource(ds, regular[half:], args.seed + 3)
    # Read batches from the first half of the companies only.
    brnd = random.Random(args.seed + 1)
    batches: dict[int, list[Batch]] = {}
    for size in SIZES:
        picks = [brnd.sample(regular[:half], size) for _ in range(profile.read_batches[size])]
        batches[size] = [Batch(ids, _body(ids)) for ids in picks]

    schema = f"bench_wb_{os.getpid()}"
    pg_url = f"{args.pg}?schema={schema}"
    work_dir = DATA_DIR
    backends: dict[str, Backend] = {}
    loop = _new_loop()
    busy0, total0 = cpu_ticks()
    wall0 = time.monotonic()
    try:
        backends["sqlite"] = Backend("sqlite", prepare_sqlite(src, work_dir))
        if not args.no_pg:
            _log(f"copying the dataset into PostgreSQL ({schema})")
            res["pg_copy_seconds"] = round(prepare_postgres(src, pg_url), 1)
            backends["postgres"] = Backend("postgres", pg_url)
        for b in backends.values():
            b.token = issue_token(b.url)  # type: ignore[arg-type]
            b.server = Server(b.url, 1)  # type: ignore[arg-type]
            b.server.start()
        for b in backends.values():
            assert b.server is not None
            b.server.wait_ready()
            b.conn = Conn(b.server.port, b.token)
            b.label_id = create_label(b.conn)
            b.inproc = loop.run_until_complete(InProcess.open(b.url))  # type: ignore[arg-type]
            b.objects = ObjectService(b.inproc.store)
        if "postgres" in backends:
            # One 2,000-pair write before and after ANALYZE (see analyze()).
            pg = backends["postgres"]
            assert pg.inproc is not None
            svc = pg.inproc.service

            async def one_write() -> float:
                inputs = write_inputs(source.take(PAIRS_PER_WRITE), None)
                t0 = time.perf_counter()
                await svc.set_types(PORTAL_ID, CONTACTS, COMPANIES, inputs)
                return time.perf_counter() - t0

            res["pg_write_ms_before_analyze"] = loop.run_until_complete(one_write()) * 1e3
            t0 = time.perf_counter()
            loop.run_until_complete(analyze(pg_url))
            res["pg_analyze_ms"] = (time.perf_counter() - t0) * 1e3
            res["pg_write_ms_after_analyze"] = loop.run_until_complete(one_write()) * 1e3
            _log(
                f"  PostgreSQL 2,000-pair write: {res['pg_write_ms_before_analyze']:,.0f} ms"
                f" before ANALYZE, {res['pg_write_ms_after_analyze']:,.0f} ms after"
            )
        edges0 = {
            n: loop.run_until_complete(b.inproc.store.count_edges(PORTAL_ID))
            for n, b in backends.items()
        }  # type: ignore[union-attr]

        check: dict[tuple[int, int], Any] = {}
        _log("(1) batch read, before the writes")
        res["read_before"] = read_phase(loop, backends, batches, profile.read_rounds, rnd, check)
        _log("(2) writes")
        res["writes"] = write_phase(loop, backends, source, profile, rnd)
        for n, b in backends.items():
            assert b.inproc is not None
            rows = loop.run_until_complete(b.inproc.store.count_edges(PORTAL_ID))
            expected = edges0[n] + 2 * res["writes"]["pairs_written"]
            if rows != expected:
                raise RuntimeError(f"{n}: {rows} rows after the writes, expected {expected}")
        _log("(3) batch read, after the writes")
        res["read_after"] = read_phase(loop, backends, batches, profile.read_rounds, rnd, check)
        res["before_after"] = {}
        for size in SIZES:
            for c in [
                k for k in res["read_before"][str(size)] if " " in k and not k.startswith("pg_")
            ]:
                before = res["read_before"]["_samples"][f"{c}|{size}"]
                after = res["read_after"]["_samples"][f"{c}|{size}"]
                n = len(batches[size])
                # Per batch: median over rounds, after / before.
                ratios = [
                    quantile(after[i::n], 0.5) / quantile(before[i::n], 0.5) for i in range(n)
                ]
                res["before_after"][f"{c} {size}"] = quantile(ratios, 0.5)
        if "postgres" in backends and not args.no_scaling:
            _log("(4) PostgreSQL with 1, 2, 4 workers")
            try:
                res["scaling"] = scaling_phase(
                    pg_url, backends["postgres"].token, batches, source, profile, rnd
                )
            except Exception as exc:  # keep what was measured before
                res["scaling_error"] = repr(exc)[:2000]
                _log(f"  scaling phase failed: {exc!r}"[:2000])
    finally:
        for b in backends.values():
            if b.conn is not None:
                b.conn.close()
            if b.server is not None:
                b.server.stop()
            if b.inproc is not None:
                loop.run_until_complete(b.inproc.close())
        Server.stop_all()
        if "postgres" in backends or not args.no_pg:
            with contextlib.suppress(Exception):
                loop.run_until_complete(drop_schema(pg_url))
        loop.close()
        if "sqlite" in backends:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(backends["sqlite"].url + suffix).unlink()
    busy1, total1 = cpu_ticks()
    tick = os.sysconf("SC_CLK_TCK")
    res["cpu"] = {
        "wall_s": round(time.monotonic() - wall0, 1),
        "machine_busy_core_s": round((busy1 - busy0) / tick, 1),
        "machine_total_core_s": round((total1 - total0) / tick, 1),
    }
    for phase in ("read_before", "read_after"):
        res[phase].pop("_samples", None)
    res["targets"] = targets(res)
    res["machine"]["loadavg_end"] = os.getloadavg()
    res["seconds"] = round(time.time() - started, 1)
    return res


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    per = res["read_before"]["1000"]
    if "postgres http" in per:
        for c in ("postgres http", "postgres inproc"):
            v = per[c]["time_vs_sqlite_floor"]
            out.append(
                {
                    "name": f"{c} / SQLite in-process floor, 1,000 ids, per request",
                    "value": v,
                    "target": f"<= {TARGET_PG_READ}",
                    "met": v <= TARGET_PG_READ,
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL URL (a fresh schema is used)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--no-scaling", action="store_true", help="skip the workers phase")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--replot", type=Path, metavar="JSON", help="only redraw the plot")
    args = parser.parse_args(argv)
    if args.replot:
        print(f"plot: {plot(json.loads(args.replot.read_text()), IMG_DIR)}")
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    res = run(args)
    print(render(res))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS_DIR / f"write_and_backends-{res['profile']}-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, default=str))
    print(f"\nresults: {out}  ({res['seconds']:.0f} s)")
    if not args.quick and not args.no_plots:
        print(f"plot: {plot(res, IMG_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
