"""One API operation: path, method, handler, scopes, batch limit and wire types.

``http.routes`` holds the table of them; it drives routing and authorisation
(``http.app``), our OpenAPI document (``http.openapi``) and the endpoint table of
docs/compatibility.md (``http.endpoint_table``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from starlette.responses import Response

from assocdb.http.call import Call
from assocdb.http.scopes import Access, ScopeRule, TypeScope, derive_scopes

__all__ = ["Access", "Handler", "Operation", "QueryParam"]

Handler = Callable[[Call], Awaitable[Response]]


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
    """None: a public route, no token; else the kind of access, which gives the scopes
    when ``scopes`` is not given."""
    request: type | None = None
    responses: Mapping[int, type | None] = field(default_factory=dict)
    query: tuple[QueryParam, ...] = ()
    scopes: tuple[ScopeRule, ...] | None = None
    """Explicit scope rules (AND of OR-sets); None: derived from ``access`` and the object
    types in the path (``http.scopes.derive_scopes``). Required where the path names none."""
    batch_limit: int | None = None
    """At most this many ``inputs`` in the body (enforced by the handler; documented here)."""
    required_scopes: tuple[ScopeRule, ...] = field(init=False, default=())
    """What authorisation checks: ``scopes``, or the rules derived from ``access``."""

    def __post_init__(self) -> None:
        if self.access is None:
            if self.scopes:
                raise ValueError(f"{self.operation_id}: a public operation has no scopes")
            return
        rules = self.scopes if self.scopes is not None else derive_scopes(self.access, self.path)
        if not rules:
            raise ValueError(f"{self.operation_id}: an authenticated operation needs scopes")
        for rule in rules:
            if isinstance(rule, TypeScope) and "{" + rule.param + "}" not in self.path:
                raise ValueError(f"{self.operation_id}: no {{{rule.param}}} in {self.path}")
        object.__setattr__(self, "required_scopes", rules)
