"""Connection guard: bounded work per connection before the app ever sees a request.

uvicorn's httptools protocol has no limit on the size of a request head (and httptools
joins header chunks with a quadratic cost: 100 MB of header took 12 s of CPU), no time
limit for receiving a request, and no cap on open connections. This subclass adds, per
worker process (values and reasons in ``docs/reliability.md``):

- **head size**: a request line plus headers over ``head_max_bytes`` gets a 431 and the
  connection is closed, before the parser copies anything;
- **head time**: a connection must deliver a complete head within ``head_timeout_s`` of
  opening (or of the first byte of its next request) — else 408 and close;
- **body time**: the whole body must arrive within ``body_timeout_s`` of the head —
  else the connection is closed, which the app sees as a client disconnect (logged 499);
- **connection cap**: at ``max_connections`` open connections a new one first evicts the
  oldest connection that has no request in progress (idle or still sending its head); if
  every connection is busy, the new one gets a 503 and is closed.

Idle keep-alive connections are closed by uvicorn's own ``timeout_keep_alive``.

The head is counted per received chunk, so a pipelined head that starts inside the chunk
ending the previous request's body may exceed the cap by at most one read (256 KiB).
"""

from __future__ import annotations

import asyncio
import resource
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from assocdb.config import Settings
from assocdb.errors import AssocdbError, RequestHeadTooLarge, RequestTimeout, ServiceUnavailable
from assocdb.http.errors import CORRELATION_HEADER, error_body, new_correlation_id
from assocdb.http.schemas import encoder

__all__ = ["GuardLimits", "GuardedHttpToolsProtocol", "connection_cap"]

_HEAD_END = b"\r\n\r\n"
_FD_RESERVE = 64
"""File descriptors kept free for the store, logs and the listening socket."""


@dataclass(frozen=True, slots=True)
class GuardLimits:
    head_max_bytes: int = 64 * 1024
    head_timeout_s: float = 10.0
    body_timeout_s: float = 60.0
    max_connections: int = 1000

    @classmethod
    def from_settings(cls, settings: Settings) -> GuardLimits:
        return cls(
            head_max_bytes=settings.head_max_bytes,
            head_timeout_s=settings.head_timeout_s,
            body_timeout_s=settings.body_timeout_s,
            max_connections=connection_cap(settings.max_connections),
        )


def connection_cap(wanted: int) -> int:
    """``wanted``, lowered so that open sockets can never exhaust the file limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - _FD_RESERVE))


def _raw_error(exc: AssocdbError, reason: str) -> bytes:
    """A complete HTTP/1.1 response with HubSpot's error body, closing the connection."""
    correlation_id = new_correlation_id()
    body = encoder.encode(error_body(exc, correlation_id))
    head = (
        f"HTTP/1.1 {exc.status_code} {reason}\r\n"
        "content-type: application/json;charset=utf-8\r\n"
        f"content-length: {len(body)}\r\n"
        f"{CORRELATION_HEADER}: {correlation_id}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above (set ``limits`` before serving)."""

    # Worker processes import this module afresh: their limits come from ASSOCDB_*.
    limits: ClassVar[GuardLimits] = GuardLimits.from_settings(Settings.from_env())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._tail = b""
        self._deadline: asyncio.TimerHandle | None = None
        self._opened = time.monotonic()

    # -- connection lifecycle ---------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections and not self._evict_idle():
            super().connection_made(transport)
            self._refuse(
                ServiceUnavailable("Too many open connections. Retry in a few seconds."),
                "Service Unavailable",
            )
            return
        super().connection_made(transport)
        self._arm(self.limits.head_timeout_s, self._head_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _evict_idle(self) -> bool:
        """Close the oldest connection without a request in progress; False if none."""
        idle = [c for c in self.connections if isinstance(c, GuardedHttpToolsProtocol) and c._idle]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c._opened)
        oldest.connections.discard(oldest)  # counted as gone now, not at the next loop turn
        oldest.transport.close()
        return True

    @property
    def _idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    # -- bytes in ---------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._in_head and not self._head_fits(data):
            self._refuse(
                RequestHeadTooLarge(
                    f"The request line and headers are larger than the limit of "
                    f"{self.limits.head_max_bytes} bytes."
                ),
                "Request Header Fields Too Large",
            )
            return
        super().data_received(data)

    def _head_fits(self, data: bytes) -> bool:
        """Whether the head still fits, counting ``data`` up to the end of the head."""
        room = self.limits.head_max_bytes - self._head_bytes
        if len(data) <= room:
            self._head_bytes += len(data)
            self._tail = (self._tail + data)[-3:]
            return True
        # Over the limit unless the head ends within the room left (a body may follow).
        window = self._tail + data[: room + len(_HEAD_END)]
        return _HEAD_END in window

    # -- parser callbacks -------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a request after a keep-alive pause starts its clock
            self._arm(self.limits.head_timeout_s, self._head_timed_out)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()
        self._arm(self.limits.body_timeout_s, self._body_timed_out)

    def on_message_complete(self) -> None:
        self._disarm()
        self._in_head, self._head_bytes, self._tail = True, 0, b""
        super().on_message_complete()

    # -- deadlines --------------------------------------------------------------------

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_timed_out(self) -> None:
        self._deadline = None
        if self._in_head and not self.transport.is_closing():
            self._refuse(
                RequestTimeout(
                    f"The request head was not received within {self.limits.head_timeout_s:g} s."
                ),
                "Request Timeout",
            )

    def _body_timed_out(self) -> None:
        # The app is waiting for the rest of the body: closing makes its receive() say
        # "disconnected", which the request log records as a 499.
        self._deadline = None
        self.logger.info(
            "Closed a connection whose request body took longer than %g s.",
            self.limits.body_timeout_s,
        )
        self.transport.close()

    def _refuse(self, exc: AssocdbError, reason: str) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(_raw_error(exc, reason))
            self.transport.close()
