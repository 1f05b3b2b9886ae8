"""What the hostile-client bounds cost: the same batch reads through several server setups.

    python bench/server_setup.py [--rounds 3] [--requests 300] [--clients 4]

Setups (each a separate process on 127.0.0.1, one worker, the same SQLite store):

- ``httptools`` — uvicorn + httptools as ``assocdb serve`` ran before issue 10 (no head
  cap, no read timeouts, no connection cap): the baseline;
- ``httptools+guard`` — what ``assocdb serve`` runs now (``assocdb.server.uvicorn_options``:
  ``http/guard.py`` plus keep-alive and shutdown-grace settings);
- ``h11`` — uvicorn's pure-Python h11 protocol with ``h11_max_incomplete_event_size=64 KB``
  (caps the head, but still no read timeout);
- ``hypercorn`` — hypercorn (h11) with a 64 KB head cap, 10 s read timeout;
- ``granian`` — granian (Rust, ASGI interface) with its defaults (header read timeout).

Batch reads companies → contacts with 1 and 1,000 ids; ``--clients`` keep-alive connections
in parallel for ``--requests`` requests in total (a tenth of that for 1,000 ids). Rounds
visit the setups in a shuffled order; the median throughput of each is reported with its
ratio to the baseline of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from _common import (  # bench/ is sys.path[0] when run as a script
    Dataset,
    _free_port,
    ensure_dataset,
    issue_token,
    machine_info,
)

SETUPS = ("httptools", "httptools+guard", "h11", "hypercorn", "granian")
DATASET = Dataset(contacts=6_000, companies=1_200, pairs=20_000, heavy=1, heavy_degree=5_000)
BATCH_PATH = "/crm/v4/associations/companies/contacts/batch/read"
FACTORY = "assocdb.http.app:create_app_from_env"


# -- the server side (``--serve SETUP``: runs in its own process) ------------------------


def serve(setup: str, port: int) -> None:
    import uvicorn

    from assocdb.config import Settings
    from assocdb.server import uvicorn_options

    common = {"factory": True, "host": "127.0.0.1", "port": port, "log_level": "warning"}
    if setup == "httptools":
        uvicorn.run(FACTORY, http="httptools", **common)  # type: ignore[arg-type]
    elif setup == "httptools+guard":
        uvicorn.run(FACTORY, **common, **uvicorn_options(Settings.from_env()))  # type: ignore[arg-type]
    elif setup == "h11":
        uvicorn.run(FACTORY, http="h11", h11_max_incomplete_event_size=64 * 1024, **common)  # type: ignore[arg-type]
    elif setup == "hypercorn":
        from hypercorn.asyncio import serve as hypercorn_serve
        from hypercorn.config import Config

        from assocdb.http.app import create_app_from_env

        config = Config()
        config.bind = [f"127.0.0.1:{port}"]
        config.h11_max_incomplete_size = 64 * 1024
        config.read_timeout = 10
        config.loglevel = "WARNING"
        asyncio.run(hypercorn_serve(create_app_from_env(), config))  # type: ignore[arg-type]
    elif setup == "granian":
        os.execvp(
            "granian",
            [
                "granian",
                "--interface",
                "asgi",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                FACTORY,
            ],
        )


# -- the client side ----------------------------------------------------------------------


class Started:
    def __init__(self, setup: str, db: Path) -> None:
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSOCDB_")}
        env.update({"ASSOCDB_DB": str(db), "ASSOCDB_LOG_LEVEL": "warning"})
        args = [sys.executable, __file__, "--serve", setup, "--port", str(self.port)]
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{setup} did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(20)


def _client(port: int, token: str, body: bytes, count: int, errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for _ in range(count):
        conn.request("POST", BATCH_PATH, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            errors.append(str(response.status))
    conn.close()


def throughput(port: int, token: str, body: bytes, total: int, clients: int) -> float:
    errors: list[str] = []
    each = max(1, total // clients)
    threads = [
        threading.Thread(target=_client, args=(port, token, body, each, errors))
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"non-200 answers: {errors[:5]}")
    return each * clients / elapsed


def batch(ids: list[int]) -> bytes:
    return json.dumps({"inputs": [{"id": str(i)} for i in ids]}).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", choices=SETUPS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--setups", default=",".join(SETUPS))
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    setups = [s for s in args.setups.split(",") if s]
    db = ensure_dataset(DATASET)
    token = issue_token(db)
    companies = list(DATASET.regular_company_ids)
    bodies = {1: batch(companies[:1]), 1000: batch(companies[:1000])}
    totals = {1: args.requests, 1000: max(args.clients, args.requests // 10)}
    results: dict[tuple[str, int], list[float]] = {(s, n): [] for s in setups for n in bodies}
    rnd = random.Random(7)
    for round_no in range(args.rounds):
        order = setups[:]
        rnd.shuffle(order)
        for setup in order:
            server = Started(setup, db)
            try:
                for size, body in bodies.items():
                    throughput(server.port, token, body, args.clients * 5, args.clients)  # warm
                    rate = throughput(server.port, token, body, totals[size], args.clients)
                    results[(setup, size)].append(rate)
                    print(f"round {round_no + 1} {setup:16} batch {size:>5}: {rate:8.1f} req/s")
            finally:
                server.stop()
    print()
    print(json.dumps(machine_info()))
    print("| setup | batch 1 req/s | vs baseline | batch 1,000 req/s | vs baseline |")
    print("|---|---|---|---|---|")
    base = {n: statistics.median(results[(setups[0], n)]) for n in bodies}
    for setup in setups:
        cells = []
        for size in bodies:
            median = statistics.median(results[(setup, size)])
            cells += [f"{median:,.1f}", f"{median / base[size]:.2f}"]
        print(f"| {setup} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
