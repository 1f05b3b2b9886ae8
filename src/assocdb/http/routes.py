"""The route table: path, method, handler, required scopes. It drives routing and OpenAPI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from starlette.responses import Response

from assocdb.http.call import Call
from assocdb.http.handlers import associations, service
from assocdb.http.schemas import (
    BatchReadRequest,
    BatchResponseMultiWithLabel,
    BatchResponseMultiWithLabelWithErrors,
    CollectionResponseMultiAssociated,
    Health,
)

__all__ = ["OPERATIONS", "Operation", "QueryParam"]

Handler = Callable[[Call], Awaitable[Response]]
Access = Literal["read", "write"]


@dataclass(frozen=True, slots=True)
class QueryParam:
    name: str
    type: Literal["string", "integer"]
    description: str


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    handler: Handler
    operation_id: str
    summary: str
    tag: str
    access: Access | None = "read"
    """Scope needed on every object type named in the path; None: no token needed."""
    request: type | None = None
    responses: Mapping[int, type | None] = field(default_factory=dict)
    query: tuple[QueryParam, ...] = ()


_V4 = "/crm/v4"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        _V4 + "/associations/{fromObjectType}/{toObjectType}/batch/read",
        associations.batch_read,
        "batch_read_associations",
        "Read the associations of up to 1,000 records, each with its own paging cursor",
        "Associations",
        request=BatchReadRequest,
        responses={200: BatchResponseMultiWithLabel, 207: BatchResponseMultiWithLabelWithErrors},
    ),
    Operation(
        "GET",
        _V4 + "/objects/{objectType}/{objectId}/associations/{toObjectType}",
        associations.list_associations,
        "list_record_associations",
        "List a record's associations to one object type (at most 500 per page)",
        "Associations",
        responses={200: CollectionResponseMultiAssociated},
        query=(
            QueryParam("limit", "integer", "Page size; default and maximum 500."),
            QueryParam("after", "string", "Cursor from a previous page's paging.next.after."),
        ),
    ),
    Operation(
        "GET",
        "/healthz",
        service.healthz,
        "health",
        "Liveness and store reachability",
        "Service",
        access=None,
        responses={200: Health},
    ),
)
