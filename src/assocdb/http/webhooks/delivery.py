"""The delivery worker: takes due events from the outbox and posts them, signed, to each
app's target URL, the way HubSpot delivers webhooks
(https://developers.hubspot.com/docs/api/webhooks).

One asyncio task per server process, started in the app's lifespan. It never runs on a
request's path: requests only write outbox rows in their own transaction and, after
COMMIT, set an ``asyncio.Event`` that wakes the worker (other processes' events are found
by polling every ``poll_interval_s``).

- Batches: up to 100 events of one app per request, as a JSON array.
- Throttling: at most ``maxConcurrentRequests`` requests in flight per app, across every
  process and host on the database: a request is sent only while its sender holds one of
  the app's slots in ``webhook_slots`` (leased, so a killed sender's slot comes back); a
  per-process semaphore in front keeps one process from polling for slots it cannot get.
- Retries: any non-2xx answer, a 5 s timeout or a failed connection is retried with
  exponential backoff (``Retry-After`` of a 429 wins), up to 10 attempts; each event's
  ``attemptNumber`` counts from 0 and its ``eventId`` never changes.
- Several workers or hosts: an event is leased to one worker while it is being sent
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so it is never sent twice at the same time;
  a worker killed mid-send leaves a lease that expires, and the event is sent again.
- Faults: ``on=webhooks`` fault rules (``http/faults.py``) can fail, drop, time out or
  delay a request, as a failing endpoint would.
- Retention: finished events older than ``retention_ms`` are pruned in bounded batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import msgspec
from prometheus_client import CollectorRegistry, Counter, Histogram

from assocdb.domain.clock import now_ms
from assocdb.domain.webhook_store import AttemptOutcome, WebhookStore
from assocdb.domain.webhooks import (
    BATCH_SIZE,
    DELIVERY_TIMEOUT_S,
    MAX_ATTEMPTS,
    OutboxEvent,
    backoff_ms,
    request_body,
    signature_headers,
)
from assocdb.http.faults import WEBHOOKS, FaultRule, Faults

__all__ = ["DeliveryWorker", "WebhookMetrics"]

log = logging.getLogger("assocdb.webhooks")

LEASE_MS = 60_000
"""How long a claimed event stays a worker's: longer than a send can take (5 s timeout,
plus waiting for a free slot), so only a dead worker's events are taken over."""
CLAIM_LIMIT = 500
"""Events claimed at once: five full requests."""
BATCHES_IN_FLIGHT = 8
"""Claimed batches being sent at once: bounds memory, and how far a slow target (5 s per
attempt) can hold others back."""
SLOT_LEASE_MS = 40_000
"""How long a request slot stays its sender's: longer than a request can take (5 s per
connect, write and read), so only a dead sender's slots are taken over, and soon. A slot
is reused for the next request of the same app while it has at least half of this left."""
SLOT_WAIT_MAX_S = 0.2
"""The longest pause between two tries at a slot while all are held elsewhere."""
DEFAULT_RETENTION_MS = 72 * 3_600_000
PRUNE_INTERVAL_S = 60.0
PRUNE_BATCH = 1000
"""Events deleted per pruning transaction: short enough not to hold up the API's writes."""
PRUNE_BATCHES = 20
"""Pruning transactions per round: a backlog is worked off over a few rounds."""
_TARGET_TTL_S = 1.0
_NO_TARGET = "no targetUrl: PUT /webhooks/v3/{appId}/settings"


@dataclass(frozen=True, slots=True)
class _Target:
    url: str
    secret: str
    max_concurrent: int


