"""Our OpenAPI 3.1 document, generated from the route table and the msgspec types."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec

import assocdb
from assocdb.domain.objecttypes import STANDARD_TYPES, resolve_object_type
from assocdb.http.schemas import Error
from assocdb.http.scopes import AnyScope, ScopeRule

if TYPE_CHECKING:
    from assocdb.http.operation import Operation

__all__ = ["openapi_document"]

_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")
_REF = "#/components/schemas/{name}"

_DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    204: "No content",
    207: "Multi-status: some inputs failed; see errors[]",
}


def _path_parameter(name: str) -> dict[str, Any]:
    described = (
        "An object type: name (singular or plural, any case), type id (0-1) or custom 2-N"
        if name.endswith("ObjectType") or name == "objectType"
        else "A record id"
    )
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": described,
    }


# Every object type's scopes, for the OR-list of a rule that depends on the path's type.
_TYPES = (*STANDARD_TYPES, resolve_object_type("2-1"))
_TYPE_SCOPES = {
    "read": tuple(sorted({s for t in _TYPES for s in t.read_scopes})),
    "write": tuple(sorted({s for t in _TYPES for s in t.write_scopes})),
}

_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "A private-app token (pat-na1-...). Each operation's security lists the scopes of "
        "which a token needs one; x-required-scopes gives the exact rule: one scope of each "
        "entry, where an objectType entry means the read or write scopes of the object type "
        "that path parameter names."
    ),
}


def _rule(rule: ScopeRule) -> dict[str, Any]:
    if isinstance(rule, AnyScope):
        return {"anyOf": list(rule.scopes)}
    return {"objectType": rule.param, "access": rule.access}


def _security(rules: Sequence[ScopeRule]) -> list[dict[str, list[str]]]:
    """HubSpot's shape: one alternative per scope that can satisfy the (first) rule.

    OpenAPI 3.1 lets a bearer scheme carry role names, so each alternative is the bearer
    token with one scope. A rule on the path's object type can be met by the scopes of any
    type, so all of those are listed: a necessary condition, as in HubSpot's own spec;
    x-required-scopes states the whole rule.
    """
    first = rules[0]
    scopes = first.scopes if isinstance(first, AnyScope) else _TYPE_SCOPES[first.access]
    return [{"bearer": [scope]} for scope in scopes]


def _describe_scopes(rules: Sequence[ScopeRule]) -> str:
    parts = [
        "any one CRM object scope"
        if isinstance(rule, AnyScope)
        else f"a {rule.access} scope of {{{rule.param}}}"
        for rule in rules
    ]
    return "Scopes: " + " and ".join(parts) + "."


def openapi_document(operations: Sequence[Operation]) -> bytes:
    types: list[Any] = [Error]
    for op in operations:
        if op.request is not None:
            types.append(op.request)
        types.extend(t for t in op.responses.values() if t is not None)
    unique = list(dict.fromkeys(types))
    schemas, components = msgspec.json.schema_components(unique, ref_template=_REF)
    schema_of = dict(zip(unique, schemas, strict=True))
    error_content = {"application/json": {"schema": schema_of[Error]}}

    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        spec: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": [_path_parameter(n) for n in _PARAM.findall(op.path)]
            + [
                {
                    "name": q.name,
                    "in": "query",
                    "required": False,
                    "schema": {"type": q.type},
                    "description": q.description,
                }
                for q in op.query
            ],
            "responses": {
                str(code): {"description": _DESCRIPTIONS.get(code, "OK")}
                | ({"content": {"application/json": {"schema": schema_of[t]}}} if t else {})
                for code, t in op.responses.items()
            }
            | {"default": {"description": "A HubSpot-shaped error", "content": error_content}},
        }
        if op.request is not None:
            spec["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema_of[op.request]}},
            }
        if op.required_scopes:
            spec["security"] = _security(op.required_scopes)
            spec["x-required-scopes"] = [_rule(r) for r in op.required_scopes]
            spec["description"] = _describe_scopes(op.required_scopes)
        if op.batch_limit is not None:
            spec["x-batch-limit"] = op.batch_limit
            spec["description"] = (
                spec.get("description", "") + f" At most {op.batch_limit} inputs."
            ).strip()
        paths.setdefault(op.path, {})[op.method.lower()] = spec

    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "assocdb",
            "version": assocdb.__version__,
            "description": "A self-hostable, HubSpot-compatible CRM associations (v4) server.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": _SCHEME},
        },
    }
    return msgspec.json.encode(document)
