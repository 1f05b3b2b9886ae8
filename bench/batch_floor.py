"""1,000-id batch reads over HTTP against a *raw* in-process floor (issue 16).

    python bench/batch_floor.py                 # 1M-association store, 5 rounds × 8 s
    python bench/batch_floor.py --quick         # 20k associations, 2 rounds × 3 s
    python bench/batch_floor.py --profile       # + cProfile of the floor's loop

The floor is what the issue defines: "raw SQLite query + build + encode, no framework,
one core". Plain ``sqlite3`` on the same store file (the store's reader pragmas), the
store's per-from-id page query, the HubSpot v4 batch-read answer built as dicts (``from``,
``to`` with ``toObjectId`` and ``associationTypes``, ``paging`` with the same signed
cursor), encoded with msgspec, in a loop in this one process. Before timing, its answer
to every batch is compared with the server's: byte for byte, once ``startedAt`` and
``completedAt`` are blanked.

The server is ``assocdb serve`` with 1 and with 2 workers (``--log-level warning``), driven
by ``wrk`` (C, one thread, ``--connections`` keep-alive connections) cycling through the
same batches as the floor. Every round runs the floor and both servers for ``--seconds``
each, in a shuffled order; ratios are per-round HTTP req/s ÷ floor req/s, reported as the
median and the range over rounds. CPU per request (this process for the floor; the server
and its workers from ``/proc`` for HTTP) is the cross-check that barely depends on the
neighbours on a shared machine.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import hmac
import json
import os
import pstats
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from statistics import median
from typing import Any

import msgspec

from _common import (  # bench/ is sys.path[0] when run as a script
    BENCH_DIR,
    PORTAL_ID,
    Dataset,
    Server,
    cpu_ticks,
    ensure_dataset,
    issue_token,
    machine_info,
)
from assocdb.domain.registry import Category, defined_pair

RESULTS_DIR = BENCH_DIR / "results"
FROM_TYPE, TO_TYPE = "0-2", "0-1"  # companies → contacts: the many-associations direction
PATH = "/crm/v4/associations/companies/contacts/batch/read"
PAGE_SIZE = 500  # Settings.batch_read_page_size's default
BATCH = 1000
FULL = Dataset(contacts=80_000, companies=20_000, pairs=1_000_000, heavy=3, heavy_degree=50_000)
QUICK = Dataset(contacts=6_000, companies=1_200, pairs=20_000, heavy=1, heavy_degree=5_000)
TARGET_1W, TARGET_2W = 0.9, 1.7

# The store's per-from-id page query (storage/sqlite.py, _READ_PAGE).
_READ_PAGE = (
    "SELECT to_id, types FROM associations"
    " WHERE portal_id = ? AND from_type = ? AND from_id = ? AND to_type = ? AND to_id > ?"
    " ORDER BY to_id LIMIT ?"
)
_STAMPS = re.compile(rb'"(startedAt|completedAt)":"[^"]*"')


class RawFloor:
    """The batch read with nothing but sqlite3, dicts and an encoder."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        for pragma in ("query_only=ON", "cache_size=-8192", "mmap_size=67108864"):
            self.conn.execute(f"PRAGMA {pragma}")
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'cursor_secret'").fetchone()
        self.secret = row[0] if isinstance(row[0], bytes) else str(row[0]).encode()
        pair = defined_pair(FROM_TYPE, TO_TYPE)
        self.labels = {t: d.label for t, d in pair.types.items()} if pair else {}
        self.encode = msgspec.json.Encoder().encode

    def _types(self, text: str) -> list[dict[str, Any]]:
        pairs = sorted((int(c), int(t)) for c, t in (i.split(":") for i in text.split(",")))
        return [
            {
                "category": Category(c).name,
                "typeId": t,
                "label": self.labels.get(t) if c == Category.HUBSPOT_DEFINED else None,
            }
            for c, t in pairs
        ]

    def _cursor(self, from_id: int, last_id: int) -> str:
        # The cursor format of domain/paging.py: base64("{to}-{last}-{hmac[:n]}").
        scope, body = f"{PORTAL_ID}|{FROM_TYPE}|{from_id}|{TO_TYPE}", f"{TO_TYPE}-{last_id}"
        mac = hmac.new(self.secret, f"{scope}|{body}".encode(), hashlib.sha256).hexdigest()
        raw = f"{body}-{mac[:_MAC_CHARS]}".encode()
        return base64.urlsafe_b64encode(raw).decode().replace("=", "%3D")

    def answer(self, ids: Sequence[int], stamp: str) -> bytes:
        execute, memo = self.conn.execute, {}
        results = []
        execute("BEGIN")
        try:
            for from_id in ids:
                rows = execute(
                    _READ_PAGE, (PORTAL_ID, FROM_TYPE, from_id, TO_TYPE, -1, PAGE_SIZE + 1)
                ).fetchall()
                if not rows:
                    continue  # an error item in the server's answer; the batches avoid it
                to = []
                for to_id, text in rows[:PAGE_SIZE]:
                    types = memo.get(text)
                    if types is None:
                        types = memo[text] = self._types(text)
                    to.append({"toObjectId": to_id, "associationTypes": types})
                result: dict[str, Any] = {"from": {"id": str(from_id)}, "to": to}
                if len(rows) > PAGE_SIZE:
                    after = self._cursor(from_id, rows[PAGE_SIZE - 1][0])
                    result["paging"] = {"next": {"after": after}}
                results.append(result)
        finally:
            execute("COMMIT")
        return self.encode(
            {"status": "COMPLETE", "results": results, "startedAt": stamp, "completedAt": stamp}
        )


