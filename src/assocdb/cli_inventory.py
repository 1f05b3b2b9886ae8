"""Texts that tell a user where they are: ``portal list``, ``token list``, ``status`` and
the start-up summary of ``serve``. Tokens appear by id only, never by value."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from assocdb.domain.inventory import InventoryStore, PortalCounts
from assocdb.domain.store import Store
from assocdb.storage import mask_url, parse_db_url

__all__ = ["portal_list", "serve_summary", "status", "token_list"]

SERVE_PORTALS_SHOWN = 10
"""``serve`` names at most this many portals; ``assocdb portal list`` shows them all."""


def _inventory(store: Store) -> InventoryStore:
    assert isinstance(store, InventoryStore), "every backend implements the inventory port"
    return cast(InventoryStore, store)


def _when(ms: int | None) -> str:
    if ms is None:
        return "never"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    head = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    return "\n".join(line.rstrip() for line in [head, *lines])


def _describe(url: str) -> str:
    kind = "PostgreSQL" if parse_db_url(url).kind == "postgres" else "SQLite"
    return f"{mask_url(url)} ({kind})"


def _first_steps(url: str) -> str:
    db = shlex.quote(mask_url(url))
    return "\n".join(
        [
            "No portals yet. Create one and a token for it:",
            f"  assocdb portal create --db {db} --id 777 --name 'my portal'",
            f"  assocdb token create --db {db} --portal 777 --scopes all",
            "(or start with 'assocdb serve --demo' for a demo portal with data and a token)",
        ]
    )


async def portal_list(store: Store) -> str:
    inventory = _inventory(store)
    portals = await inventory.list_portals()
    if not portals:
        return "No portals."
    counts = await inventory.portal_counts()
    rows = []
    for p in portals:
        tokens = await inventory.list_token_infos(p.portal_id)
        live = sum(1 for t in tokens if not t.revoked)
        c = counts.get(p.portal_id, PortalCounts(0, 0))
        rows.append(
            [
                str(p.portal_id),
                p.name or "-",
                _when(p.created_at_ms),
                str(live),
                str(c.objects),
                str(c.associations),
            ]
        )
    header = ["PORTAL", "NAME", "CREATED", "TOKENS", "OBJECTS", "ASSOCIATIONS"]
    return _table(header, rows)


async def token_list(store: Store, portal_id: int) -> str:
    inventory = _inventory(store)
    if await store.get_portal(portal_id) is None:
        raise ValueError(f"Portal {portal_id} does not exist.")
    tokens = await inventory.list_token_infos(portal_id)
    if not tokens:
        return f"Portal {portal_id} has no tokens."
    rows = [
        [
            t.token_id,
            "all" if "*" in t.scopes else ",".join(sorted(t.scopes)),
            _when(t.created_at_ms),
            _when(t.expires_at_ms),
            "yes" if t.revoked else "no",
        ]
        for t in tokens
    ]
    return _table(["ID", "SCOPES", "CREATED", "EXPIRES", "REVOKED"], rows)


async def status(store: Store, url: str) -> str:
    inventory = _inventory(store)
    version = await inventory.schema_version()
    portals = await inventory.list_portals()
    lines = [f"Database: {_describe(url)}", f"Schema version: {version}"]
    if not portals:
        return "\n".join([*lines, _first_steps(url)])
    lines.append(f"Portals: {len(portals)}")
    lines.append(await portal_list(store))
    return "\n".join(lines)


async def serve_summary(store: Store, url: str) -> str:
    """What ``serve`` prints before it starts: the database and its portals, or the two
    commands that create a first portal and token."""
    inventory = _inventory(store)
    portals = await inventory.list_portals()
    head = f"Database: {_describe(url)}"
    if not portals:
        return "\n".join([head, _first_steps(url)])
    shown = ", ".join(
        f"{p.portal_id}" + (f" ({p.name})" if p.name else "") for p in portals[:SERVE_PORTALS_SHOWN]
    )
    more = len(portals) - SERVE_PORTALS_SHOWN
    tail = f" and {more} more (assocdb portal list)" if more > 0 else ""
    return f"{head}\nPortals: {shown}{tail}"
