"""The route table: every operation of every handler module, in one tuple.

It drives routing (``http.app``) and our OpenAPI document (``http.openapi``).
"""

from __future__ import annotations

from assocdb.http import observability
from assocdb.http.crm import account, associations_v3, merge, owners, pipelines, schemas
from assocdb.http.handlers import associations, labels, objects, service
from assocdb.http.operation import Operation

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[Operation, ...] = (
    *associations.OPERATIONS,
    *labels.OPERATIONS,
    *objects.OPERATIONS,
    *service.OPERATIONS,
    *observability.OPERATIONS,
    *associations_v3.OPERATIONS,
    *owners.OPERATIONS,
    *pipelines.OPERATIONS,
    *account.OPERATIONS,
    *merge.OPERATIONS,
    *schemas.OPERATIONS,
)
