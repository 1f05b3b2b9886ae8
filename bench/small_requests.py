"""Small requests against the HTTP stack's own floor (issue 16).

One run, interleaved rounds, on the demo portal (SQLite):

- **floor**: ``bench/_floor_app.py``, a bare Starlette app on the same server setup
  (uvicorn + httptools with assocdb's connection guard), returning the very bytes assocdb
  returns;
- **assocdb**: ``assocdb serve`` with 1 worker, request logs on (the default, written to a
  file as a service manager would) — and the same with ``--log-level warning`` (logs off);

for two requests: a one-id association batch read (a contact with its companies) and a
per-record ``GET /crm/v3/objects/contacts/{id}``. Load comes from ``wrk`` (keep-alive,
16 connections by default). Prints requests/s per round and the median ratio
assocdb / floor. Needs ``wrk`` (Debian package) on PATH.

    python bench/small_requests.py              # 5 rounds of 5 s per case
    python bench/small_requests.py --quick      # 2 rounds of 2 s
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import Server, machine_info
from assocdb.demo import ensure_demo_portal
from assocdb.domain.associations import AssociationService
from assocdb.domain.auth import ALL_SCOPES, issue_token
from assocdb.domain.clock import now_ms
from assocdb.domain.labels import LabelService
from assocdb.domain.objects import ObjectService
from assocdb.domain.paging import CursorCodec
from assocdb.storage import open_store

BENCH_DIR = Path(__file__).resolve().parent
BATCH_PATH = "/crm/v4/associations/contacts/companies/batch/read"


async def _prepare(db: Path) -> tuple[str, int, int]:
    """The demo portal in ``db``; (token, a contact id with companies, portal id)."""
    store = open_store(str(db))
    await store.open()
    try:
        codec = CursorCodec(await store.secret())
        associations = AssociationService(store, codec)
        portal = await ensure_demo_portal(
            store, associations, LabelService(store), ObjectService(store)
        )
        token = await issue_token(store, portal.portal_id, frozenset({ALL_SCOPES}), now_ms())
        contacts = await store.list_objects(portal.portal_id, "0-1", 0, 50)
        pages = await store.read_pages(
            portal.portal_id, "0-1", "0-2", [(c.object_id, -1) for c in contacts], 10
        )
        # The contact with the most companies among the first 50 (a few, not one).
        best = max(range(len(contacts)), key=lambda i: len(pages[i]))
        return token, contacts[best].object_id, portal.portal_id
    finally:
        await store.close()


def _fetch(port: int, method: str, path: str, token: str, body: bytes | None) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
    return data


_LUA = """
wrk.method = "{method}"
wrk.body = {body}
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
"""


def _wrk(port: int, case: dict[str, str], token: str, seconds: float, connections: int) -> float:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    with script:
        body = json.dumps(case["body"]) if case["body"] else "nil"
        script.write(_LUA.format(method=case["method"], body=body, token=token))
    out = subprocess.run(
        [
            *("wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s"),
            *("-s", script.name, f"http://127.0.0.1:{port}{case['path']}"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(script.name).unlink()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} failed responses:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="assocdb-small-"))
    db = work / "demo.sqlite3"
    token, contact_id, _ = asyncio.run(_prepare(db))
    cases = {
        "batch read, 1 id": {
            "method": "POST",
            "path": BATCH_PATH,
            "body": json.dumps({"inputs": [{"id": str(contact_id)}]}),
        },
        "GET record": {
            "method": "GET",
            "path": f"/crm/v3/objects/contacts/{contact_id}",
            "body": "",
        },
    }
    servers = {
        "logs on": Server(db, 1, log_level="info"),
        "logs off": Server(db, 1, log_level="warning"),
    }
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
        # The floor returns exactly the bytes assocdb returns.
        port = servers["logs on"].port
        answers = {}
        for name, case in cases.items():
            body = case["body"].encode() or None
            answers[name] = _fetch(port, case["method"], case["path"], token, body)
        (work / "batch.json").write_bytes(answers["batch read, 1 id"])
        (work / "record.json").write_bytes(answers["GET record"])
        floor = Server(
            db,
            1,
            command=[
                *(sys.executable, "-c", _FLOOR_MAIN.format(bench=str(BENCH_DIR))),
                str(work / "batch.json"),
                str(work / "record.json"),
                "{port}",
            ],
        )
        floor.start()
        floor.wait_ready()
        servers = {"floor": floor, **servers}
        results: dict[str, dict[str, list[float]]] = {
            case: {name: [] for name in servers} for case in cases
        }
        for round_no in range(rounds):
            for case_name, case in cases.items():
                for name, server in servers.items():
                    rps = _wrk(server.port, case, token, seconds, args.connections)
                    results[case_name][name].append(rps)
                    print(f"round {round_no + 1} {case_name:17} {name:9} {rps:9.0f} req/s")
        print()
        summary: dict[str, dict[str, float]] = {}
        for case_name, by_server in results.items():
            floor_rps = statistics.median(by_server["floor"])
            row = {name: statistics.median(v) for name, v in by_server.items()}
            summary[case_name] = row
            print(
                f"{case_name:17} floor {floor_rps:7.0f} req/s | "
                + " | ".join(
                    f"{name} {row[name]:6.0f} ({row[name] / floor_rps:.2f}x)"
                    for name in by_server
                    if name != "floor"
                )
            )
        out = BENCH_DIR / "results" / f"small_requests-{time.strftime('%Y%m%dT%H%M%S')}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(
            json.dumps({"machine": machine_info(), "rounds": results, "median": summary}, indent=2)
        )
        print(f"\nresults: {out}")
    finally:
        Server.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    return 0


# Runs the floor app under uvicorn with the server setup `assocdb serve` uses: the same
# protocol class (http/guard.py), keep-alive and shutdown settings (server.uvicorn_options).
_FLOOR_MAIN = """
import os, sys
sys.path.insert(0, {bench!r})
os.environ["FLOOR_BATCH_READ"], os.environ["FLOOR_GET_RECORD"] = sys.argv[1], sys.argv[2]
import uvicorn
from assocdb.config import Settings
from assocdb.server import uvicorn_options
uvicorn.run("_floor_app:app", host="127.0.0.1", port=int(sys.argv[3]), workers=1,
            log_level="warning", access_log=False, **uvicorn_options(Settings()))
"""

if __name__ == "__main__":
    sys.exit(main())
