"""Fault injection: make assocdb fail the way real HubSpot does, on purpose and repeatably.

Rules come from ``--fault`` flags (``ASSOCDB_FAULTS``), the admin API
(``/_assocdb/faults``) or, when ``--fault-header`` is on, an ``X-Assocdb-Fault`` request
header. The grammar (``docs/testing.md``)::

    RULES := RULE ("," RULE)*
    RULE  := KIND (";" PARAM)*
    KIND  := 429 | 429-ten-secondly | 429-daily | 500 | 502 | 503 | 504 | latency | cut
           | drop | timeout                      (on=webhooks only)
    PARAM := every=N        fire on the Nth, 2Nth, … matching request
           | p=0.25         fire with this probability …
           | seed=7         … drawn from a generator seeded with this (default 0)
           | times=N        fire at most N times, then never again
           | ms=N           latency only: the delay (default 1000, at most 30000)
           | retry-after=S  429 only: the Retry-After header (default 1; daily: 3600)
           | route=GLOB     match the request path (fnmatch, e.g. /crm/v4/associations/*)
           | method=GET     match the method
           | portal=N       match the token's portal (webhooks: an event's portal)
           | on=webhooks    apply to webhook deliveries instead of API requests
           | app=N          webhooks: match the app whose delivery it is
           | subscription=GLOB  webhooks: match an event's subscriptionType (contact.*)

``429`` answers with HubSpot's rate-limit body and headers (usage guidelines, below): policy
``TEN_SECONDLY_ROLLING`` (``429``, ``429-ten-secondly``) or ``DAILY``. ``502`` and ``504``
answer like HubSpot's edge does, with an HTML page (observed: HubSpot/hubspot-php#315);
``500`` and ``503`` with HubSpot's JSON error. ``latency`` delays the request and lets it
through; ``cut`` sends the status line and headers, then closes the connection mid-body.

Header rules keep their counters per distinct header value, so a client that retries the
same request with the same header sees ``503;times=2`` fail twice, then succeed. The admin
API, health, readiness and metrics paths are never faulted.

``on=webhooks`` rules are checked by the delivery worker before each request it would
post to an app's target URL (``delivery_fault``): a status kind records the attempt as if
the endpoint had answered it (nothing is sent; a 429 with its Retry-After), ``drop`` as a
refused connection (nothing sent), ``timeout`` sends the request but records a timeout
(the receiver gets it, then the retry: a duplicate with the same eventId), ``latency``
delays the send. Either way the attempt is retried like a real failure.

HubSpot's rate limits: https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
"""

from __future__ import annotations

import asyncio
import fnmatch
import random
from collections import OrderedDict
from dataclasses import dataclass, field

import msgspec
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assocdb.domain.auth import hash_token
from assocdb.domain.store import Store
from assocdb.errors import ValidationError
from assocdb.http.errors import (
    CORRELATION_HEADER,
    JSON_UTF8,
    error_response,
    new_correlation_id,
)
from assocdb.http.ratelimit import RateLimited

__all__ = [
    "FAULT_HEADER",
    "MAX_LATENCY_MS",
    "WEBHOOKS",
    "FaultMiddleware",
    "FaultRule",
    "Faults",
    "fault_response",
    "parse_rules",
]

FAULT_HEADER = "x-assocdb-fault"
_FAULT_HEADER_BYTES = FAULT_HEADER.encode()
_KINDS = (
    "429",
    "429-ten-secondly",
    "429-daily",
    "500",
    "502",
    "503",
    "504",
    "latency",
    "cut",
    "drop",
    "timeout",
)
_WEBHOOK_ONLY = ("drop", "timeout")
_API_ONLY = ("cut",)
WEBHOOKS = "webhooks"
_NEVER_FAULTED = ("/_assocdb/", "/healthz", "/readyz", "/metrics")
_HEADER_RULES_KEPT = 256
_MAX_INT = 2**63 - 1
MAX_LATENCY_MS = 30_000
"""A latency fault delays one request by at most this; a SIGTERM waits for it at most
the shutdown grace (``--shutdown-grace``) anyway."""


