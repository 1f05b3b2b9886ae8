"""Observability: Prometheus metrics, one log line per request, the recent-requests ring,
``/readyz`` and ``/metrics``.

One pure-ASGI middleware times every request and records it three ways: counters and a
latency histogram (``/metrics``, a registry per app, so per worker process), a structured
log line on the ``assocdb.requests`` logger (JSON, or text when stderr is a terminal), and
an entry in an in-memory ring of the last ``REQUESTS_KEPT`` API requests that the admin
API lists (``GET /_assocdb/requests``). With several workers each worker has its own
ring and its own counters.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assocdb.config import Settings
from assocdb.domain.store import Store
from assocdb.errors import ServiceUnavailable
from assocdb.http.call import Call
from assocdb.http.faults import FaultMiddleware, Faults
from assocdb.http.operation import Operation
from assocdb.http.render import iso_ms
from assocdb.http.schemas import Health

__all__ = [
    "OPERATIONS",
    "REQUESTS_KEPT",
    "Harness",
    "ObservabilityMiddleware",
    "RequestRecord",
    "install_harness",
]

REQUESTS_KEPT = 1000
_UNLOGGED = ("/_assocdb/", "/healthz", "/readyz", "/metrics")
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_STORE_TABLES = ("objects", "associations")
_STORE_GAUGE_TTL_S = 5.0

request_log = logging.getLogger("assocdb.requests")


class RequestRecord(msgspec.Struct):
    """One request as ``GET /_assocdb/requests`` lists it."""

    at: str
    method: str
    path: str
    route: str
    status: int
    latencyMs: float
    correlationId: str | None
    portalId: int | None
    fault: str | None = None


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "assocdb_http_requests",
            "HTTP requests by route template, method and status",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "assocdb_http_request_duration_seconds",
            "Time from request to the end of the response, by route template",
            ("method", "route"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.store_rows = Gauge(
            "assocdb_store_rows",
            "Rows in the store's main tables (associations: both directions)",
            ("table",),
            registry=self.registry,
        )
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}
        self.store_checked = 0.0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = self._counters[(method, route, status)] = self.requests.labels(
                method, route, str(status)
            )
        counter.inc()
        histogram = self._histograms.get((method, route))
        if histogram is None:
            histogram = self._histograms[(method, route)] = self.latency.labels(method, route)
        histogram.observe(seconds)


@dataclass(slots=True)
class Harness:
    """Per-app state of the test harness: metrics, recent requests, fault rules."""

    faults: Faults
    admin_token: str | None = None
    metrics: Metrics = field(default_factory=Metrics)
    recent: deque[RequestRecord] = field(default_factory=lambda: deque(maxlen=REQUESTS_KEPT))
    log_format: str = "auto"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, harness: Harness, routes: Mapping[Any, Route]) -> None:
        self.app = app
        self.harness = harness
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen: dict[str, Any] = {"status": 500, "cid": None}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name == b"x-hubspot-correlation-id":
                        seen["cid"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._record(scope, seen["status"], seen["cid"], time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, cid: str | None, seconds: float) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        found = self.routes.get(scope.get("endpoint"))
        route = found.path if found is not None else self._template(scope)
        self.harness.metrics.observe(method, route, status, seconds)
        if path.startswith(_UNLOGGED):
            return
        record = RequestRecord(
            iso_ms(time.time_ns() // 1_000_000),
            method,
            path,
            route,
            status,
            round(seconds * 1000, 3),
            cid,
            scope.get("assocdb.portal_id"),
            scope.get("assocdb.fault"),
        )
        self.harness.recent.append(record)
        if request_log.isEnabledFor(logging.INFO):
            line = _format(record, self.harness.log_format)
            if request_log.handlers == _DIRECT:
                # Only our own handler: skip building a LogRecord (the hot path's biggest cost).
                sys.stderr.write(line + "\n")
            else:
                request_log.info("%s", line)

    def _template(self, scope: Scope) -> str:
        """The route of a request the router never saw (an injected fault), or unmatched."""
        if "assocdb.fault" in scope:
            for route in self.routes.values():
                if route.matches(scope)[0] == Match.FULL:
                    return route.path
        return "unmatched"


def _format(record: RequestRecord, log_format: str) -> str:
    text = log_format == "text" or (log_format == "auto" and sys.stderr.isatty())
    if not text:
        return msgspec.json.encode(record).decode()
    portal = f" portal={record.portalId}" if record.portalId is not None else ""
    fault = f" fault={record.fault!r}" if record.fault else ""
    return (
        f"{record.method} {record.path} {record.status} {record.latencyMs:.1f}ms"
        f"{portal} cid={record.correlationId or '-'}{fault}"
    )


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (pytest swaps it per test)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


_STDERR = _StderrHandler()
_DIRECT = [_STDERR]


def configure_request_log(level: str) -> None:
    """One line per request on stderr at INFO, without the root logger's prefix; the
    server's ``--log-level`` above info silences it."""
    if _STDERR not in request_log.handlers:
        request_log.addHandler(_STDERR)
        request_log.propagate = False
    request_log.setLevel(level.upper())


# -- /readyz and /metrics ---------------------------------------------------------------


async def readyz(call: Call) -> Response:
    """200 when the app has started and its store answers a query; else a 503."""
    try:
        await call.services.store.ping()
    except Exception:
        raise ServiceUnavailable("The store is not reachable.") from None
    return call.json(Health("ok"))


async def metrics(call: Call) -> Response:
    harness: Harness = call.request.app.state.harness
    now = time.monotonic()
    if now - harness.metrics.store_checked > _STORE_GAUGE_TTL_S:
        harness.metrics.store_checked = now
        for table in _STORE_TABLES:
            try:
                rows = await call.services.store.count_rows(table)
            except Exception:
                continue
            harness.metrics.store_rows.labels(table).set(rows)
    return Response(generate_latest(harness.metrics.registry), media_type=CONTENT_TYPE_LATEST)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/readyz",
        readyz,
        "ready",
        "Readiness: the app has started and its store answers",
        "Service",
        access=None,
        responses={200: Health},
    ),
    Operation(
        "GET",
        "/metrics",
        metrics,
        "metrics",
        "Prometheus metrics of this worker (text exposition format)",
        "Service",
        access=None,
        responses={200: None},
    ),
)


def install_harness(
    settings: Settings, routes: Sequence[BaseRoute], store: Store
) -> tuple[Harness, list[Middleware]]:
    """The app's harness state and its middleware: observability outside, faults inside
    (so injected faults are counted and logged like real answers)."""
    configure_request_log(settings.log_level)
    harness = Harness(
        Faults(settings.faults, header=settings.fault_header),
        admin_token=settings.admin_token,
        log_format=settings.log_format,
    )
    templates = {route.endpoint: route for route in routes if isinstance(route, Route)}
    middleware = [
        Middleware(ObservabilityMiddleware, harness=harness, routes=templates),
        Middleware(FaultMiddleware, faults=harness.faults, store=store),
    ]
    return harness, middleware
