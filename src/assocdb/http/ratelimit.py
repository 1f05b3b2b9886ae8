"""HubSpot's rate limits per portal: a rolling 10-second window and a daily budget.

Counting uses the ``limits`` library: a moving window for the ten seconds (HubSpot's
``TEN_SECONDLY_ROLLING`` policy) and a counter keyed by the UTC date for the day
(HubSpot resets at midnight in the account's time zone; portals here have none, so UTC).
Counters live in memory (one worker) or in Redis (``--rate-limit-storage redis://...``),
where every worker and host shares them.

The policy of a portal is its own (``assocdb portal set-rate-limit``), else the server's
``--rate-limit``. Portals' own policies are read at the first request and re-read every few
seconds in the background, so the request path is one dict lookup when limiting is off.

All assocdb tokens are private-app style (``pat-na1-...``): limits are per portal and the
daily headers are always sent (HubSpot leaves them out only for OAuth calls).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import time
from dataclasses import dataclass
from typing import Protocol

import limits.storage
import limits.strategies
import msgspec
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerSecond, WindowStats
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.responses import Response

from assocdb.domain.ratelimit import WINDOW_MS, RatePolicy, parse_policy
from assocdb.domain.store import Store
from assocdb.errors import ServiceUnavailable
from assocdb.http.errors import CORRELATION_HEADER, JSON_UTF8

__all__ = ["Budget", "RateLimited", "RateLimiter", "check_storage", "storage_uri"]

log = logging.getLogger("assocdb")

REFRESH_S = 5.0
"""How soon a change made with ``assocdb portal set-rate-limit`` reaches a running server."""

# Short timeouts: a Redis that does not answer must not hold requests (see ``admit``).
_REDIS_OPTIONS: dict[str, float | str | bool] = {
    "implementation": "redispy",
    "socket_timeout": 0.5,
    "socket_connect_timeout": 0.5,
}
_WARN_EVERY_S = 10.0

_TEN_SECONDLY = "TEN_SECONDLY_ROLLING"
_DAILY = "DAILY"
_SECONDLY = "SECONDLY"
SEARCH_PER_SECOND = 5


@dataclass(frozen=True, slots=True)
class Budget:
    """What is left of a portal's budgets (the explorer shows it draining)."""

    policy: RatePolicy
    window_remaining: int
    daily_used: int


class RateLimitBody(msgspec.Struct, omit_defaults=False):
    """HubSpot's 429 body, with both ``errorType`` and ``category``.

    HubSpot: https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
    https://github.com/HubSpot/hubspot-api-nodejs/issues/416
    """

    status: str
    message: str
    errorType: str
    category: str
    policyName: str
    correlationId: str
    requestId: str


_encoder = msgspec.json.Encoder()


class RateLimited(Exception):
    """A request over its portal's budget; ``response`` is HubSpot's 429."""

    def __init__(self, policy_name: str, retry_after_s: int, headers: dict[str, str]) -> None:
        super().__init__(policy_name)
        self.policy_name = policy_name
        self.retry_after_s = retry_after_s
        self.headers = headers

    def response(self, correlation_id: str) -> Response:
        kind = self.policy_name.lower()  # ten_secondly_rolling, daily, secondly (search)
        body = RateLimitBody(
            status="error",
            message=f"You have reached your {kind} limit.",
            errorType="RATE_LIMIT",
            category="RATE_LIMITS",
            policyName=self.policy_name,
            correlationId=correlation_id,
            requestId=correlation_id,
        )
        return Response(
            _encoder.encode(body),
            status_code=429,
            media_type=JSON_UTF8,
            headers={
                CORRELATION_HEADER: correlation_id,
                "Retry-After": str(self.retry_after_s),
                **self.headers,
            },
        )


def storage_uri(text: str) -> str:
    """``memory://``, ``redis://host:port[/db]`` (or ``rediss://``) as a ``limits`` URI."""
    if text.startswith("async+"):
        return text
    return f"async+{text}"


async def check_storage(text: str) -> None:
    """Raise ``ValueError`` unless the counter storage answers (a Redis ``PING``)."""
    uri = storage_uri(text)
    if not uri.startswith("async+redis"):
        return
    try:
        storage = storage_from_string(uri, **_REDIS_OPTIONS)
        assert isinstance(storage, Storage)
        healthy = await storage.check()
    except Exception as exc:
        raise ValueError(f"cannot use --rate-limit-storage {text}: {exc}") from None
    if not healthy:
        raise ValueError(f"cannot reach --rate-limit-storage {text}")


