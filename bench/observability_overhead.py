"""What the observability and fault middleware cost on the hot path.

    python bench/observability_overhead.py [--rounds 15] [--requests 200] [--inputs 100]

One in-process app on a SQLite store with 100 companies × 20 contacts. The same batch
read (``--inputs`` company ids, 20 associations each) is sent as raw ASGI calls (no
sockets, no client) to the app as served — metrics, request log ring, JSON log line (to
/dev/null) and the idle fault check — and to the same app with that middleware removed.
Rounds alternate between the two; the medians of per-request latency are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from typing import Any

import msgspec

from assocdb.config import Settings
from assocdb.domain.associations import CreateInput
from assocdb.domain.auth import ALL_SCOPES, issue_token
from assocdb.domain.clock import now_ms
from assocdb.domain.objecttypes import resolve_object_type
from assocdb.http.app import create_app


async def call(app: Any, body: bytes, token: str) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/crm/v4/associations/companies/contacts/batch/read",
        "raw_path": b"/crm/v4/associations/companies/contacts/batch/read",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--inputs", type=int, default=100)
    args = parser.parse_args()
    logging.getLogger("assocdb.requests").addHandler(logging.NullHandler())
    db = os.path.join(tempfile.mkdtemp(), "bench.sqlite3")
    apps = {
        "with": create_app(Settings(db=db, log_format="json")),
        "without": create_app(Settings(db=db)),
    }
    bare = apps["without"]
    bare.user_middleware = []  # the same app, minus the observability and fault middleware
    bare.middleware_stack = None
    devnull = open(os.devnull, "w")  # noqa: ASYNC230, SIM115
    stderr, sys.stderr = sys.stderr, devnull
    try:
        async with (
            apps["with"].router.lifespan_context(apps["with"]),
            bare.router.lifespan_context(bare),
        ):
            if True:
                services = apps["with"].state.services
                await services.store.create_portal(1, "bench", now_ms())
                token = await issue_token(services.store, 1, frozenset({ALL_SCOPES}), now_ms())
                companies = await services.objects.create_many(
                    1, resolve_object_type("companies"), [{}] * 100
                )
                contacts = await services.objects.create_many(
                    1, resolve_object_type("contacts"), [{}] * 2000
                )
                inputs = [
                    CreateInput(companies[i // 20].object_id, c.object_id)
                    for i, c in enumerate(contacts)
                ]
                await services.associations.set_types(
                    1, resolve_object_type("companies"), resolve_object_type("contacts"), inputs
                )
                body = msgspec.json.encode(
                    {"inputs": [{"id": str(c.object_id)} for c in companies[: args.inputs]]}
                )
                samples: dict[str, list[float]] = {"with": [], "without": []}
                for _ in range(20):  # warm up both
                    for app in apps.values():
                        assert await call(app, body, token) == 200
                for round_ in range(args.rounds):
                    order = ["with", "without"] if round_ % 2 else ["without", "with"]
                    for name in order:
                        for _ in range(args.requests):
                            started = time.perf_counter()
                            await call(apps[name], body, token)
                            samples[name].append(time.perf_counter() - started)
    finally:
        sys.stderr = stderr
        devnull.close()
    with_ms = statistics.median(samples["with"]) * 1000
    without_ms = statistics.median(samples["without"]) * 1000
    print(
        f"batch read of {args.inputs} ids × 20 associations, median of "
        f"{len(samples['with'])} requests each:"
    )
    print(f"  without the middleware: {without_ms:.3f} ms")
    print(f"  with the middleware:    {with_ms:.3f} ms")
    print(f"  overhead: {with_ms - without_ms:+.3f} ms ({(with_ms / without_ms - 1) * 100:+.1f} %)")


if __name__ == "__main__":
    asyncio.run(main())
