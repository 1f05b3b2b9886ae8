"""Tokens and scopes.

Tokens look like HubSpot private-app tokens (``pat-na1-<uuid>``) and are stored only as
their SHA-256 digest: they are 122 random bits, so a fast hash is enough and a database
leak reveals no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from assocdb.domain.models import TokenRecord
from assocdb.domain.store import Store
from assocdb.errors import ErrorDetail, InvalidAuthentication, MissingScopes, ValidationError

__all__ = [
    "ALL_SCOPES",
    "MAX_TOKEN_LIFETIME_S",
    "Principal",
    "authenticate",
    "hash_token",
    "issue_token",
    "parse_scopes",
    "require_any",
]

ALL_SCOPES = "*"
"""Stored for ``--scopes all``: grants every scope."""

_SCOPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")

# HubSpot's texts (reference section 5).
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
    store: Store,
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


async def authenticate(store: Store, authorization: str | None, now_ms: int) -> Principal:
    """The principal behind an ``Authorization: Bearer`` header, or a 401."""
    if not authorization:
        raise InvalidAuthentication(_NO_CREDENTIALS)
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise InvalidAuthentication(_NO_CREDENTIALS)
    digest = hash_token(token)
    record = await store.find_token(digest)
    # The lookup is by digest, so timing reveals nothing about the clear-text token; the
    # digest is compared once more in constant time so no backend's lookup is trusted alone.
    if record is None or record.revoked or not hmac.compare_digest(record.token_hash, digest):
        raise InvalidAuthentication(_BAD_CREDENTIALS)
    if record.expires_at_ms is not None and record.expires_at_ms <= now_ms:
        raise InvalidAuthentication(_BAD_CREDENTIALS)
    return Principal(record.portal_id, record.scopes)


def require_any(principal: Principal, scopes: tuple[str, ...]) -> None:
    """403 MISSING_SCOPES unless the principal holds one of ``scopes`` (reference 5, 8)."""
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
