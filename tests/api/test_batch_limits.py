"""The batch limit each route declares (and /openapi.json and docs/compatibility.md show) is
the one its handler enforces: one input over it is a 400, exactly at it is not."""

from __future__ import annotations

import re
from typing import Any

from assocdb.http.routes import OPERATIONS
from tests.conftest import Api

PORTAL = 1
LIMITED = [
    op for op in OPERATIONS if op.batch_limit is not None and not op.path.startswith("/webhooks/")
]

# One harmless input per request type (records that do not exist are fine: the count is
# checked first).
ITEMS: dict[str, Any] = {
    "BatchReadRequest": {"id": "1"},
    "BatchCreateRequest": {"from": {"id": "1"}, "to": {"id": "2"}, "types": []},
    "BatchDefaultRequest": {"from": {"id": "1"}, "to": {"id": "2"}},
    "BatchArchiveRequest": {"from": {"id": "1"}, "to": [{"id": "2"}]},
    "BatchCreateObjects": {"properties": {}},
    "BatchReadObjects": {"id": "1"},
    "BatchUpdateObjects": {"id": "1", "properties": {}},
    "BatchArchiveObjects": {"id": "1"},
    "BatchUpsertObjects": {"id": "a@example.com", "idProperty": "email", "properties": {}},
    "BatchReadV3": {"id": "1"},
    "BatchWriteV3": {"from": {"id": "1"}, "to": {"id": "2"}, "type": "contact_to_contact"},
    "BatchPropertyCreate": {
        "name": "p1",
        "label": "P",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
    },
    "BatchReadProperties": {"name": "email"},
    "BatchPropertyNames": {"name": "nope"},
    "SchemaBatchReadIn": "cars",  # schemas batch read takes names or ids as plain strings
}
TOO_MANY = re.compile(r"Too many inputs|maximum number of inputs")


def _path(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "contacts" if "Type" in m[1] else "1", template)


def test_every_batch_route_declares_its_limit() -> None:
    batch = {
        op.operation_id
        for op in OPERATIONS
        if re.search(
            r"/batch/(read|create|update|upsert|archive|labels/archive|associate/default)$",
            op.path,
        )
        and "/definitions/configurations/" not in op.path
        and not op.path.startswith("/webhooks/")  # its bound: tests/webhooks
    }
    assert {op.operation_id for op in LIMITED} == batch
    # + v3 associations', properties', upsert's, schemas batch read's (both path forms)
    assert len(batch) == 18 + 3 + 3 + 2 + 2


def test_each_declared_batch_limit_is_the_enforced_one(api: Api) -> None:
    api.portal(PORTAL)
    token = api.token(PORTAL)
    wrong: list[str] = []
    for op in LIMITED:
        assert op.batch_limit is not None
        assert op.request is not None
        item = ITEMS[op.request.__name__]
        path = _path(op.path)
        over = api.post(path, token, {"inputs": [item] * (op.batch_limit + 1)})
        at = api.post(path, token, {"inputs": [item] * op.batch_limit})
        if (
            over.status_code != 400
            or over.json()["category"] != "VALIDATION_ERROR"
            or not TOO_MANY.search(over.json()["message"])
            or str(op.batch_limit) not in over.json()["message"]
        ):
            wrong.append(f"{op.method} {op.path} over: {over.status_code} {over.text[:160]}")
        if TOO_MANY.search(at.text):
            wrong.append(f"{op.method} {op.path} at the limit: {at.text[:160]}")
    assert wrong == []
