"""Where the tail of the 32-client load test comes from (issue 16), PostgreSQL or SQLite.

    python bench/pg_tail.py --db postgresql://postgres@127.0.0.1:5432/test [--seconds 20]

The workload of ``tests/reliability/test_load.py`` (``assocdb serve --workers 2``, 32 client
threads, each owning 2 companies, 50 % batch reads of them and batch creates/archives
against 60 shared contacts), run on a fresh schema, and the latency split three ways:

- *client*: as the 32 threads see it (what the load test prints);
- *server*: ``latencyMs`` of each request in the server's request log (ASGI call to the
  end of the response), by route: the difference to *client* is spent in the client
  process (32 Python threads under one GIL), in the kernel, and waiting for the worker's
  event loop to pick the connection up;
- *PostgreSQL*: ``pg_stat_activity`` sampled every 50 ms from a separate connection: how
  many backends of the schema's server run, wait for a lock (and which), or sit idle.

CPU seconds of the client process, the server and its workers, and the PostgreSQL
backends show who owned the two cores. The schema is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import cli, live_server  # noqa: E402
from tests.reliability.workload import (  # noqa: E402
    ClientLog,
    create_objects,
    percentile,
    run_client,
)

from _common import _descendants, cpu_ticks, quantile  # noqa: E402

CLIENTS = 32
COMPANIES_PER_CLIENT = 2
CONTACTS = 60


def _with_schema(dsn: str, schema: str) -> str:
    return f"{dsn}{'&' if '?' in dsn else '?'}schema={schema}"


def _proc_cpu(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(stat[11]) + int(stat[12])
    return total / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class ActivitySampler(threading.Thread):
    """``pg_stat_activity`` of the benchmark's database every 50 ms, on its own loop."""

    def __init__(self, dsn: str, application: str) -> None:
        super().__init__(daemon=True)
        self.dsn, self.application = dsn, application
        self.stop = threading.Event()
        self.samples: list[Counter[str]] = []

    def run(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        try:
            while not self.stop.is_set():
                rows = await conn.fetch(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND backend_type = 'client backend'"
                )
                sample: Counter[str] = Counter()
                for row in rows:
                    state = row["state"] or "?"
                    if state == "active" and row["wait_event_type"]:
                        state = f"waiting:{row['wait_event_type']}:{row['wait_event']}"
                    sample[state] += 1
                self.samples.append(sample)
                await asyncio.sleep(0.05)
        finally:
            await conn.close()


def _server_latencies(log_text: str) -> dict[str, list[float]]:
    by_route: dict[str, list[float]] = {}
    for line in log_text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "latencyMs" in record and record.get("method") == "POST":
            kind = record["route"].rsplit("/", 2)[-2:]
            by_route.setdefault("/".join(kind), []).append(float(record["latencyMs"]))
    return by_route


def run(db: str, seconds: float, extra: list[str], pg_dsn: str | None) -> dict[str, Any]:
    cli("portal", "create", "--db", db, "--id", "1")
    token = cli("token", "create", "--db", db, "--portal", "1", "--scopes", "all")
    log_path = Path(f"/tmp/assocdb-pg-tail-{uuid.uuid4().hex[:8]}.log")
    with live_server(db, "--workers", "2", *extra, log_path=log_path) as server:
        companies = create_objects(
            server.base_url, token, "companies", CLIENTS * COMPANIES_PER_CLIENT
        )
        contacts = create_objects(server.base_url, token, "contacts", CONTACTS)
        logs = [
            ClientLog(companies[i * COMPANIES_PER_CLIENT : (i + 1) * COMPANIES_PER_CLIENT])
            for i in range(CLIENTS)
        ]
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=run_client,
                args=(server.base_url, token, log, contacts, stop, 1000 + i),
                kwargs={"read_share": 0.5, "check_reads": True},
            )
            for i, log in enumerate(logs)
        ]
        sampler = ActivitySampler(pg_dsn, "") if pg_dsn else None
        server_pids = [server.pid, *_descendants(server.pid)]
        pg_pids = _postgres_pids() if pg_dsn else []
        offset = log_path.stat().st_size
        cpu0 = (
            _proc_cpu(server_pids),
            _proc_cpu(pg_pids),
            resource.getrusage(resource.RUSAGE_SELF),
            cpu_ticks(),
        )
        if sampler:
            sampler.start()
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(60)
        elapsed = time.monotonic() - started
        if sampler:
            sampler.stop.set()
            sampler.join(5)
        self_ru = resource.getrusage(resource.RUSAGE_SELF)
        cpu = {
            "server": _proc_cpu(server_pids) - cpu0[0],
            "postgres": _proc_cpu(pg_pids) - cpu0[1],
            "client": self_ru.ru_utime + self_ru.ru_stime - cpu0[2].ru_utime - cpu0[2].ru_stime,
        }
        busy = cpu_ticks()
        tick = os.sysconf("SC_CLK_TCK")
        cpu["machine busy"] = (busy[0] - cpu0[3][0]) / tick
        cpu["machine total"] = (busy[1] - cpu0[3][1]) / tick
        with log_path.open("rb") as f:
            f.seek(offset)
            served = _server_latencies(f.read().decode(errors="replace"))
    log_path.unlink(missing_ok=True)
    latencies = [ms for log in logs for ms in log.latencies_ms]
    errors = [e for log in logs for e in log.errors]
    out: dict[str, Any] = {
        "elapsed_s": elapsed,
        "requests": len(latencies),
        "req_per_s": len(latencies) / elapsed,
        "client p50/p99/max ms": (
            percentile(latencies, 0.5),
            percentile(latencies, 0.99),
            max(latencies),
        ),
        "errors": errors[:5],
        "cpu_s": cpu,
    }
    for route, values in sorted(served.items()):
        out[f"server {route} n/p50/p99/max ms"] = (
            len(values),
            quantile(values, 0.5),
            quantile(values, 0.99),
            max(values),
        )
    if sampler and sampler.samples:
        states: Counter[str] = Counter()
        for sample in sampler.samples:
            states.update(sample)
        out["pg backends, mean per sample"] = {
            k: round(v / len(sampler.samples), 2) for k, v in states.most_common(8)
        }
    return out


async def _drop(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="postgresql://… (a schema is made) or a path")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--serve-arg", action="append", default=[], help="more serve options")
    args = parser.parse_args()
    extra: list[str] = args.serve_arg
    for number in range(args.runs):
        if args.db.startswith("postgresql"):
            schema = f"bench_tail_{uuid.uuid4().hex[:8]}"
            try:
                result = run(_with_schema(args.db, schema), args.seconds, extra, args.db)
            finally:
                asyncio.run(_drop(args.db, schema))
        else:
            result = run(args.db, args.seconds, extra, None)
        print(f"run {number + 1}: load average {os.getloadavg()[0]:.1f}")
        for key, value in result.items():
            print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