class WebhookMetrics:
    """Prometheus counters of deliveries, on the app's registry (served at /metrics)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "assocdb_webhook_requests",
            "Webhook requests sent, by outcome (delivered: a 2xx answer)",
            ("outcome",),
            registry=registry,
        )
        self.events = Counter(
            "assocdb_webhook_events",
            "Webhook event attempts, by outcome (delivered, retry, gave_up)",
            ("outcome",),
            registry=registry,
        )
        self.latency = Histogram(
            "assocdb_webhook_request_duration_seconds",
            "Time from sending a webhook request to its answer (or failure)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )


class DeliveryWorker:
    def __init__(
        self,
        store: WebhookStore,
        *,
        retry_base_ms: int,
        lease_ms: int = LEASE_MS,
        poll_interval_s: float = 0.25,
        metrics: WebhookMetrics | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retention_ms: int = DEFAULT_RETENTION_MS,
        prune_interval_s: float = PRUNE_INTERVAL_S,
        faults: Faults | None = None,
    ) -> None:
        self.store = store
        self.retry_base_ms = retry_base_ms
        self.lease_ms = lease_ms
        self.poll_interval_s = poll_interval_s
        self.metrics = metrics
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._wake = asyncio.Event()
        self._run_task: asyncio.Task[None] | None = None
        self._batches: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(BATCHES_IN_FLIGHT)
        self._targets: dict[int, tuple[float, _Target | None]] = {}
        self._gates: dict[int, tuple[int, asyncio.Semaphore]] = {}
        self.retention_ms = retention_ms
        self.prune_interval_s = prune_interval_s
        self._next_prune = 0.0
        self.faults = faults
        self._holds = 0
        # Request slots (throttling across processes) kept for the next request of the same
        # app while requests of it wait here: a busy app costs one slot round trip per
        # busy spell instead of two per request. app_id -> [(slot, holder, lease end)].
        self._spare: dict[int, list[tuple[int, str, int]]] = {}
        self._waiting: dict[int, int] = {}

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(DELIVERY_TIMEOUT_S),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=100),
            transport=self._transport,
            follow_redirects=False,
        )
        self._run_task = asyncio.create_task(self._run(), name="assocdb-webhooks")

    async def stop(self) -> None:
        """Stop claiming, cancel sends in flight (their leases expire: at-least-once)."""
        tasks = [t for t in (self._run_task, *self._batches) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.aclose()

    def wake(self) -> None:
        """Events were committed in this process: look now rather than at the next poll."""
        self._wake.set()

    # -- the loop ---------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            if time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + self.prune_interval_s
                await self.prune()
            await self._slots.acquire()
            self._wake.clear()  # before the claim, so a commit during it is not missed
            try:
                events = await self.store.claim_events(
                    self.owner, now_ms(), self.lease_ms, CLAIM_LIMIT
                )
            except Exception:
                self._slots.release()
                log.exception("claiming webhook events failed; retrying in 1 s")
                await asyncio.sleep(1.0)
                continue
            if not events:
                self._slots.release()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
                continue
            task = asyncio.create_task(self._deliver(events))
            self._batches.add(task)
            task.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self._batches.discard(task)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook batch failed", exc_info=task.exception())

    async def _deliver(self, events: Sequence[OutboxEvent]) -> None:
        by_app: dict[int, list[OutboxEvent]] = {}
        for event in events:
            by_app.setdefault(event.app_id, []).append(event)
        sends = []
        for app_id, app_events in by_app.items():
            target = await self._target(app_id)
            for start in range(0, len(app_events), BATCH_SIZE):
                chunk = app_events[start : start + BATCH_SIZE]
                sends.append(self._send(target, chunk))
        outcomes = [o for result in await asyncio.gather(*sends) for o in result]
        await self.store.finish_events(self.owner, outcomes)

    async def prune(self) -> int:
        """Delete finished events older than the retention, a bounded batch per
        transaction, at most ``PRUNE_BATCHES`` of them (the rest next round)."""
        deleted = 0
        cutoff = now_ms() - self.retention_ms
        try:
            for _ in range(PRUNE_BATCHES):
                count = await self.store.prune_events(cutoff, PRUNE_BATCH)
                deleted += count
                if count < PRUNE_BATCH:
                    break
                await asyncio.sleep(0)  # let the API's writes in between
        except Exception:
            log.exception("pruning webhook events failed; trying again next round")
        return deleted

    async def _target(self, app_id: int) -> _Target | None:
        now = time.monotonic()
        found = self._targets.get(app_id)
        if found is None or found[0] < now:
            settings = await self.store.get_webhook_settings(app_id)
            app = await self.store.get_app(app_id)
            target = None
            if settings is not None and app is not None:
                target = _Target(settings.target_url, app.client_secret, settings.max_concurrent)
            found = self._targets[app_id] = (now + _TARGET_TTL_S, target)
        return found[1]

    def _gate(self, app_id: int, limit: int) -> asyncio.Semaphore:
        found = self._gates.get(app_id)
        if found is None or found[0] != limit:
            found = self._gates[app_id] = (limit, asyncio.Semaphore(limit))
        return found[1]

    # -- one request ------------------------------------------------------------------

    async def _send(
        self, target: _Target | None, events: Sequence[OutboxEvent]
    ) -> list[AttemptOutcome]:
        if target is None:
            return self._outcomes(events, now_ms(), None, _NO_TARGET, 0, None)
        delay_ms, fault = self._fault(events)
        if fault is not None and fault.kind != "timeout":
            return self._faulted(events, fault)
        app_id = events[0].app_id
        self._waiting[app_id] = self._waiting.get(app_id, 0) + 1
        waiting = True
        try:
            async with self._gate(app_id, target.max_concurrent):
                held = await self._take_slot(app_id, target.max_concurrent, delay_ms)
                self._waiting[app_id] -= 1
                waiting = False
                if delay_ms:
                    await asyncio.sleep(delay_ms / 1000)  # a slow endpoint holds its slot
                # Cancelled (stopping) here: the slot is not given back; its lease ends.
                # ``_post`` turns every other failure into an outcome.
                outcomes = await self._post(target, events, fault)
                await self._put_back(app_id, held)
                return outcomes
        finally:
            if waiting:  # cancelled or failed before it had a slot
                self._waiting[app_id] -= 1

    async def _take_slot(self, app_id: int, limit: int, extra_ms: int) -> tuple[int, str, int]:
        """One of the app's ``limit`` slots, shared by every process and host: a spare one
        of this worker's with enough lease left, else one from the store, waiting
        (polling, at most ``SLOT_WAIT_MAX_S`` apart) while all are held."""
        pause = 0.005
        while True:
            spare = self._spare.get(app_id)
            while spare:
                slot, holder, until = spare.pop()
                if until - now_ms() >= SLOT_LEASE_MS // 2 + extra_ms:
                    return slot, holder, until
                await self._release_slot(app_id, slot, holder)  # too little lease left
            self._holds += 1
            holder = f"{self.owner}:{self._holds}"
            lease_ms = SLOT_LEASE_MS + extra_ms
            taken_at = now_ms()
            found: int | None = None
            try:
                found = await self.store.take_slot(app_id, limit, holder, taken_at, lease_ms)
            except Exception:
                log.exception("taking a webhook request slot failed; retrying in 1 s")
                pause = 1.0
            if found is not None:
                return found, holder, taken_at + lease_ms
            await asyncio.sleep(pause)
            pause = min(pause * 2, SLOT_WAIT_MAX_S)

    async def _put_back(self, app_id: int, held: tuple[int, str, int]) -> None:
        """Keep the slot for a request of the same app waiting here, else give it (and
        any spare ones) back to the store for other processes."""
        if self._waiting.get(app_id, 0) > 0:
            self._spare.setdefault(app_id, []).append(held)
            return
        for slot, holder, _ in [held, *self._spare.pop(app_id, [])]:
            await self._release_slot(app_id, slot, holder)

    async def _release_slot(self, app_id: int, slot: int, holder: str) -> None:
        try:
            await self.store.release_slot(app_id, slot, holder)
        except Exception:  # its lease ends by itself
            log.exception("releasing webhook request slot %s of app %s failed", slot, app_id)

    # -- faults (on=webhooks rules) -------------------------------------------------------

    def _fault(self, events: Sequence[OutboxEvent]) -> tuple[int, FaultRule | None]:
        faults = self.faults
        if faults is None or not any(r.on == WEBHOOKS for r in faults.rules):
            return 0, None
        types: set[str] = set()
        for e in events:
            found = msgspec.json.decode(e.payload).get("subscriptionType")
            if isinstance(found, str):
                types.add(found)
        portals = frozenset(e.portal_id for e in events)
        return faults.delivery_fault(events[0].app_id, portals, frozenset(types))

    def _faulted(self, events: Sequence[OutboxEvent], rule: FaultRule) -> list[AttemptOutcome]:
        """An attempt a fault rule failed without sending anything: as if the endpoint
        answered the rule's status, or (``drop``) refused the connection."""
        error = f"fault {rule.text}"
        if rule.kind == "drop":
            return self._outcomes(events, now_ms(), None, f"connection failed: {error}", 0, None)
        status = 429 if rule.kind.startswith("429") else int(rule.kind)
        retry_after = float(rule.retry_after_s()) if status == 429 else None
        return self._outcomes(events, now_ms(), status, error, 0, retry_after)

    async def _post(
        self, target: _Target, events: Sequence[OutboxEvent], fault: FaultRule | None = None
    ) -> list[AttemptOutcome]:
        assert self._client is not None
        body = request_body(events)
        sent_at = now_ms()
        headers = signature_headers(target.secret, target.url, body, sent_at)
        headers["Content-Type"] = "application/json"
        status: int | None = None
        error: str | None = None
        retry_after: float | None = None
        started = time.perf_counter()
        try:
            response = await self._client.post(target.url, content=body, headers=headers)
            status = response.status_code
            if status == 429:
                retry_after = _retry_after(response.headers.get("retry-after"))
        except httpx.TimeoutException:
            error = f"timeout after {DELIVERY_TIMEOUT_S:g} s"
        except (httpx.HTTPError, OSError) as exc:
            error = f"connection failed: {type(exc).__name__}"
        except Exception as exc:
            # httpcore can raise plain errors (AttributeError) when a peer vanishes
            # mid-request: still a failed attempt to record, not a lost batch.
            log.warning("webhook request to %s failed: %r", target.url, exc)
            error = f"request failed: {type(exc).__name__}"
        seconds = time.perf_counter() - started
        if fault is not None:  # a timeout rule: sent, and the answer is ignored
            status, retry_after = None, None
            error = f"timeout after {DELIVERY_TIMEOUT_S:g} s: fault {fault.text}"
        if self.metrics is not None:
            ok = status is not None and 200 <= status < 300
            self.metrics.requests.labels("delivered" if ok else "failed").inc()
            self.metrics.latency.observe(seconds)
        return self._outcomes(events, sent_at, status, error, int(seconds * 1000), retry_after)

    def _outcomes(
        self,
        events: Sequence[OutboxEvent],
        at_ms: int,
        status: int | None,
        error: str | None,
        latency_ms: int,
        retry_after: float | None,
    ) -> list[AttemptOutcome]:
        delivered = status is not None and 200 <= status < 300
        out = []
        for e in events:
            gave_up = not delivered and e.attempts + 1 >= MAX_ATTEMPTS
            next_at = None
            if not delivered and not gave_up:
                next_at = at_ms + backoff_ms(e.attempts + 1, self.retry_base_ms, retry_after)
            out.append(
                AttemptOutcome(
                    e.event_id,
                    e.attempts,
                    delivered,
                    gave_up,
                    at_ms,
                    status,
                    error,
                    latency_ms,
                    next_at,
                )
            )
        if self.metrics is not None:
            for o in out:
                outcome = "delivered" if o.delivered else "gave_up" if o.gave_up else "retry"
                self.metrics.events.labels(outcome).inc()
        return out


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    with contextlib.suppress(ValueError):
        return max(float(value), 0.0)
    with contextlib.suppress(TypeError, ValueError):
        moment = email.utils.parsedate_to_datetime(value)
        return max(moment.timestamp() - time.time(), 0.0)
    return None


async def start_delivery(
    store: WebhookStore,
    retry_base_ms: int,
    lease_ms: int,
    registry: CollectorRegistry | None,
    *,
    retention_ms: int = DEFAULT_RETENTION_MS,
    faults: Faults | None = None,
) -> DeliveryWorker:
    """Start a worker and have this process's commits wake it."""
    metrics = WebhookMetrics(registry) if registry is not None else None
    worker = DeliveryWorker(
        store,
        retry_base_ms=retry_base_ms,
        lease_ms=lease_ms,
        metrics=metrics,
        retention_ms=retention_ms,
        faults=faults,
    )
    await worker.start()
    store.on_events(worker.wake)
    return worker
