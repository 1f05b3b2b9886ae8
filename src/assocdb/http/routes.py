"""The route table: every operation of every handler module, in one tuple.

It drives routing (``http.app``) and our OpenAPI document (``http.openapi``).
"""

from __future__ import annotations

from assocdb.http import observability
from assocdb.http.crm import properties as crm_properties
from assocdb.http.crm import search as crm_search
from assocdb.http.handlers import associations, labels, objects, service
from assocdb.http.operation import Operation

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[Operation, ...] = (
    *associations.OPERATIONS,
    *labels.OPERATIONS,
    *crm_search.OPERATIONS,  # before objects: /search is not a record id
    *objects.OPERATIONS,
    *crm_properties.OPERATIONS,
    *service.OPERATIONS,
    *observability.OPERATIONS,
)
