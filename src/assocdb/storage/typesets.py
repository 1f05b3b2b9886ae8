"""The compact text form of an edge's type set, shared by every backend.

``"0:1,0:279,1:28"`` is HUBSPOT_DEFINED 1 and 279 plus USER_DEFINED 28. One narrow text
column per edge keeps the read path to one row per associated record; parsing is
memoised because a store holds few distinct type sets.
"""

from __future__ import annotations

from functools import lru_cache

from assocdb.domain.models import TypeSet

__all__ = ["decode_types", "encode_types"]


@lru_cache(maxsize=4096)
def encode_types(types: TypeSet) -> str:
    return ",".join(f"{category}:{type_id}" for category, type_id in sorted(set(types)))


@lru_cache(maxsize=4096)
def decode_types(text: str) -> TypeSet:
    pairs = (item.split(":") for item in text.split(","))
    return tuple((int(c), int(t)) for c, t in pairs)