def _mac_chars() -> int:
    from assocdb.domain import paging

    return int(paging._MAC_CHARS)


_MAC_CHARS = _mac_chars()


def _batches(ds: Dataset, count: int, seed: int) -> list[list[int]]:
    rnd = random.Random(seed)
    ids = list(ds.regular_company_ids)
    return [rnd.sample(ids, BATCH) for _ in range(count)]


def _body(ids: Sequence[int]) -> bytes:
    return json.dumps({"inputs": [{"id": str(i)} for i in ids]}).encode()


def _post(port: int, token: str, body: bytes) -> bytes:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(
        "POST",
        PATH,
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"server answered {response.status}: {data[:300]!r}")
    return data


def check_answers(floor: RawFloor, port: int, token: str, batches: list[list[int]]) -> int:
    """Byte-for-byte equal once the timestamps are blanked; returns associations checked."""
    total = 0
    for ids in batches:
        served = _STAMPS.sub(rb'"\1":""', _post(port, token, _body(ids)))
        ours = _STAMPS.sub(rb'"\1":""', floor.answer(ids, ""))
        if served != ours:
            at = next(i for i, (a, b) in enumerate(zip(served, ours, strict=False)) if a != b)
            raise SystemExit(
                f"answer check FAILED at byte {at}:\nserver {served[at - 80 : at + 80]!r}"
                f"\nfloor  {ours[at - 80 : at + 80]!r}"
            )
        total += sum(len(r["to"]) for r in msgspec.json.decode(ours)["results"])
    return total


def run_floor(floor: RawFloor, batches: list[list[int]], seconds: float) -> dict[str, float]:
    stamp = "2026-01-01T00:00:00.000Z"
    count, ru0, t0 = 0, resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        floor.answer(batches[count % len(batches)], stamp)
        count += 1
    wall, ru1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    cpu = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
    sys_cpu = ru1.ru_stime - ru0.ru_stime
    return {
        "rps": count / wall,
        "cpu_ms": 1000 * cpu / count,
        "sys_cpu_ms": 1000 * sys_cpu / count,
        "requests": count,
    }


_LUA = """
local bodies = {{ {bodies} }}
local i = 0
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "{path}", nil, bodies[i])
end
"""


def _sys_seconds(server: Server) -> float:
    """System CPU of the server and its workers: mostly copying answers into sockets."""
    total = 0
    for pid in server._known:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(stat[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(server: Server, script: str, seconds: float, connections: int) -> dict[str, float]:
    cpu0, sys0 = server.cpu_seconds(), _sys_seconds(server)
    child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [
            *("wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s"),
            *("--timeout", "60s", "--latency", "-s", script),
            f"http://127.0.0.1:{server.port}{PATH}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, sys_cpu = server.cpu_seconds() - cpu0, _sys_seconds(server) - sys0
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out) or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failures:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]

    def pct(label: str) -> float:
        found = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        if not found:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
        return float(found.group(1)) * scale

    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "cpu_ms": 1000 * cpu / max(requests, 1),
        "sys_cpu_ms": 1000 * sys_cpu / max(requests, 1),
        "client_cpu_ms": 1000
        * (child1.ru_utime + child1.ru_stime - child0.ru_utime - child0.ru_stime)
        / max(requests, 1),
        "p50_ms": pct("50"),
        "p99_ms": pct("99"),
        "requests": requests,
    }


