"""A write refused by a unique index that guards a promise of the API becomes a 409.

- ``search_values_unique`` (migrations 0011) guards the values of unique properties
  (contact ``email``, ``hasUniqueValue`` properties) inside the writing transaction, so two
  concurrent writers cannot both store one value.
- ``associations_primary`` (migrations 0006, storage/primary.py) holds one Primary per
  record and side. The domain's write plan always clears the old Primary first, so only a
  bug can reach it; the client then gets a clear 409 and nothing of the request is stored,
  never a second Primary and never a 500.

Any other integrity failure is re-raised unchanged: it is a bug, not a client error.
"""

from __future__ import annotations

from assocdb.errors import Conflict
from assocdb.storage.primary import PRIMARY_INDEX

__all__ = ["duplicate_value"]

_INDEX_MARKERS = ("search_values_unique", "search_values.")

# SQLite names an index on plain columns by its columns (the primary key's list adds to_id);
# PostgreSQL names the index itself.
_SQLITE_PRIMARY = (
    "UNIQUE constraint failed: associations.portal_id, associations.from_type,"
    " associations.from_id, associations.to_type"
)


def duplicate_value(exc: BaseException) -> BaseException:
    """The 409 for a unique-index refusal, else ``exc`` itself."""
    text = f"{getattr(exc, 'constraint_name', '') or ''} {exc}".strip()
    if PRIMARY_INDEX in text or text.endswith(_SQLITE_PRIMARY):
        return _second_primary()
    if not any(marker in text for marker in _INDEX_MARKERS):
        return exc
    return Conflict(
        "A record with this value already exists: the property's values must be unique.",
        sub_category="assocdb.DUPLICATE_UNIQUE_VALUE",
    )


def _second_primary() -> Conflict:
    # [inferred] HubSpot documents no error for this: a Primary association moves instead
    # (https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide).
    return Conflict(
        "The record already has a Primary association to this object type, and this write"
        " would have stored a second one; nothing was changed. Retry the request.",
        sub_category="assocdb.DUPLICATE_PRIMARY",
    )
