"""Shared pieces of the benchmarks: the cached dataset, server processes, statistics.

Nothing here is imported by assocdb itself; the benchmarks reach the store only through
its public API (``create_portal``, ``create_objects``, ``transaction().put_pairs``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import http.client
import json
import os
import platform
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from assocdb.domain.models import TypeSet
from assocdb.domain.store import EdgeWrite
from assocdb.storage import open_store

__all__ = [
    "COMPANY",
    "CONTACT",
    "PORTAL_ID",
    "Dataset",
    "Server",
    "cpu_ticks",
    "ensure_dataset",
    "issue_token",
    "machine_info",
    "quantile",
]

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"

PORTAL_ID = 1001
CONTACT, COMPANY = "0-1", "0-2"
FIRST_OBJECT_ID = 10_000_000_001
"""``portals.next_object_id`` of a new portal (migration 0001): ids are predictable."""

DATASET_VERSION = 1
"""Bump when the generator changes, so that cached files are not reused by mistake."""

CHUNK = 50_000
"""Pairs per write transaction (each pair is two rows)."""

# (forward contact→company, inverse company→contact); HUBSPOT_DEFINED is category 0.
UNLABELED: tuple[TypeSet, TypeSet] = (((0, 279),), ((0, 280),))
PRIMARY: tuple[TypeSet, TypeSet] = (((0, 1), (0, 279)), ((0, 2), (0, 280)))


# -- the dataset ----------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """Contacts and companies in one portal, linked contact→company (both directions).

    ``pairs`` counts associations (contact–company pairs); each is stored as two rows.
    The first ``heavy`` companies have exactly ``heavy_degree`` contacts; the others a
    log-normal number (median ≈ 0.7 × mean). Each contact's first company is its
    Primary, so type sets vary. The ``extra_*`` part is filler for the store-size test:
    other contacts and companies, never queried, written interleaved with the base part
    so that the base rows end up spread through a file that grew over time.
    """

    contacts: int
    companies: int
    pairs: int
    heavy: int
    heavy_degree: int
    extra_contacts: int = 0
    extra_companies: int = 0
    extra_pairs: int = 0
    seed: int = 42

    @property
    def key(self) -> str:
        key = (
            f"v{DATASET_VERSION}-c{self.contacts}-o{self.companies}-p{self.pairs}"
            f"-h{self.heavy}x{self.heavy_degree}"
        )
        if self.extra_pairs:
            key += f"-xc{self.extra_contacts}-xo{self.extra_companies}-xp{self.extra_pairs}"
        return f"{key}-s{self.seed}"

    @property
    def total_pairs(self) -> int:
        return self.pairs + self.extra_pairs

    @property
    def total_objects(self) -> int:
        return self.contacts + self.companies + self.extra_contacts + self.extra_companies

    @property
    def contact_ids(self) -> range:
        return range(FIRST_OBJECT_ID, FIRST_OBJECT_ID + self.contacts)

    @property
    def company_ids(self) -> range:
        start = self.contact_ids.stop
        return range(start, start + self.companies)

    @property
    def heavy_ids(self) -> range:
        return self.company_ids[: self.heavy]

    @property
    def regular_company_ids(self) -> range:
        return self.company_ids[self.heavy :]

    @property
    def extra_contact_ids(self) -> range:
        start = self.company_ids.stop
        return range(start, start + self.extra_contacts)

    @property
    def extra_company_ids(self) -> range:
        start = self.extra_contact_ids.stop
        return range(start, start + self.extra_companies)

    def bigger(self, factor: int) -> Dataset:
        """The same base part plus ``factor - 1`` times as much filler."""
        return dataclasses.replace(
            self,
            extra_contacts=self.contacts * (factor - 1),
            extra_companies=self.companies * (factor - 1),
            extra_pairs=self.pairs * (factor - 1),
        )


def _degrees(rnd: random.Random, count: int, total: int) -> list[int]:
    """``count`` positive degrees summing to ``total``, log-normally spread."""
    weights = [rnd.lognormvariate(0.0, 0.8) for _ in range(count)]
    scale = total / sum(weights)
    degrees = [max(1, int(w * scale)) for w in weights]
    diff = total - sum(degrees)
    i = 0
    while diff:
        j = i % count
        if diff > 0:
            degrees[j] += 1
            diff -= 1
        elif degrees[j] > 1:
            degrees[j] -= 1
            diff += 1
        i += 1
    return degrees


def _edge_chunks(
    contacts: range,
    regular: Sequence[int],
    heavy: Sequence[int],
    heavy_degree: int,
    regular_pairs: int,
    seed: int,
) -> Iterator[list[EdgeWrite]]:
    """Contact→company edges in chunks of CHUNK pairs, fully determined by ``seed``."""
    rnd = random.Random(seed)
    degrees = _degrees(rnd, len(regular), regular_pairs) if regular else []
    assert max(degrees, default=0) <= len(contacts), "a company cannot have that many contacts"
    plan = [*zip(regular, degrees, strict=True), *((h, heavy_degree) for h in heavy)]
    has_primary = bytearray(len(contacts))
    positions = range(len(contacts))
    chunk: list[EdgeWrite] = []
    for company, degree in plan:
        for i in rnd.sample(positions, degree):
            if has_primary[i]:
                forward, inverse = UNLABELED
            else:
                has_primary[i] = 1
                forward, inverse = PRIMARY
            chunk.append((contacts[i], company, forward, inverse))
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _interleave(
    base: Iterator[list[EdgeWrite]], extra: Iterator[list[EdgeWrite]], ratio: float
) -> Iterator[list[EdgeWrite]]:
    """Base and filler chunks mixed so that filler keeps ``ratio`` × the base written."""
    written_base = written_extra = 0
    base_left = extra_left = True
    while base_left or extra_left:
        take_base = base_left and (not extra_left or written_extra >= ratio * written_base)
        source = base if take_base else extra
        chunk = next(source, None)
        if chunk is None:
            if take_base:
                base_left = False
            else:
                extra_left = False
            continue
        if take_base:
            written_base += len(chunk)
        else:
            written_extra += len(chunk)
        yield chunk


async def _build(ds: Dataset, path: Path) -> None:
    now = int(time.time() * 1000)
    store = open_store(str(path))
    await store.open()
    try:
        await store.create_portal(PORTAL_ID, "bench", now)
        groups = [
            (CONTACT, ds.contact_ids, "Contact"),
            (COMPANY, ds.company_ids, "Company"),
            (CONTACT, ds.extra_contact_ids, "Contact"),
            (COMPANY, ds.extra_company_ids, "Company"),
        ]
        for object_type, ids, word in groups:
            for start in range(0, len(ids), CHUNK):
                part = ids[start : start + CHUNK]
                props = [{"name": f"{word} {i - FIRST_OBJECT_ID}"} for i in part]
                created = await store.create_objects(PORTAL_ID, object_type, props, now)
                got = [o.object_id for o in created]
                if got != list(part):
                    raise RuntimeError("object ids were not allocated as the dataset expects")

        chunks = _edge_chunks(
            ds.contact_ids,
            ds.regular_company_ids,
            ds.heavy_ids,
            ds.heavy_degree,
            ds.pairs - ds.heavy * ds.heavy_degree,
            ds.seed,
        )
        if ds.extra_pairs:
            extra = _edge_chunks(
                ds.extra_contact_ids, ds.extra_company_ids, [], 0, ds.extra_pairs, ds.seed + 1
            )
            chunks = _interleave(chunks, extra, ds.extra_pairs / ds.pairs)
        written = 0
        started = time.perf_counter()
        next_report = 0.0
        for chunk in chunks:
            async with store.transaction(PORTAL_ID) as tx:
                await tx.put_pairs(CONTACT, COMPANY, chunk)
            written += len(chunk)
            elapsed = time.perf_counter() - started
            if elapsed >= next_report or written == ds.total_pairs:
                rate = written / elapsed if elapsed else 0.0
                _log(f"  {written:,}/{ds.total_pairs:,} pairs ({rate:,.0f} pairs/s)")
                next_report = elapsed + 10
        rows = await store.count_edges(PORTAL_ID)
        if rows != 2 * ds.total_pairs:
            raise RuntimeError(f"expected {2 * ds.total_pairs} rows, found {rows}")
    finally:
        await store.close()
    # Fold the WAL into the main file so that the cached file stands alone.
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".json"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + suffix).unlink()


def ensure_dataset(ds: Dataset, *, rebuild: bool = False, data_dir: Path = DATA_DIR) -> Path:
    """The cached SQLite file for ``ds``, built first if missing (or ``rebuild``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"assocdb-{ds.key}.sqlite3"
    meta_path = Path(str(path) + ".json")
    if rebuild:
        _remove_db(path)
    if path.exists() and meta_path.exists():
        return path
    tmp = data_dir / f"building-{ds.key}.sqlite3"
    _remove_db(tmp)
    _log(
        f"building {path.name}: {ds.total_objects:,} objects, {ds.total_pairs:,} associations"
        f" ({2 * ds.total_pairs:,} rows)"
    )
    started = time.perf_counter()
    asyncio.run(_build(ds, tmp))
    seconds = time.perf_counter() - started
    _remove_db(path)
    tmp.rename(path)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(tmp) + suffix).unlink()
    meta = {
        "dataset": dataclasses.asdict(ds),
        "build_seconds": round(seconds, 1),
        "bytes": path.stat().st_size,
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    _log(f"built in {seconds:.0f} s ({path.stat().st_size / 1e6:,.0f} MB)")
    return path


def dataset_meta(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(Path(str(path) + ".json").read_text())
    return data


# -- server processes -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ASSOCDB_")}


def issue_token(db: Path) -> str:
    """A token with every scope, made the documented way (``assocdb token create``)."""
    out = subprocess.run(
        [
            *(sys.executable, "-m", "assocdb", "token", "create", "--db", str(db)),
            *("--portal", str(PORTAL_ID), "--scopes", "all"),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=_clean_env(),
    )
    return out.stdout.strip()


def _start_time(pid: int) -> int | None:
    """The kernel's start time of ``pid`` (guards against a recycled pid), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[19])


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine so far, from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    return total - idle, total


class Server:
    """``assocdb serve`` on 127.0.0.1 and a free port; stopped by PID (its own and its
    workers'), never by name."""

    _running: ClassVar[list[Server]] = []

    def __init__(
        self,
        db: Path,
        workers: int,
        *,
        log_level: str = "warning",
        command: Sequence[str] | None = None,
    ) -> None:
        self.db = db
        self.workers = workers
        self.log_level = log_level
        self.command = command
        """Another server to run instead (``{port}`` is replaced), e.g. a floor app."""
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix=f"assocdb-bench-w{workers}-", suffix=".log", delete=False
        )
        self._known: dict[int, int | None] = {}

    def start(self) -> None:
        self.port = _free_port()
        if self.command is not None:
            cmd = [part.replace("{port}", str(self.port)) for part in self.command]
        else:
            cmd = [sys.executable, "-m", "assocdb", "serve", "--db", str(self.db)]
            cmd += ["--host", "127.0.0.1", "--port", str(self.port)]
            cmd += ["--workers", str(self.workers), "--log-level", self.log_level]
        self.proc = subprocess.Popen(
            cmd, stdout=self._log, stderr=subprocess.STDOUT, env=_clean_env()
        )
        Server._running.append(self)

    def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early ({self.proc.returncode}):\n{self.log()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    self._remember_workers()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log()}")

    def _remember_workers(self) -> None:
        assert self.proc is not None
        for pid in [self.proc.pid, *_descendants(self.proc.pid)]:
            self._known.setdefault(pid, _start_time(pid))

    def cpu_seconds(self) -> float:
        """User + system CPU used so far by the server process and its workers."""
        total = 0.0
        for pid, started in self._known.items():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if started is not None and int(stat[19]) == started:
                total += int(stat[11]) + int(stat[12])
        return total / os.sysconf("SC_CLK_TCK")

    def log(self) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            self._remember_workers_of(proc.pid)
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        # Workers are normally stopped by their supervisor; any left over go by PID.
        for pid, started in self._known.items():
            if pid != proc.pid and started is not None and _start_time(pid) == started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self._log.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._log.name)
        if self in Server._running:
            Server._running.remove(self)

    def _remember_workers_of(self, pid: int) -> None:
        for child in _descendants(pid):
            self._known.setdefault(child, _start_time(child))

    @classmethod
    def stop_all(cls) -> None:
        for server in list(cls._running):
            server.stop()


# -- statistics and the machine -------------------------------------------------------


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile (numpy's default method)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def machine_info() -> dict[str, object]:
    import importlib.metadata as md

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = 0.0
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    versions: dict[str, str | None] = {}
    for name in ("assocdb", "starlette", "uvicorn", "uvloop", "httptools", "msgspec"):
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = None
    return {
        "source": _source_state(),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "mem_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "packages": versions,
        "loadavg": os.getloadavg(),
    }


def _source_state() -> dict[str, object]:
    """The commit measured, and whether src/ had uncommitted changes."""

    def git(*args: str) -> str:
        try:
            out = subprocess.run(
                ["git", *args], cwd=BENCH_DIR.parent, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return out.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "src_dirty": bool(git("status", "--porcelain", "src")),
    }


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