def profile_floor(floor: RawFloor, batches: list[list[int]]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for ids in batches * 2:
        floor.answer(ids, "x")
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--batches", type=int, default=6, help="distinct 1,000-id batches")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--baseline-src",
        help="also serve (1 worker) from this src/ directory, e.g. main's, for before/after",
    )
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)
    seconds = args.seconds or (3.0 if args.quick else 8.0)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    ds = QUICK if args.quick else FULL
    db = ensure_dataset(ds)
    token = issue_token(db)
    batches = _batches(ds, args.batches, args.seed)
    floor = RawFloor(db)
    servers = {"1 worker": Server(db, 1), "2 workers": Server(db, 2)}
    if args.baseline_src:
        serve = [sys.executable, "-m", "assocdb", "serve", "--db", str(db), "--host", "127.0.0.1"]
        serve += ["--port", "{port}", "--workers", "1", "--log-level", "warning"]
        command = ["env", f"PYTHONPATH={Path(args.baseline_src).resolve()}", *serve]
        servers["baseline, 1 worker"] = Server(db, 1, command=command)
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    with script:
        bodies = ", ".join(json.dumps(_body(ids).decode()) for ids in batches)
        script.write(_LUA.format(bodies=bodies, token=token, path=PATH))
    rows: list[dict[str, Any]] = []
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
        checked = sum(check_answers(floor, s.port, token, batches) for s in servers.values())
        print(
            f"answer check: {len(batches)} batches × {len(servers)} servers,"
            f" {checked:,} associations equal"
        )
        if args.profile:
            profile_floor(floor, batches)
        busy0, total0 = cpu_ticks()
        for number in range(rounds):
            order = ["floor", *servers]
            random.shuffle(order)
            row: dict[str, Any] = {"round": number + 1, "order": order}
            for name in order:
                if name == "floor":
                    row[name] = run_floor(floor, batches, seconds)
                else:
                    row[name] = run_wrk(servers[name], script.name, seconds, args.connections)
            for name in servers:
                row[f"{name} / floor"] = row[name]["rps"] / row["floor"]["rps"]
                row[f"{name} / floor CPU"] = row["floor"]["cpu_ms"] / row[name]["cpu_ms"]
            rows.append(row)
            print(
                f"round {number + 1}: floor {row['floor']['rps']:.2f} req/s"
                f" ({row['floor']['cpu_ms']:.0f} ms CPU/req);"
                + "".join(
                    f" {n} {row[n]['rps']:.2f} req/s ({row[n]['cpu_ms']:.0f} ms CPU/req,"
                    f" p50 {row[n]['p50_ms']:.0f} ms) = {row[n + ' / floor']:.2f}×;"
                    for n in servers
                )
            )
        busy1, total1 = cpu_ticks()
    finally:
        for server in servers.values():
            server.stop()
        Path(script.name).unlink()

    def stat(key: str, sub: str | None = None) -> tuple[float, float, float]:
        values = [r[key][sub] if sub else r[key] for r in rows]
        return median(values), min(values), max(values)

    summary = {
        "floor req/s": stat("floor", "rps"),
        "floor CPU ms/req": stat("floor", "cpu_ms"),
        **{f"{n} req/s": stat(n, "rps") for n in servers},
        "floor sys CPU ms/req": stat("floor", "sys_cpu_ms"),
        **{f"{n} CPU ms/req": stat(n, "cpu_ms") for n in servers},
        **{f"{n} sys CPU ms/req": stat(n, "sys_cpu_ms") for n in servers},
        **{f"{n} wrk CPU ms/req": stat(n, "client_cpu_ms") for n in servers},
        **{f"{n} p50 ms": stat(n, "p50_ms") for n in servers},
        **{f"{n} p99 ms": stat(n, "p99_ms") for n in servers},
        **{f"{n} / floor": stat(f"{n} / floor") for n in servers},
        **{f"{n} / floor CPU": stat(f"{n} / floor CPU") for n in servers},
    }
    print("\nmedian (min–max) over rounds:")
    for key, (mid, low, high) in summary.items():
        print(f"  {key:28s} {mid:9.2f}  ({low:.2f}–{high:.2f})")
    tick = os.sysconf("SC_CLK_TCK")
    print(
        f"machine busy {(busy1 - busy0) / tick:.0f} of {(total1 - total0) / tick:.0f} core-s"
        f" during the rounds; load average now {os.getloadavg()[0]:.1f}"
    )
    if args.baseline_src:
        ratios = [r["1 worker"]["rps"] / r["baseline, 1 worker"]["rps"] for r in rows]
        cpu = [r["baseline, 1 worker"]["cpu_ms"] / r["1 worker"]["cpu_ms"] for r in rows]
        print(
            f"this tree / baseline, 1 worker: req/s {median(ratios):.2f}"
            f" ({min(ratios):.2f}–{max(ratios):.2f}), CPU {median(cpu):.2f}"
            f" ({min(cpu):.2f}–{max(cpu):.2f})"
        )
    for name, target in (("1 worker", TARGET_1W), ("2 workers", TARGET_2W)):
        verdict = "met" if summary[f"{name} / floor"][0] >= target else "NOT met"
        print(f"target {name} ≥ {target}× floor: {verdict}")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"batch_floor-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "machine": machine_info(),
                "args": vars(args),
                "rounds": rows,
                "summary": summary,
                "machine_busy_core_s": (busy1 - busy0) / tick,
                "machine_total_core_s": (total1 - total0) / tick,
            },
            indent=2,
        )
    )
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
