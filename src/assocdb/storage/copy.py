"""``assocdb copy``: move a whole store between backends, table by table, then verify.

Every table is copied as it is, the cursor secret included, so paging cursors handed out
by the source stay valid on the destination.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Protocol

from assocdb.storage.history_sql import HISTORY_COLUMNS

__all__ = ["TABLES", "CopyMismatch", "copy_store"]

Row = tuple[Any, ...]

TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("meta", ("key", "value")),
    (
        "portals",
        ("portal_id", "name", "created_at_ms", "next_object_id", "next_type_id", "rate_limit"),
    ),
    ("tokens", ("token_hash", "portal_id", "scopes", "created_at_ms", "expires_at_ms", "revoked")),
    # Before objects: the search index triggers read unique_properties as records arrive
    # (search_values itself is not copied; the triggers rebuild it).
    (
        "crm_properties",
        (
            "portal_id",
            "object_type",
            "name",
            "definition",
            "created_at_ms",
            "updated_at_ms",
            "archived_at_ms",
        ),
    ),
    (
        "crm_property_groups",
        ("portal_id", "object_type", "name", "label", "display_order", "archived"),
    ),
    ("unique_properties", ("portal_id", "object_type", "name")),
    (
        "objects",
        ("portal_id", "object_type", "object_id", "properties", "created_at_ms", "updated_at_ms"),
    ),
    (
        "archived_objects",
        (
            "portal_id",
            "object_type",
            "object_id",
            "properties",
            "created_at_ms",
            "updated_at_ms",
            "archived_at_ms",
        ),
    ),
    ("property_history", HISTORY_COLUMNS),
    # ``is_primary`` is copied as is: the destination's unique index (migrations 0006)
    # holds one Primary per record and side again.
    (
        "associations",
        ("portal_id", "from_type", "from_id", "to_type", "to_id", "types", "is_primary"),
    ),
    (
        "labels",
        (
            "portal_id",
            "from_type",
            "to_type",
            "category",
            "type_id",
            "name",
            "label",
            "inverse_type_id",
        ),
    ),
    ("limits", ("portal_id", "from_type", "to_type", "category", "type_id", "max_to_object_ids")),
    # CRM configuration and merges (issue 13).
    ("crm_counters", ("portal_id", "name", "next_value")),
    (
        "owners",
        (
            "portal_id",
            "owner_id",
            "user_id",
            "email",
            "email_key",
            "first_name",
            "last_name",
            "archived",
            "created_at_ms",
            "updated_at_ms",
            "teams",
        ),
    ),
    ("owner_teams", ("portal_id", "team_id", "name_key", "name")),
    ("pipelines", ("portal_id", "object_type", "pipeline_id", "body")),
    (
        "pipeline_audits",
        (
            "portal_id",
            "object_type",
            "seq",
            "pipeline_id",
            "stage_id",
            "action",
            "at_ms",
            "body",
        ),
    ),
    ("custom_schemas", ("portal_id", "type_id", "name_key", "archived", "body")),
    (
        "merged_objects",
        ("portal_id", "object_type", "merged_id", "primary_id", "merged_at_ms"),
    ),
)


class CopyMismatch(Exception):
    """The destination's row counts differ from the source's after a copy."""


class Copyable(Protocol):
    """What both backends offer for bulk copies (not part of the domain's Store)."""

    def export_rows(
        self, table: str, columns: Sequence[str], chunk: int
    ) -> AsyncIterator[list[Row]]: ...

    async def import_rows(self, table: str, columns: Sequence[str], rows: list[Row]) -> None: ...

    async def count_rows(self, table: str) -> int: ...

    async def analyze(self) -> None:
        """Refresh the planner's statistics after a bulk load."""
        ...


async def copy_store(
    source: Copyable,
    destination: Copyable,
    progress: Callable[[str, int, int], None],
    *,
    chunk: int = 5000,
) -> dict[str, int]:
    """Copy every table; ``progress(table, done, total)`` after each chunk. The destination
    must hold no portal yet. Returns the verified row count of each table."""
    if await destination.count_rows("portals"):
        raise ValueError("the destination already holds portals; copy into an empty store")
    totals = {table: await source.count_rows(table) for table, _ in TABLES}
    for table, columns in TABLES:
        done = 0
        progress(table, done, totals[table])
        async for rows in source.export_rows(table, columns, chunk):
            await destination.import_rows(table, columns, rows)
            done += len(rows)
            progress(table, done, totals[table])
    await destination.analyze()
    for table, _ in TABLES:
        copied = await destination.count_rows(table)
        if copied != totals[table]:
            raise CopyMismatch(f"{table}: {totals[table]} rows in the source, {copied} copied")
    return totals
