"""Our OpenAPI 3.1 document, generated from the route table and the msgspec types."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec

import assocdb
from assocdb.http.schemas import Error

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
        if op.access is not None:
            spec["security"] = [{"bearer": []}]
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
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    return msgspec.json.encode(document)
