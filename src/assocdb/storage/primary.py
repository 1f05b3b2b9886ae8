"""The ``is_primary`` flag of an edge row, which the schema's unique index holds to one per
record and side (migrations 0006, docs/transactions.md).

A contact has at most one Primary company (HUBSPOT_DEFINED 1), a deal one (5), a ticket
one (26): https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
The flag is set on the row whose type set holds such a type for its own direction
(``DefinedType.one_per_from``); the inverse row (company → contact 2) is written in the
same statement batch and carries no flag, so one index on the from side holds both.

Both SQLite and PostgreSQL check a unique index row by row, so an old Primary must be
cleared before a new one is set: SQLite writes a record's rows without the flag before its
flagged ones (keeping key order otherwise); PostgreSQL writes them in two statements
(``split_flagged``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypeVar

from assocdb.domain.models import TypeSet
from assocdb.domain.registry import Category, TypeKey, defined_pair

__all__ = ["PRIMARY_INDEX", "flagger", "primary_types", "split_flagged"]

T = TypeVar("T", bound=tuple[Any, ...])

PRIMARY_INDEX = "associations_primary"
"""The partial unique index's name (migrations 0006), as storage/unique.py recognises it."""


@lru_cache(maxsize=1024)
def primary_types(from_type: str, to_type: str) -> frozenset[TypeKey]:
    """The types that make an edge from ``from_type`` to ``to_type`` its record's Primary."""
    pair = defined_pair(from_type, to_type)
    if pair is None:
        return frozenset()
    return frozenset(
        (int(Category.HUBSPOT_DEFINED), t.type_id) for t in pair.types.values() if t.one_per_from
    )


def flagger(from_type: str, to_type: str) -> _Flag | None:
    """``is_primary`` for the type sets of rows from ``from_type`` to ``to_type``; None
    when no row of that direction can have it (most pairs, and every inverse direction),
    so a bulk write skips the per-row test."""
    keys = primary_types(from_type, to_type)
    return _Flag(keys) if keys else None


def split_flagged(rows: list[T], flag: int, possible: bool) -> tuple[list[T], list[T]]:
    """``rows`` without and with the flag at index ``flag``: written in that order, so an
    old Primary is cleared before a new one is set."""
    if not possible:
        return rows, []
    return [r for r in rows if not r[flag]], [r for r in rows if r[flag]]


class _Flag:
    """Callable: True when a type set holds one of the pair's Primary types (memoised per
    set: a write holds few distinct sets)."""

    __slots__ = ("_keys", "_memo")

    def __init__(self, keys: frozenset[TypeKey]) -> None:
        self._keys = keys
        self._memo: dict[TypeSet, bool] = {}

    def __call__(self, types: TypeSet) -> bool:
        found = self._memo.get(types)
        if found is None:
            found = self._memo[types] = any(k in self._keys for k in types)
        return found
