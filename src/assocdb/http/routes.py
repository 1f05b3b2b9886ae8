"""The route table: every operation of every handler module, in one tuple.

It drives routing (``http.app``) and our OpenAPI document (``http.openapi``).
"""

from __future__ import annotations

from assocdb.http import observability
from assocdb.http.handlers import associations, labels, objects, service
from assocdb.http.operation import Operation
from assocdb.http.webhooks import handlers as webhooks

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[Operation, ...] = (
    *associations.OPERATIONS,
    *labels.OPERATIONS,
    *objects.OPERATIONS,
    *service.OPERATIONS,
    *observability.OPERATIONS,
    *webhooks.OPERATIONS,
)
