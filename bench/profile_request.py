"""cProfile of one small request through the ASGI app, without a socket (issue 16).

Builds the demo portal in a temporary SQLite file, then calls the app directly with the
one-id batch read ``--requests`` times and prints requests/s and the top frames (by own
time), so the cost of assocdb's own code shows without uvicorn's and the client's.
``--search`` profiles the one-record search instead (``email EQ`` on a demo contact,
issue 12's "HTTP search at 1 worker ≥ 0.7× in process").

    python bench/profile_request.py [--requests 3000] [--sort tottime|cumulative] [--search]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assocdb.config import Settings
from assocdb.http.app import create_app
from small_requests import BATCH_PATH, _prepare


async def _call(app: Any, path: str, body: bytes, token: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"host", b"127.0.0.1"),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    await app(scope, receive, send)
    return sent


SEARCH_PATH = "/crm/v3/objects/contacts/search"


async def _run(db: Path, requests: int, sort: str, search: bool = False) -> None:
    token, contact_id, _ = await _prepare(db)
    path = SEARCH_PATH if search else BATCH_PATH
    body = f'{{"inputs":[{{"id":"{contact_id}"}}]}}'.encode()
    if search:
        # The first demo contact's email (demo.py: person{i}@example.com, i from 0).
        email = "person0@example.com"
        body = (
            '{"filterGroups":[{"filters":[{"propertyName":"email","operator":"EQ",'
            f'"value":"{email}"}}]}}],"limit":10}}'
        ).encode()
    app = create_app(Settings(db=str(db), log_format="json"))
    logging.getLogger("assocdb.requests").setLevel(logging.WARNING)  # no log lines here
    async with app.router.lifespan_context(app):
        first = await _call(app, path, body, token)
        assert first[0]["status"] == 200, first
        if search:
            assert b'"total":1' in first[1]["body"], first
        started = time.perf_counter()
        for _ in range(requests):
            await _call(app, path, body, token)
        print(f"{requests / (time.perf_counter() - started):,.0f} requests/s (app only)")
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(requests):
            await _call(app, path, body, token)
        profile.disable()
    pstats.Stats(profile).sort_stats(sort).print_stats(25)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument("--search", action="store_true", help="profile the one-record search")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="assocdb-profile-") as work:
        asyncio.run(_run(Path(work) / "demo.sqlite3", args.requests, args.sort, args.search))
    return 0


if __name__ == "__main__":
    sys.exit(main())
