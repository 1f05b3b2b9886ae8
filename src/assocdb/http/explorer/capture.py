"""The request journal behind the explorer's live log: each API request's record (as the
request log has it) plus its headers and the start of its bodies.

``CaptureMiddleware`` runs outside the observability middleware, so when the app returns
to it the request's ``RequestRecord`` has just been appended to ``Harness.recent``, with
no ``await`` in between for another request to interleave: that record is this
request's. Only installed with the admin API (and so the explorer) on.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assocdb.http.observability import Harness, RequestRecord

__all__ = ["BODY_KEPT", "EXCHANGES_KEPT", "CaptureMiddleware", "Exchange", "Journal"]

BODY_KEPT = 16 * 1024
"""Bytes kept of each request and response body: enough to read any error and the start
of any page; at most ``2 * BODY_KEPT * EXCHANGES_KEPT`` (16 MiB) per worker."""
EXCHANGES_KEPT = 500
_UNCAPTURED = ("/_assocdb/", "/healthz", "/readyz", "/metrics")
_SECRET_HEADERS = (b"authorization", b"cookie", b"x-assocdb-admin-token")


@dataclass(slots=True)
class Body:
    data: bytearray = field(default_factory=bytearray)
    size: int = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        room = BODY_KEPT - len(self.data)
        if room > 0:
            self.data += chunk[:room]

    @property
    def truncated(self) -> bool:
        return self.size > len(self.data)


@dataclass(slots=True)
class Exchange:
    seq: int
    record: RequestRecord
    query: str
    request_headers: list[tuple[str, str]]
    request_body: Body
    response_headers: list[tuple[str, str]]
    response_body: Body


class Journal:
    """The last ``EXCHANGES_KEPT`` exchanges of this worker, oldest first."""

    def __init__(self, kept: int = EXCHANGES_KEPT) -> None:
        self.exchanges: deque[Exchange] = deque(maxlen=kept)
        self._seq = itertools.count(1)

    def next_seq(self) -> int:
        return next(self._seq)

    def find(self, seq: int) -> Exchange | None:
        return next((e for e in self.exchanges if e.seq == seq), None)

    def since(self, seq: int) -> list[Exchange]:
        return [e for e in self.exchanges if e.seq > seq]


def _redacted(value: bytes) -> str:
    """``Bearer pat-…`` keeps the scheme and the last four characters, enough to tell
    two tokens apart, not enough to use one."""
    text = value.decode("latin-1")
    scheme, _, secret = text.partition(" ")
    tail = secret[-4:] if len(secret) > 12 else ""
    return f"{scheme} …{tail} (hidden)" if secret else "(hidden)"


def _headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [
        (
            name.decode("latin-1"),
            _redacted(value) if name.lower() in _SECRET_HEADERS else value.decode("latin-1"),
        )
        for name, value in raw
    ]


class CaptureMiddleware:
    def __init__(self, app: ASGIApp, journal: Journal, harness: Harness) -> None:
        self.app = app
        self.journal = journal
        self.harness = harness

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_UNCAPTURED):
            await self.app(scope, receive, send)
            return
        request_body, response_body = Body(), Body()
        response_headers: list[tuple[bytes, bytes]] = []

        async def receive_wrapper() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_body.add(message.get("body", b""))
            return message

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers.extend(message.get("headers", ()))
            elif message["type"] == "http.response.body":
                response_body.add(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        finally:
            recent = self.harness.recent
            # No await since the app returned: the newest record is this request's.
            if recent and recent[-1].path == scope["path"]:
                self.journal.exchanges.append(
                    Exchange(
                        self.journal.next_seq(),
                        recent[-1],
                        scope.get("query_string", b"").decode("latin-1"),
                        _headers(list(scope.get("headers", ()))),
                        request_body,
                        _headers(response_headers),
                        response_body,
                    )
                )
