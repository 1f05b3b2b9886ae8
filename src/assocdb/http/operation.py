"""One API operation: path, method, handler, scopes and wire types.

Handler modules each export ``OPERATIONS``; ``http.routes`` joins them into the route
table that drives both routing and the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from starlette.responses import Response

from assocdb.http.call import Call

__all__ = ["Access", "Handler", "Operation", "QueryParam"]

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
    scopes: Literal["objects", "schemas"] = "objects"
    """Which scopes guard the path's object type: its records' (``crm.objects.*``) or its
    definitions' (``crm.schemas.*``, the properties API)."""