@dataclass(slots=True)
class FaultRule:
    kind: str
    every: int | None = None
    probability: float | None = None
    seed: int = 0
    times: int | None = None
    ms: int = 1000
    retry_after: int | None = None
    route: str | None = None
    method: str | None = None
    portal: int | None = None
    on: str = "api"
    """``api`` (requests to assocdb) or ``webhooks`` (deliveries to apps' target URLs)."""
    app: int | None = None
    subscription: str | None = None
    text: str = ""
    seen: int = 0
    fired: int = 0
    _rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method != self.method:
            return False
        return self.route is None or fnmatch.fnmatchcase(path, self.route)

    def matches_delivery(self, app_id: int, portals: frozenset[int], types: frozenset[str]) -> bool:
        """A webhooks rule against one request of events (any event may match)."""
        if self.app is not None and app_id != self.app:
            return False
        if self.portal is not None and self.portal not in portals:
            return False
        pattern = self.subscription
        return pattern is None or any(fnmatch.fnmatchcase(t, pattern) for t in types)

    def fires(self) -> bool:
        """Counts one matching request; True when the fault applies to it."""
        if self.times is not None and self.fired >= self.times:
            return False
        self.seen += 1
        if self.every is not None and self.seen % self.every:
            return False
        if self.probability is not None and self._rng.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def describe(self) -> dict[str, object]:
        return {"rule": self.text, "kind": self.kind, "seen": self.seen, "fired": self.fired}

    def retry_after_s(self) -> int:
        """A 429's Retry-After: the rule's, else HubSpot's for the policy."""
        if self.retry_after is not None:
            return self.retry_after
        return _RETRY_AFTER["DAILY" if self.kind == "429-daily" else "TEN_SECONDLY_ROLLING"]


def _int(name: str, value: str, low: int = 0, high: int = _MAX_INT) -> int:
    # The length check first: int() refuses strings over 4,300 digits with a ValueError.
    if not (value.isascii() and value.isdigit() and len(value) <= 19) or not (
        low <= int(value) <= high
    ):
        raise ValidationError(
            f"Invalid fault rule: {name} must be an integer from {low} to {high}."
        )
    return int(value)


def _parse_rule(text: str) -> FaultRule:
    kind, *params = [p.strip() for p in text.strip().split(";")]
    kind = kind.lower()
    if kind not in _KINDS:
        raise ValidationError(
            f"Invalid fault rule {text!r}: the kind must be one of {', '.join(_KINDS)}."
        )
    rule = FaultRule(kind, text=text.strip())
    for param in params:
        name, _, value = param.partition("=")
        name, value = name.strip().lower(), value.strip()
        if name == "every":
            rule.every = _int(name, value, 1)
        elif name == "p":
            try:
                rule.probability = float(value)
            except ValueError:
                rule.probability = -1.0
            if not 0.0 <= rule.probability <= 1.0:
                raise ValidationError("Invalid fault rule: p must be between 0 and 1.")
        elif name == "seed":
            rule.seed = _int(name, value)
        elif name == "times":
            rule.times = _int(name, value)
        elif name == "ms":
            rule.ms = _int(name, value, 0, MAX_LATENCY_MS)
        elif name == "retry-after":
            rule.retry_after = _int(name, value, 0, 86_400)
        elif name == "route" and value:
            rule.route = value
        elif name == "method" and value:
            rule.method = value.upper()
        elif name == "portal":
            rule.portal = _int(name, value, 1)
        elif name == "on" and value.lower() in ("api", WEBHOOKS):
            rule.on = value.lower()
        elif name == "app":
            rule.app = _int(name, value, 1)
        elif name == "subscription" and value:
            rule.subscription = value
        else:
            raise ValidationError(f"Invalid fault rule {text!r}: unknown parameter {param!r}.")
    _check_target(rule, text)
    rule.__post_init__()
    return rule


def _check_target(rule: FaultRule, text: str) -> None:
    """Parameters and kinds that make sense only for API requests or only for deliveries."""
    if rule.on == WEBHOOKS:
        wrong = rule.kind in _API_ONLY or rule.route is not None or rule.method is not None
        what = "cut, route and method do not apply to on=webhooks"
    else:
        wrong = rule.kind in _WEBHOOK_ONLY or rule.app is not None or bool(rule.subscription)
        what = "drop, timeout, app and subscription need on=webhooks"
    if wrong:
        raise ValidationError(f"Invalid fault rule {text!r}: {what}.")


def parse_rules(text: str) -> list[FaultRule]:
    """``RULE,RULE,…``; an empty text is no rule."""
    return [_parse_rule(part) for part in text.split(",") if part.strip()]


# -- responses --------------------------------------------------------------------------

_RETRY_AFTER = {"TEN_SECONDLY_ROLLING": 1, "DAILY": 3600}


def _exhausted(policy: str) -> dict[str, str]:
    """Rate-limit headers of an exhausted window.

    HubSpot: https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
    https://developers.hubspot.com/changelog/2018-11-06-rate-limit-information-headers-will-be-included-in-http-responses
    """
    daily = policy == "DAILY"
    return {
        "X-HubSpot-RateLimit-Max": "100",
        "X-HubSpot-RateLimit-Remaining": "99" if daily else "0",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Daily": "250000",
        "X-HubSpot-RateLimit-Daily-Remaining": "0" if daily else "249999",
    }


_HTML = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
)
_REASONS = {502: "Bad Gateway", 504: "Gateway Time-out"}
_MESSAGES = {
    500: ("INTERNAL_ERROR", "internal error"),
    503: (
        "SERVICE_UNAVAILABLE",
        "The service is temporarily unavailable. Retry the request in a few seconds.",
    ),
}


