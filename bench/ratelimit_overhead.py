"""What rate limiting costs per request: ``RateLimiter.admit`` timed in-process.

    python bench/ratelimit_overhead.py [--redis redis://127.0.0.1:6379]

Off (the default) must cost nothing measurable next to a request (~1 ms over HTTP): it is
one dict lookup. On, the memory counters cost a few microseconds; Redis costs round trips.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import time


class _NoPolicies:
    async def list_portal_rate_limits(self) -> dict[int, str]:
        return {}


async def per_call_us(policy: str, storage: str, calls: int) -> float:
    from assocdb.http.ratelimit import RateLimited, RateLimiter

    limiter = RateLimiter(policy, storage, _NoPolicies())  # type: ignore[arg-type]
    portals = [random.randrange(10**12, 10**13) for _ in range(2000)]  # fresh keys
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for i in range(calls):
            with contextlib.suppress(RateLimited):
                await limiter.admit(portals[i % len(portals)])
        rounds.append((time.perf_counter() - started) / calls * 1e6)
    await limiter.close()
    return statistics.median(rounds)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default=None, help="also time Redis counters")
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    off = await per_call_us("off", "memory://", args.calls * 10)
    print(f"off:            {off:8.2f} µs per request")
    memory = await per_call_us("professional", "memory://", args.calls)
    print(f"on, memory://:  {memory:8.2f} µs per request")
    if args.redis:
        redis = await per_call_us("professional", args.redis, args.calls // 10)
        print(f"on, {args.redis}: {redis:8.2f} µs per request")


if __name__ == "__main__":
    asyncio.run(main())
