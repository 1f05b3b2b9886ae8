"""Tokens and scopes.

Tokens look like HubSpot private-app tokens (``pat-na1-<uuid>``) and are stored only as
their SHA-256 digest: they are 122 random bits, so a fast hash is enough and a database
leak reveals no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assocdb.domain.models import TokenRecord
from assocdb.domain.store import AuthStore
from assocdb.errors import ErrorDetail, InvalidAuthentication, MissingScopes, ValidationError

__all__ = [
    "ALL_SCOPES",
    "MAX_TOKEN_LIFETIME_S",
    "TOKEN_CACHE_TTL_S",
    "Principal",
    "TokenCache",
    "authenticate",
    "hash_token",
    "issue_token",
    "parse_scopes",
    "require_any",
]

ALL_SCOPES = "*"
"""Stored for ``--scopes all``: grants every scope."""

_SCOPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")

# HubSpot's texts: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
# and https://developers.hubspot.com/docs/methods/auth/oauth-overview
_NO_CREDENTIALS = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
_BAD_CREDENTIALS = (
    "The OAuth token used to make this call expired or is invalid. Check that the token is "
    "valid and has not been revoked, and that it belongs to this portal."
)
_MISSING_SCOPES = (
    "This app hasn't been granted all required scopes to make this call. Read more about "
    "required scopes here: https://developers.hubspot.com/scopes."
)


@dataclass(frozen=True, slots=True)
class Principal:
    portal_id: int
    scopes: frozenset[str]

    def has_any(self, scopes: Iterable[str]) -> bool:
        return ALL_SCOPES in self.scopes or not self.scopes.isdisjoint(scopes)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return f"pat-na1-{uuid.uuid4()}"


def parse_scopes(text: str) -> frozenset[str]:
    """``all`` or a comma-separated list of scope names; any HubSpot scope name is accepted."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise ValidationError("At least one scope is required (or 'all').")
    if names == ["all"]:
        return frozenset({ALL_SCOPES})
    bad = [n for n in names if not _SCOPE.fullmatch(n)]
    if bad:
        raise ValidationError(f"Invalid scope name: {bad[0]!r}")
    return frozenset(names)


MAX_TOKEN_LIFETIME_S = 100 * 365 * 86400
"""Token lifetimes above 100 years are refused (an expiry must fit int64 milliseconds)."""


async def issue_token(
    store: AuthStore,
    portal_id: int,
    scopes: frozenset[str],
    now_ms: int,
    expires_at_ms: int | None = None,
) -> str:
    """Create a token for a portal; the clear text is returned once and never stored."""
    if await store.get_portal(portal_id) is None:
        raise ValidationError(f"Portal {portal_id} does not exist.")
    token = new_token()
    await store.add_token(TokenRecord(hash_token(token), portal_id, scopes, now_ms, expires_at_ms))
    return token


TOKEN_CACHE_TTL_S = 1.0
"""How long a worker trusts a token record it has read: a token revoked in another process
(``assocdb token revoke``) is refused by every worker within this time."""


class TokenCache:
    """Token records by digest, each trusted for ``ttl_s`` seconds after it was read.

    Every request authenticates, and reading the token row cost a database round trip
    (on SQLite a hop to a reader thread) per request. Only tokens that exist are kept —
    an unknown token is looked up every time, as before — and at most ``max_entries`` of
    them (the oldest read goes first), so the cache is bounded whatever clients send.
    Expiry is not cached: it is checked against the clock on every request.
    """

    def __init__(
        self,
        *,
        ttl_s: float = TOKEN_CACHE_TTL_S,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[TokenRecord, float]] = {}

    async def find(self, store: AuthStore, digest: str) -> TokenRecord | None:
        now = self._clock()
        hit = self._entries.get(digest)
        if hit is not None and now - hit[1] < self.ttl_s:
            return hit[0]
        record = await store.find_token(digest)
        self._entries.pop(digest, None)  # re-inserted last: dict order is read order
        if record is not None:
            if len(self._entries) >= self.max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[digest] = (record, now)
        return record

    def forget(self, digest: str) -> None:
        """Drop one token at once (a revocation made by this process)."""
        self._entries.pop(digest, None)


async def authenticate(
    store: AuthStore, authorization: str | None, now_ms: int, cache: TokenCache | None = None
) -> Principal:
    """The principal behind an ``Authorization: Bearer`` header, or a 401."""
    if not authorization:
        raise InvalidAuthentication(_NO_CREDENTIALS)
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise InvalidAuthentication(_NO_CREDENTIALS)
    digest = hash_token(token)
    record = await (cache.find(store, digest) if cache is not None else store.find_token(digest))
    # The lookup is by digest, so timing reveals nothing about the clear-text token; the
    # digest is compared once more in constant time so no backend's lookup is trusted alone.
    if record is None or record.revoked or not hmac.compare_digest(record.token_hash, digest):
        raise InvalidAuthentication(_BAD_CREDENTIALS)
    if record.expires_at_ms is not None and record.expires_at_ms <= now_ms:
        raise InvalidAuthentication(_BAD_CREDENTIALS)
    return Principal(record.portal_id, record.scopes)


def require_any(principal: Principal, scopes: tuple[str, ...]) -> None:
    """403 MISSING_SCOPES unless the principal holds one of ``scopes``.

    HubSpot: https://developers.hubspot.com/docs/guides/api/crm/using-object-apis
    https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes
    """
    if principal.has_any(scopes):
        return
    raise MissingScopes(
        _MISSING_SCOPES,
        errors=(
            ErrorDetail(
                "One or more of the following scopes are required.",
                context={"requiredGranularScopes": list(scopes)},
            ),
        ),
        links={"scopes": "https://developers.hubspot.com/scopes"},
    )