def fault_response(rule: FaultRule) -> Response:
    """The response of a 429 or 5xx fault. 429s are rendered by the rate limiter's own
    code (``http/ratelimit.py``), so injected and real ones are identical."""
    correlation_id = new_correlation_id()
    if rule.kind.startswith("429"):
        policy = "DAILY" if rule.kind == "429-daily" else "TEN_SECONDLY_ROLLING"
        wait = _RETRY_AFTER[policy] if rule.retry_after is None else rule.retry_after
        return RateLimited(policy, wait, _exhausted(policy)).response(correlation_id)
    status = int(rule.kind)
    if status in _REASONS:
        html = _HTML.format(code=status, reason=_REASONS[status])
        return Response(html, status_code=status, media_type="text/html")
    category, message = _MESSAGES[status]
    body = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id,
        "category": category,
    }
    return Response(
        msgspec.json.encode(body),
        status_code=status,
        media_type=JSON_UTF8,
        headers={CORRELATION_HEADER: correlation_id},
    )


# -- the rule set and the middleware ------------------------------------------------------


class Faults:
    """The active rules of one app (process): configured ones and per-header ones."""

    def __init__(self, rules: str = "", *, header: bool = False) -> None:
        self.rules: list[FaultRule] = parse_rules(rules)
        self.header = header
        self._by_header: OrderedDict[str, list[FaultRule]] = OrderedDict()

    @property
    def active(self) -> bool:
        return bool(self.rules) or self.header

    def delivery_fault(
        self, app_id: int, portals: frozenset[int], types: frozenset[str]
    ) -> tuple[int, FaultRule | None]:
        """For one webhook request: the milliseconds of delay its ``latency`` rules add,
        and the first other ``on=webhooks`` rule that fires (None: send it normally).
        Rules are checked in order, like the API's."""
        delay = 0
        for rule in list(self.rules):
            if rule.on != WEBHOOKS or not rule.matches_delivery(app_id, portals, types):
                continue
            if not rule.fires():
                continue
            if rule.kind != "latency":
                return delay, rule
            delay += rule.ms
        return delay, None

    def add(self, text: str) -> list[FaultRule]:
        added = parse_rules(text)
        self.rules.extend(added)
        return added

    def clear(self) -> None:
        self.rules.clear()
        self._by_header.clear()

    def from_header(self, value: str) -> list[FaultRule]:
        found = self._by_header.get(value)
        if found is None:
            found = parse_rules(value)
            if any(rule.on != "api" for rule in found):
                raise ValidationError("Fault header rules apply to that request: no on=webhooks.")
            self._by_header[value] = found
            while len(self._by_header) > _HEADER_RULES_KEPT:
                self._by_header.popitem(last=False)
        else:
            self._by_header.move_to_end(value)
        return found


class FaultMiddleware:
    """Pure ASGI: decides before the app runs; costs one attribute check when idle."""

    def __init__(self, app: ASGIApp, faults: Faults, store: Store | None = None) -> None:
        self.app = app
        self.faults = faults
        self.store = store
        self._portals: OrderedDict[str, int | None] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.faults.active:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(_NEVER_FAULTED):
            await self.app(scope, receive, send)
            return
        rules = list(self.faults.rules)
        if self.faults.header:
            try:
                rules += self._header_rules(scope)
            except ValidationError as exc:  # the same 400 as the admin API gives
                await error_response(exc, new_correlation_id())(scope, receive, send)
                return
        method: str = scope["method"]
        for rule in rules:
            if rule.on != "api" or not rule.matches(method, path):
                continue
            if rule.portal is not None and await self._portal(scope) != rule.portal:
                continue
            if not rule.fires():
                continue
            scope["assocdb.fault"] = rule.text
            if "assocdb.portal_id" not in scope:  # for the request log; only when firing
                scope["assocdb.portal_id"] = await self._portal(scope)
            if rule.kind == "latency":
                await asyncio.sleep(rule.ms / 1000)
                continue
            if rule.kind == "cut":
                await _cut(send)
                return
            await fault_response(rule)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _header_rules(self, scope: Scope) -> list[FaultRule]:
        found: list[FaultRule] = []
        for name, value in scope["headers"]:
            if name == _FAULT_HEADER_BYTES:
                found += self.faults.from_header(value.decode("latin-1"))
        return found

    async def _portal(self, scope: Scope) -> int | None:
        """The portal of the request's bearer token (cached per token), or None."""
        auth = next((v for k, v in scope["headers"] if k == b"authorization"), b"").decode()
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or self.store is None:
            return None
        digest = hash_token(token.strip())
        if digest not in self._portals:
            record = await self.store.find_token(digest)
            self._portals[digest] = record.portal_id if record else None
            if len(self._portals) > 1024:
                self._portals.popitem(last=False)
        return self._portals[digest]


async def _cut(send: Send) -> None:
    """Headers promising a body, part of it, then nothing: the server closes the socket."""
    start: Message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1024")],
    }
    await send(start)
    await send({"type": "http.response.body", "body": b'{"results":[', "more_body": True})
