"""Resident memory of a worker after many mixed requests on a big store (issue 16).

Builds (once, cached in bench/.data/) the 5M-association store of ``batch_read.py --big``
(the 1M base part plus four times as much filler), starts ``assocdb serve`` with one
worker, sends ``--requests`` mixed requests from 4 keep-alive connections — one-id and
100-id batch reads, 1,000-id batch reads, per-record GETs and association lists, on
random records — and samples the worker's memory from /proc as it goes:

- ``VmRSS``: resident memory as ``ps`` shows it;
- ``RssAnon``: the process's own heap (Python objects, SQLite's page caches);
- ``RssFile``: pages of the database file mapped by SQLite's mmap (shared with the page
  cache of the OS, given back under memory pressure).

    python bench/memory.py                     # 100,000 requests (~2-4 min + first build)
    python bench/memory.py --requests 20000
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
from pathlib import Path

from _common import Dataset, Server, _descendants, ensure_dataset, issue_token

BASE = Dataset(contacts=80_000, companies=20_000, pairs=1_000_000, heavy=3, heavy_degree=50_000)


def _memory(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon and RssFile of ``pid`` in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024
    return out


def _worker_pid(server: Server) -> int:
    assert server.proc is not None
    children = _descendants(server.proc.pid)
    # uvicorn with one worker serves in its own process (no supervisor child).
    return children[-1] if children else server.proc.pid


def _requests(ds: Dataset, rnd: random.Random, count: int) -> list[tuple[str, str, bytes | None]]:
    contacts, companies = ds.contact_ids, ds.company_ids
    out: list[tuple[str, str, bytes | None]] = []
    for _ in range(count):
        roll = rnd.random()
        if roll < 0.45:
            ids = [rnd.choice(contacts)]
            kind = ("contacts", "companies")
        elif roll < 0.55:
            ids = rnd.sample(companies, 100)
            kind = ("companies", "contacts")
        elif roll < 0.56:
            ids = rnd.sample(companies, 1000)
            kind = ("companies", "contacts")
        elif roll < 0.8:
            out.append(("GET", f"/crm/v3/objects/contacts/{rnd.choice(contacts)}", None))
            continue
        else:
            company = rnd.choice(companies)
            out.append(("GET", f"/crm/v4/objects/companies/{company}/associations/contacts", None))
            continue
        body = json.dumps({"inputs": [{"id": str(i)} for i in ids]}).encode()
        out.append(("POST", f"/crm/v4/associations/{kind[0]}/{kind[1]}/batch/read", body))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--factor", type=int, default=5, help="store size: base x factor")
    args = parser.parse_args()
    ds = BASE.bigger(args.factor) if args.factor > 1 else BASE
    path = ensure_dataset(ds)
    token = issue_token(path)
    server = Server(path, 1, log_level="info")
    try:
        server.start()
        server.wait_ready()
        pid = _worker_pid(server)
        print(f"store {path.name}: {ds.total_pairs:,} associations; worker pid {pid}")
        print(f"after start: {_memory(pid)}")
        work = _requests(ds, random.Random(7), args.requests)
        parts = [work[i::4] for i in range(4)]
        failures: list[str] = []

        def run(part: list[tuple[str, str, bytes | None]]) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            for method, url, body in part:
                conn.request(method, url, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(f"{method} {url}: {response.status}")

        threads = [threading.Thread(target=run, args=(p,)) for p in parts]
        started = time.monotonic()
        for t in threads:
            t.start()
        samples = []
        while any(t.is_alive() for t in threads):
            time.sleep(5)
            samples.append(_memory(pid))
            print(f"  {time.monotonic() - started:6.0f} s  {samples[-1]}", flush=True)
        for t in threads:
            t.join()
        final = _memory(pid)
        print(f"after {args.requests:,} requests ({time.monotonic() - started:.0f} s): {final}")
        if failures:
            print(f"{len(failures)} failed requests, e.g. {failures[:3]}")
        peak_anon = max(s.get("RssAnon", 0) for s in [*samples, final])
        print(f"peak RssAnon {peak_anon} MiB, peak VmRSS {final.get('VmHWM')} MiB")
    finally:
        Server.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
