"""The floor of the HTTP stack: a bare Starlette app that answers the benchmarked routes
with fixed bytes (read once from the files named by ``FLOOR_BATCH_READ`` and
``FLOOR_GET_RECORD``), served by the same uvicorn setup as ``assocdb serve``.

No auth, no store, no middleware: whatever assocdb costs beyond this is its own.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_BATCH_READ = Path(os.environ["FLOOR_BATCH_READ"]).read_bytes()
_GET_RECORD = Path(os.environ["FLOOR_GET_RECORD"]).read_bytes()


async def batch_read(request: Request) -> Response:
    await request.body()  # a real handler reads the body; so does this one
    return Response(_BATCH_READ, media_type="application/json")


async def get_record(request: Request) -> Response:
    return Response(_GET_RECORD, media_type="application/json")


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[
        Route(
            "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read",
            batch_read,
            methods=["POST"],
        ),
        Route("/crm/v3/objects/{objectType}/{objectId}", get_record, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
)
