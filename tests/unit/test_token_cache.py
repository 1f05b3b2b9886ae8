"""The per-worker token cache: what it keeps, for how long, and what it never keeps."""

from __future__ import annotations

import asyncio

import pytest

from assocdb.domain.auth import TokenCache, authenticate, hash_token
from assocdb.domain.models import TokenRecord
from assocdb.errors import InvalidAuthentication


class FakeTokens:
    """Just ``find_token``, counting reads, with records the test changes at will."""

    def __init__(self) -> None:
        self.records: dict[str, TokenRecord] = {}
        self.reads = 0

    async def find_token(self, digest: str) -> TokenRecord | None:
        self.reads += 1
        return self.records.get(digest)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


TOKEN = "pat-na1-00000000-0000-4000-8000-000000000001"
DIGEST = hash_token(TOKEN)


def record(*, revoked: bool = False, expires_at_ms: int | None = None) -> TokenRecord:
    return TokenRecord(DIGEST, 7, frozenset({"*"}), 0, expires_at_ms, revoked)


def run(store: FakeTokens, cache: TokenCache, now_ms: int = 1_000) -> int:
    async def go() -> int:
        principal = await authenticate(store, f"Bearer {TOKEN}", now_ms, cache)  # type: ignore[arg-type]
        return principal.portal_id

    return asyncio.run(go())


def test_a_token_is_read_once_per_ttl() -> None:
    store, clock = FakeTokens(), Clock()
    store.records[DIGEST] = record()
    cache = TokenCache(ttl_s=1.0, clock=clock)
    assert [run(store, cache) for _ in range(5)] == [7] * 5
    assert store.reads == 1
    clock.now += 1.0
    assert run(store, cache) == 7
    assert store.reads == 2


def test_a_revocation_elsewhere_is_seen_once_the_ttl_has_passed() -> None:
    store, clock = FakeTokens(), Clock()
    store.records[DIGEST] = record()
    cache = TokenCache(ttl_s=1.0, clock=clock)
    run(store, cache)
    store.records[DIGEST] = record(revoked=True)  # `assocdb token revoke` in another process
    clock.now += 0.5
    assert run(store, cache) == 7  # still trusted: within the TTL
    clock.now += 0.5
    with pytest.raises(InvalidAuthentication):
        run(store, cache)


def test_expiry_is_checked_on_every_request_not_cached() -> None:
    store, clock = FakeTokens(), Clock()
    store.records[DIGEST] = record(expires_at_ms=2_000)
    cache = TokenCache(ttl_s=60.0, clock=clock)
    assert run(store, cache, now_ms=1_999) == 7
    with pytest.raises(InvalidAuthentication):
        run(store, cache, now_ms=2_000)
    assert store.reads == 1


def test_forget_drops_a_token_at_once() -> None:
    store, clock = FakeTokens(), Clock()
    store.records[DIGEST] = record()
    cache = TokenCache(ttl_s=60.0, clock=clock)
    run(store, cache)
    store.records[DIGEST] = record(revoked=True)
    cache.forget(DIGEST)
    with pytest.raises(InvalidAuthentication):
        run(store, cache)


def test_unknown_tokens_are_not_kept_and_the_cache_is_bounded() -> None:
    store, clock = FakeTokens(), Clock()
    cache = TokenCache(ttl_s=60.0, max_entries=3, clock=clock)
    for _ in range(3):
        with pytest.raises(InvalidAuthentication):
            run(store, cache)
    assert store.reads == 3  # a token that does not exist is looked up every time

    async def fill() -> None:
        for n in range(10):
            digest = f"{n:064x}"
            store.records[digest] = TokenRecord(digest, n, frozenset(), 0, None, False)
            await cache.find(store, digest)  # type: ignore[arg-type]

    asyncio.run(fill())
    assert len(cache._entries) == 3
    assert list(cache._entries) == [f"{n:064x}" for n in (7, 8, 9)]
