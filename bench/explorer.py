"""How long the explorer's pages take to render, server-side, on the 1M-association store.

    python bench/explorer.py [--runs 30] [--rebuild]

The store is ``batch_read.py``'s ``1m`` dataset (80,000 contacts, 20,000 companies,
1,000,000 contact–company associations, three companies with 50,000 contacts each),
built once and cached in ``bench/.data/``. The app runs in-process (Starlette's test
client, SQLite, the admin API on) and every explorer page is requested ``--runs`` times
after two warm-ups; the figure is the page's ``Server-Timing: app;dur=…``, the time from
the view's start to its rendered HTML (queries, domain calls, Jinja2), i.e. what the
issue's "≤ 300 ms server-side" means. The baseline, measured in the same run, is the API
read the record page's first association page mirrors:
``GET /crm/v4/objects/companies/{id}/associations/contacts?limit=500`` (its handler time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from _common import COMPANY, CONTACT, PORTAL_ID, Dataset, ensure_dataset, machine_info, quantile
from assocdb.config import Settings
from assocdb.domain.auth import ALL_SCOPES, issue_token
from assocdb.domain.clock import now_ms
from assocdb.http.app import create_app
from assocdb.http.explorer.capture import CaptureMiddleware, Journal
from assocdb.http.faults import Faults
from assocdb.http.observability import Harness, RequestRecord

DATASET = Dataset(contacts=80_000, companies=20_000, pairs=1_000_000, heavy=3, heavy_degree=50_000)
BUDGET_MS = 300.0
ADMIN = "bench-admin"
BASE = "/_assocdb/explorer"
_DUR = re.compile(r"app;dur=([\d.]+)")


def _server_ms(response: object) -> float:
    header = response.headers.get("server-timing", "")  # type: ignore[attr-defined]
    found = _DUR.search(header)
    assert found, f"no Server-Timing on {response!r}"
    return float(found.group(1))


def _measure(get: Callable[[], object], runs: int) -> list[float]:
    for _ in range(2):
        get()
    return [_server_ms(get()) for _ in range(runs)]


def _api_ms(client: TestClient, path: str, token: str, runs: int) -> list[float]:
    """The API baseline: handler time, measured around the in-process call."""
    out = []
    for i in range(runs + 2):
        started = time.perf_counter()
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.text[:200]
        if i >= 2:
            out.append(elapsed)
    return out


def _pages(heavy: int, contact: int, cursor: str) -> dict[str, str]:
    record = f"/portals/{PORTAL_ID}/objects/{COMPANY}/{heavy}"
    return {
        "portals": "/",
        "portal (counts by type, 100k records)": f"/portals/{PORTAL_ID}",
        "records list, contacts, 100 per page": f"/portals/{PORTAL_ID}/objects/{CONTACT}?limit=100",
        "records find, search API query": (
            f"/portals/{PORTAL_ID}/objects/{CONTACT}?q=no-such-text"
        ),
        "records, filter hs_object_id EQ (1 record)": (
            f"/portals/{PORTAL_ID}/objects/{CONTACT}?fp=hs_object_id&fo=EQ&fv={contact}"
        ),
        "records, filter id GT (40,000 match), sort createdate desc, 100": (
            f"/portals/{PORTAL_ID}/objects/{CONTACT}?fp=hs_object_id&fo=GT&fv={contact + 40_000}"
            "&sort=createdate&dir=desc&limit=100"
        ),
        "record page, company with 50,000 contacts": record,
        "its first association page (500)": f"{record}/associations/{CONTACT}?limit=500",
        "a later association page (500, by cursor)": (
            f"{record}/associations/{CONTACT}?limit=500&after={cursor}"
        ),
        "record page, a contact": f"/portals/{PORTAL_ID}/objects/{CONTACT}/{contact}",
        "graph page": f"{record}/graph",
        "graph data (50,000-contact company)": (
            f"/portals/{PORTAL_ID}/graph.json?type={COMPANY}&id={heavy}"
        ),
        "requests (500 in the journal)": "/requests",
        "request rows, filtered": "/requests/rows?status=2xx&route=associations",
        "faults": "/faults",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    db = ensure_dataset(DATASET, rebuild=args.rebuild)
    settings = Settings(db=str(db), admin=True, admin_token=ADMIN, log_level="warning")
    app = create_app(settings)
    heavy, contact = DATASET.heavy_ids[0], DATASET.contact_ids[0]
    with TestClient(app) as client:
        services = app.state.services
        token = client.portal.call(  # type: ignore[union-attr]
            lambda: issue_token(services.store, PORTAL_ID, frozenset({ALL_SCOPES}), now_ms())
        )
        api_path = f"/crm/v4/objects/companies/{heavy}/associations/contacts?limit=500"
        page = client.get(api_path, headers={"Authorization": f"Bearer {token}"}).json()
        cursor = page["paging"]["next"]["after"]
        for _ in range(250):  # fill the request journal (and the request log ring)
            client.get(api_path, headers={"Authorization": f"Bearer {token}"})
            client.get(f"/crm/v3/objects/contacts/{contact}", headers={"Authorization": "x"})
        signin = client.post(f"{BASE}/signin", data={"token": ADMIN}, follow_redirects=False)
        assert signin.status_code == 303
        rows = []
        for name, path in _pages(heavy, contact, cursor).items():
            url = BASE + path
            times = _measure(lambda url=url: _checked(client.get(url)), args.runs)
            rows.append((name, times))
        baseline = _api_ms(client, api_path, token, args.runs)
    _report(rows, baseline, args.runs, args.json)
    with_us, without_us = asyncio.run(_journal_cost())
    print(
        f"request journal: {without_us:.1f} µs per request without it, {with_us:.1f} µs with"
        f" it ({with_us - without_us:+.1f} µs; 1 KiB request and 4 KiB response bodies)"
    )


async def _journal_cost(rounds: int = 9, calls: int = 5_000) -> tuple[float, float]:
    """The capture middleware's own cost: raw ASGI calls to a stand-in app that records
    its request like the observability middleware does, with and without the journal
    around it, in alternating rounds (medians of µs per call)."""
    harness = Harness(Faults())
    record = RequestRecord("t", "POST", "/crm/x", "/crm/x", 200, 1.0, "cid", 1)
    body_in, body_out = b"x" * 1024, b"y" * 4096

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"a", b"b")]})
        await send({"type": "http.response.body", "body": body_out})
        harness.recent.append(record)

    wrapped = CaptureMiddleware(app, Journal(), harness)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/crm/x",
        "query_string": b"",
        "headers": [(b"authorization", b"Bearer pat-na1-0123456789abcdef")],
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": body_in, "more_body": False}

    async def send(message: Message) -> None:
        return None

    samples: dict[str, list[float]] = {"with": [], "without": []}
    for i in range(rounds):
        for name, target in (("with", wrapped), ("without", app))[:: 1 if i % 2 else -1]:
            started = time.perf_counter()
            for _ in range(calls):
                await target(scope, receive, send)
            samples[name].append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(samples["with"]), statistics.median(samples["without"])


def _checked(response: object) -> object:
    assert response.status_code == 200, response.text[:300]  # type: ignore[attr-defined]
    return response


def _report(
    rows: list[tuple[str, list[float]]], baseline: list[float], runs: int, out: Path | None
) -> None:
    base = statistics.median(baseline)
    print(f"{'page':46} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'× API':>7}")
    worst = 0.0
    figures = []
    for name, times in rows:
        median, p95, top = statistics.median(times), quantile(times, 0.95), max(times)
        worst = max(worst, top)
        print(f"{name:46} {median:10.1f} {p95:8.1f} {top:8.1f} {median / base:7.2f}")
        figures.append({"page": name, "median_ms": median, "p95_ms": p95, "max_ms": top})
    print(f"{'API baseline: GET …/associations/contacts?limit=500':46} {base:10.1f}")
    verdict = "within" if worst <= BUDGET_MS else "OVER"
    print(f"slowest single render {worst:.1f} ms: {verdict} the {BUDGET_MS:.0f} ms budget")
    if out:
        document = {"runs": runs, "pages": figures, "api_baseline_ms": base}
        out.write_text(json.dumps({**document, "machine": machine_info()}, indent=2))
    if worst > BUDGET_MS:
        sys.exit(1)


if __name__ == "__main__":
    main()
