"""The inventory's SQL, written once for both drivers (``?`` placeholders; see ``sql.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from assocdb.domain.inventory import PortalCounts, TokenInfo, token_id
from assocdb.domain.models import Portal

__all__ = [
    "ASSOCIATION_ROWS",
    "OBJECT_ROWS",
    "PORTALS",
    "SCHEMA_VERSION",
    "TOKENS",
    "counts",
    "portal",
    "token_info",
]

PORTALS = "SELECT portal_id, name, created_at_ms FROM portals ORDER BY portal_id"
TOKENS = (
    "SELECT token_hash, scopes, created_at_ms, expires_at_ms, revoked FROM tokens"
    " WHERE portal_id = ? ORDER BY created_at_ms, token_hash"
)
SCHEMA_VERSION = "SELECT coalesce(max(version), 0) FROM schema_migrations"
OBJECT_ROWS = "SELECT portal_id, count(*) FROM objects GROUP BY portal_id"
ASSOCIATION_ROWS = "SELECT portal_id, count(*) FROM associations GROUP BY portal_id"


def portal(row: Sequence[Any]) -> Portal:
    return Portal(int(row[0]), str(row[1]), int(row[2]))


def token_info(row: Sequence[Any]) -> TokenInfo:
    scopes = frozenset(str(row[1]).split())
    expires = None if row[3] is None else int(row[3])
    return TokenInfo(token_id(str(row[0])), scopes, int(row[2]), expires, bool(row[4]))


def counts(
    objects: Iterable[Sequence[Any]], edges: Iterable[Sequence[Any]]
) -> dict[int, PortalCounts]:
    by_portal: dict[int, list[int]] = {}
    for row in objects:
        by_portal.setdefault(int(row[0]), [0, 0])[0] = int(row[1])
    for row in edges:
        # Both directions of a pair are stored, so two rows make one association.
        by_portal.setdefault(int(row[0]), [0, 0])[1] = int(row[1]) // 2
    return {p: PortalCounts(o, a) for p, (o, a) in sorted(by_portal.items())}