class _Counters(Protocol):
    async def hit(self, item: RateLimitItem, key: str) -> bool: ...

    async def window(self, item: RateLimitItem, key: str) -> WindowStats: ...

    async def get(self, key: str) -> int: ...

    async def window_and_incr(
        self, item: RateLimitItem, key: str, counter: str, expiry: int
    ) -> tuple[WindowStats, int]:
        """The window's stats and the counter incremented, at once."""
        ...


class _MemoryCounters:
    """``limits``' synchronous memory storage: a lock, no awaits, no thread hops (its
    asyncio variant hands work to threads and costs ~50x more per request)."""

    def __init__(self) -> None:
        self.storage = limits.storage.MemoryStorage()
        self.moving = limits.strategies.MovingWindowRateLimiter(self.storage)

    async def hit(self, item: RateLimitItem, key: str) -> bool:
        return self.moving.hit(item, key)

    async def window(self, item: RateLimitItem, key: str) -> WindowStats:
        return self.moving.get_window_stats(item, key)

    async def get(self, key: str) -> int:
        return self.storage.get(key)

    async def window_and_incr(
        self, item: RateLimitItem, key: str, counter: str, expiry: int
    ) -> tuple[WindowStats, int]:
        return self.moving.get_window_stats(item, key), self.storage.incr(counter, expiry)


