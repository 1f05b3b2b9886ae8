"""Search wire shapes (https://developers.hubspot.com/docs/guides/api/crm/search) as msgspec
Structs, written from HubSpot's documented request and response, not generated."""

from __future__ import annotations

from msgspec import Struct

from assocdb.http.schemas import Paging
from assocdb.http.schemas_objects import SimplePublicObject

__all__ = ["FilterGroupWire", "FilterWire", "SearchRequest", "SearchResponse", "SortWire"]

Scalar = str | int | float | bool | None


class FilterWire(Struct, forbid_unknown_fields=False):
    propertyName: str
    operator: str
    value: Scalar = None
    highValue: Scalar = None
    values: list[str | int | float | bool] | None = None


class FilterGroupWire(Struct, forbid_unknown_fields=False):
    filters: list[FilterWire]


class SortWire(Struct, forbid_unknown_fields=False):
    propertyName: str
    direction: str = "ASCENDING"


class SearchRequest(Struct, forbid_unknown_fields=False):
    filterGroups: list[FilterGroupWire] = []
    sorts: list[str | SortWire] = []
    query: str | None = None
    properties: list[str] | None = None
    limit: int | None = None
    after: str | int | None = None


class SearchResponse(Struct, omit_defaults=True):
    total: int
    results: list[SimplePublicObject]
    paging: Paging | None = None
