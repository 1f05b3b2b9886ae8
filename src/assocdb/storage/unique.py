"""A write refused by the search index's unique index becomes HubSpot's 409.

The index (``search_values_unique``, migrations 0011) guards the values of unique
properties (contact ``email``, ``hasUniqueValue`` properties) inside the writing
transaction, so two concurrent writers cannot both store one value. Any other integrity
failure is re-raised unchanged: it is a bug, not a client error.
"""

from __future__ import annotations

from assocdb.errors import Conflict

__all__ = ["duplicate_value"]

_INDEX_MARKERS = ("search_values_unique", "search_values.")


def duplicate_value(exc: BaseException) -> BaseException:
    """The 409 for a unique-index refusal, else ``exc`` itself."""
    text = f"{getattr(exc, 'constraint_name', '') or ''} {exc}"
    if not any(marker in text for marker in _INDEX_MARKERS):
        return exc
    return Conflict(
        "A record with this value already exists: the property's values must be unique.",
        sub_category="assocdb.DUPLICATE_UNIQUE_VALUE",
    )