class _SharedCounters:
    """An asyncio ``limits`` storage (Redis): counters shared by workers and hosts."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.moving = MovingWindowRateLimiter(storage)

    async def hit(self, item: RateLimitItem, key: str) -> bool:
        return await self.moving.hit(item, key)

    async def window(self, item: RateLimitItem, key: str) -> WindowStats:
        return await self.moving.get_window_stats(item, key)

    async def get(self, key: str) -> int:
        return await self.storage.get(key)

    async def window_and_incr(
        self, item: RateLimitItem, key: str, counter: str, expiry: int
    ) -> tuple[WindowStats, int]:
        # Two round trips per request in all: this pair goes out together.
        stats, count = await asyncio.gather(
            self.moving.get_window_stats(item, key), self.storage.incr(counter, expiry)
        )
        return stats, count


class RateLimiter:
    """Admits or refuses one authenticated request per call of :meth:`admit`."""

    def __init__(self, default: str, storage: str, store: Store, *, fail: str = "open") -> None:
        self._default = parse_policy(default)
        self._fail_closed = fail == "closed"
        self._store = store
        self._storage_text = storage
        self._store_counters: _Counters | None = None
        self._portal_text: dict[int, str] = {}
        self._portal_policy: dict[int, RatePolicy | None] = {}
        self._loaded_at: float | None = None
        self._refreshing: asyncio.Task[None] | None = None
        self._warned_at = -_WARN_EVERY_S

    def _counters(self) -> _Counters:
        if self._store_counters is None:
            uri = storage_uri(self._storage_text)
            if uri.startswith("async+memory"):
                self._store_counters = _MemoryCounters()
            else:
                options: dict[str, float | str | bool] = {}
                if uri.startswith("async+redis"):
                    options.update(_REDIS_OPTIONS)
                storage = storage_from_string(uri, **options)
                assert isinstance(storage, Storage)
                self._store_counters = _SharedCounters(storage)
        return self._store_counters

    async def _load(self) -> None:
        try:
            texts = await self._store.list_portal_rate_limits()
        except Exception as exc:  # keep the last known policies; try again later
            log.warning("could not read portals' rate limits: %s", exc)
            return
        policies: dict[int, RatePolicy | None] = {}
        for portal_id, text in texts.items():
            try:
                policies[portal_id] = parse_policy(text)
            except Exception:
                log.warning("portal %s has an invalid rate limit %r; ignored", portal_id, text)
        self._portal_text = texts
        self._portal_policy = policies

    async def _refresh(self) -> None:
        try:
            await self._load()
        finally:
            self._loaded_at = time.monotonic()
            self._refreshing = None

    async def policy_for(self, portal_id: int) -> RatePolicy | None:
        now = time.monotonic()
        if self._loaded_at is None:
            await self._load()
            self._loaded_at = now
        elif now - self._loaded_at > REFRESH_S and self._refreshing is None:
            self._refreshing = asyncio.create_task(self._refresh())
        if portal_id in self._portal_policy:
            return self._portal_policy[portal_id]
        return self._default

    async def admit(self, portal_id: int) -> dict[str, str] | None:
        """The rate-limit headers for this request, None if the portal is not limited;
        raises :class:`RateLimited` when it is over a budget.

        If the counters cannot be reached (Redis down) the request is let through without
        headers and a warning is logged at most every 10 s: a broken counter store must not
        turn into 500s for every client [inferred]. With ``fail="closed"``
        (``--rate-limit-fail closed``) it gets a 503 instead: no request goes uncounted."""
        policy = await self.policy_for(portal_id)
        if policy is None:
            return None
        try:
            return await self._count(portal_id, policy)
        except RateLimited:
            raise
        except Exception as exc:
            now = time.monotonic()
            if now - self._warned_at > _WARN_EVERY_S:
                self._warned_at = now
                verb = "refusing requests (503)" if self._fail_closed else "skipped"
                log.warning("rate limiting %s, counters unreachable: %r", verb, exc)
            if self._fail_closed:
                raise ServiceUnavailable(
                    "Rate limiting is unavailable, so requests are refused. Retry in a few"
                    " seconds.",
                    sub_category="assocdb.RATE_LIMIT_UNAVAILABLE",
                ) from None
            return None

    async def _count(self, portal_id: int, policy: RatePolicy) -> dict[str, str]:
        counters = self._counters()
        key = str(portal_id)
        window = RateLimitItemPerSecond(policy.per_ten_seconds, 10, namespace="assocdb-10s")
        daily = RateLimitItemPerDay(policy.per_day, 1, namespace="assocdb-day")
        daily_key = daily.key_for(key, dt.datetime.now(dt.UTC).date().isoformat())
        if not await counters.hit(window, key):
            stats = await counters.window(window, key)
            used_today = await counters.get(daily_key)
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            headers = _headers(policy, 0, policy.per_day - used_today)
            raise RateLimited(_TEN_SECONDLY, retry_after, headers)
        stats, used_today = await counters.window_and_incr(
            window, key, daily_key, daily.get_expiry()
        )
        if used_today > policy.per_day:
            raise RateLimited(
                _DAILY, _seconds_to_utc_midnight(), _headers(policy, stats.remaining, 0)
            )
        return _headers(policy, stats.remaining, policy.per_day - used_today)

    async def admit_search(self, portal_id: int) -> None:
        """HubSpot's own cap of the search endpoints: 5 requests per second per account,
        counted apart from the 10-second budget (the search guide's limitations,
        https://developers.hubspot.com/docs/guides/api/crm/search). Over it: a 429 with
        ``policyName: SECONDLY`` and no budget headers (HubSpot's search answers omit
        them, a community report: https://community.hubspot.com/t5/Developer-Announcements/Rate-limit-headers-will-now-appear-for-OAuth-authenticated-calls/m-p/399520).
        Only when the portal is rate limited at all."""
        if await self.policy_for(portal_id) is None:
            return
        item = RateLimitItemPerSecond(SEARCH_PER_SECOND, 1, namespace="assocdb-search")
        try:
            admitted = await self._counters().hit(item, str(portal_id))
        except Exception as exc:  # unreachable counters: let it through, as admit does
            log.warning("search rate limiting skipped, counters unreachable: %r", exc)
            return
        if not admitted:
            raise RateLimited(_SECONDLY, 1, {})

    async def budget(self, portal_id: int) -> Budget | None:
        """The portal's remaining budgets without counting a request; None: not limited."""
        policy = await self.policy_for(portal_id)
        if policy is None:
            return None
        window = RateLimitItemPerSecond(policy.per_ten_seconds, 10, namespace="assocdb-10s")
        stats = await self._counters().window(window, str(portal_id))
        return Budget(policy, stats.remaining, await self._used_today(policy, portal_id))

    async def daily_usage(self, portal_id: int) -> tuple[RatePolicy, int] | None:
        """The portal's policy and the calls it made today (UTC), None when it is not
        limited (nothing is counted then); ``GET /account-info/v3/api-usage/daily``."""
        policy = await self.policy_for(portal_id)
        if policy is None:
            return None
        return policy, await self._used_today(policy, portal_id)

    async def _used_today(self, policy: RatePolicy, portal_id: int) -> int:
        """Calls counted against the portal's daily budget today (UTC)."""
        daily = RateLimitItemPerDay(policy.per_day, 1, namespace="assocdb-day")
        key = daily.key_for(str(portal_id), dt.datetime.now(dt.UTC).date().isoformat())
        used: int = await self._counters().get(key)
        return used

    async def close(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()
            with contextlib.suppress(BaseException):
                await self._refreshing


def _headers(policy: RatePolicy, remaining: int, daily_remaining: int) -> dict[str, str]:
    return {
        "X-HubSpot-RateLimit-Max": str(policy.per_ten_seconds),
        "X-HubSpot-RateLimit-Remaining": str(max(0, remaining)),
        "X-HubSpot-RateLimit-Interval-Milliseconds": str(WINDOW_MS),
        "X-HubSpot-RateLimit-Daily": str(policy.per_day),
        "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, daily_remaining)),
    }


def _seconds_to_utc_midnight() -> int:
    now = dt.datetime.now(dt.UTC)
    tomorrow = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, math.ceil((tomorrow - now).total_seconds()))
