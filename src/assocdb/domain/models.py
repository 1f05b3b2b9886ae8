"""Plain records passed between the domain and storage. No HTTP shapes, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

from assocdb.domain.registry import TypeKey

__all__ = ["CrmObject", "LabelDef", "LimitDef", "Portal", "TokenRecord", "TypeSet"]

TypeSet = tuple[TypeKey, ...]
"""The association types on one directed edge, sorted; never empty for a stored edge."""


@dataclass(frozen=True, slots=True)
class Portal:
    portal_id: int
    name: str
    created_at_ms: int


@dataclass(frozen=True, slots=True)
class TokenRecord:
    token_hash: str
    portal_id: int
    scopes: frozenset[str]
    created_at_ms: int
    expires_at_ms: int | None = None
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class CrmObject:
    portal_id: int
    object_type: str
    object_id: int
    properties: dict[str, str] = field(default_factory=dict)
    created_at_ms: int = 0
    updated_at_ms: int = 0


@dataclass(frozen=True, slots=True)
class LabelDef:
    """A portal's own (USER_DEFINED) association type in one direction."""

    from_type: str
    to_type: str
    category: int
    type_id: int
    name: str
    label: str | None
    inverse_type_id: int


@dataclass(frozen=True, slots=True)
class LimitDef:
    """A portal's cap on how many records of ``to_type`` one record may have with a type
    (``maxToObjectIds``).

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/create-associations-limits
    """

    from_type: str
    to_type: str
    category: int
    type_id: int
    max_to_object_ids: int
