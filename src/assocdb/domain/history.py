"""Property history: each property's earlier values (HubSpot's ``propertiesWithHistory``).

GET, list and batch read take ``propertiesWithHistory`` and answer, per property, its
values newest first, each ``{"value", "timestamp", "sourceType"}`` (``ValueWithTimestamp``
of the objects API; ``sourceId``, ``sourceLabel`` and ``updatedByUserId`` are optional and
left out here: assocdb has no users).

HubSpot: https://developers.hubspot.com/docs/api/crm/understanding-the-crm

Storage writes the versions in the same transaction as the record write (storage/
*_history.py) with the changes this module computes, so a value that did not change adds
no version and the history never disagrees with the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "MAX_HISTORY_BATCH_INPUTS",
    "MAX_HISTORY_PAGE",
    "MAX_VERSIONS",
    "SOURCE_API",
    "SOURCE_CALCULATED",
    "SOURCE_IMPORT",
    "HistoryStore",
    "PropertyVersion",
    "Versions",
    "applied_changes",
    "changed_values",
    "created_values",
    "replaced_values",
]

MAX_VERSIONS = 50
"""Versions kept per property and record: the newest 50, older ones are deleted as new
ones come [inferred: HubSpot documents no number]. Bounds the table and every answer."""

MAX_HISTORY_BATCH_INPUTS = 50
"""Batch read with ``propertiesWithHistory`` takes at most 50 inputs: HubSpot answers more
with a 400 "The maximum number of inputs supported in a batch request for property
histories is 50. Please reduce the number of items and try again" (quoted in
PipedreamHQ/pipedream PR #8462 and activepieces/activepieces PR #9359)."""

MAX_HISTORY_PAGE = 50
"""A list page with ``propertiesWithHistory`` holds at most 50 records: the spec says the
parameter "will reduce the maximum number of objects that can be read by a single request"
(https://developers.hubspot.com/docs/api-reference/latest/crm/objects/objects/get-objects)
and clients page by 50 for it ("API allows max 50 items per call with property history",
dlt-hub/verified-sources PR #206). A larger ``limit`` is clamped, as ``limit`` > 100 is
[inferred]."""

SOURCE_API = "API"
"""``sourceType`` of a value written through the API (HubSpot's own, e.g. hubspot-api-nodejs
issue #154 lists ``CRM_UI`` for the UI; ``API`` for integrations)."""
SOURCE_IMPORT = "IMPORT"
"""``sourceType`` of a value loaded by ``assocdb seed`` / import: HubSpot's source for
imported values (the ``IMPORT`` source type; [inferred] that a seed is one)."""
SOURCE_CALCULATED = "CALCULATED"
"""``sourceType`` of the computed properties (``hs_object_id``, the create/modify dates),
whose single version is their current value [inferred]."""


@dataclass(frozen=True, slots=True)
class PropertyVersion:
    """One value a property had: ``value`` ("" for a cleared value), when, and by what."""

    value: str
    timestamp_ms: int
    source_type: str


Versions = dict[int, dict[str, list[PropertyVersion]]]
"""object id → property name → its versions, newest first."""


def created_values(properties: Mapping[str, str]) -> list[tuple[str, str]]:
    """The first version of each property a new record has (empty values have none)."""
    return [(name, value) for name, value in sorted(properties.items()) if value]


def applied_changes(
    current: Mapping[str, str], changes: Mapping[str, str | None]
) -> dict[str, str]:
    """A record's properties after an update: each change set, None removing it."""
    properties = dict(current)
    for name, value in changes.items():
        if value is None:
            properties.pop(name, None)
        else:
            properties[name] = value
    return properties


def changed_values(
    current: Mapping[str, str], changes: Mapping[str, str | None]
) -> list[tuple[str, str]]:
    """The versions an update adds: each property whose value it changes, "" when it
    clears one (HubSpot lists a cleared value as ""). Writing the value a property
    already has adds none."""
    found: list[tuple[str, str]] = []
    for name, value in sorted(changes.items()):
        if (value or None) != (current.get(name) or None):
            found.append((name, value or ""))
    return found


def replaced_values(
    current: Mapping[str, str], properties: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The versions a whole-set replace (merge) adds: changed values and cleared ones."""
    names: Iterable[str] = {*current, *properties}
    return changed_values(current, {name: properties.get(name) for name in names})


class HistoryStore(Protocol):
    """Reads of the versions (storage/*_history.py); writes ride the record writes."""

    async def property_history(
        self, portal_id: int, object_type: str, ids: Sequence[int], names: Sequence[str]
    ) -> Versions:
        """The versions of ``names`` of the records ``ids`` (live or archived), newest
        first; records and properties without any are left out."""
        ...
