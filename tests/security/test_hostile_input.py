"""Hostile and broken input on every endpoint (enumerated from ``OPERATIONS``).

Broken bodies (deep nesting, invalid UTF-8, wrong content type, empty, not JSON, too big),
hostile ids in every path segment and every id field (> int64, negative, zero, empty,
unicode, SQL), SQL-looking text in every string field: always a HubSpot-shaped 4xx (or a
207 whose errors name the inputs), never a 5xx or a trace, and never a partial write.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from assocdb.http.routes import OPERATIONS
from tests.conftest import Api
from tests.security.test_isolation import A, PortalA, body_for, path_for, setup_a, snapshot

# The webhooks API authenticates with a developer API key, not a portal token: its hostile
# input tests are in tests/webhooks/test_webhooks_hostile.py.
_TOKEN_OPS = [op for op in OPERATIONS if not op.path.startswith("/webhooks/")]
BODY_OPS = [op for op in _TOKEN_OPS if op.request is not None]
PATH_OPS = [op for op in _TOKEN_OPS if "{" in op.path]

HOSTILE_IDS = [
    "99999999999999999999999",  # > int64
    "9223372036854775808",  # int64 max + 1
    "-5",
    "0",
    "",
    " ",
    "1.5",
    "1e3",
    "０１",  # full-width digits
    "😀",
    "ñandú",
    "1; DROP TABLE associations; --",
    "' OR '1'='1",
    "%00",
]
# Path segments: a subset (an empty segment is another route, a 404 tested elsewhere).
PATH_VALUES = ["99999999999999999999999", "-5", "0", "1.5", "😀", "1; DROP TABLE x; --", "' OR 1=1"]
SQL = "'); DROP TABLE associations; --"

BROKEN_BODIES: list[tuple[str, bytes, str]] = [
    ("nested", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("nested-object", b'{"inputs":' * 50_000 + b"1" + b"}" * 50_000, "application/json"),
    ("invalid-utf8", b'{"inputs":[{"id":"\xff\xfe"}]}', "application/json"),
    ("truncated", b'{"inputs":[{"id":"1"', "application/json"),
    ("empty", b"", "application/json"),
    ("null", b"null", "application/json"),
    ("number", b"12", "application/json"),
    ("wrong-type", b'{"inputs":[1]}', "text/plain"),
    ("form", b"inputs=1", "application/x-www-form-urlencoded"),
    ("nul-bytes", b'{"inputs":[{"id":"1\x00"}]}', "application/json"),
]


def check_error(response: Any, where: str, allowed: tuple[int, ...] = (400,)) -> None:
    assert response.status_code in allowed, where
    assert "Traceback" not in response.text, where
    body = response.json()
    if response.status_code >= 400:
        assert body["status"] == "error", where
        assert body["category"], where
        assert body["correlationId"] == response.headers["x-hubspot-correlation-id"], where


@pytest.fixture
def portal_a(api: Api) -> tuple[PortalA, str]:
    return setup_a(api)


def test_broken_bodies_on_every_endpoint(api: Api, portal_a: tuple[PortalA, str]) -> None:
    a, token = portal_a
    before = snapshot(api, a)
    for op in BODY_OPS:
        path = path_for(op.path, a)
        for name, content, media in BROKEN_BODIES:
            response = api.client.request(
                op.method,
                path,
                content=content,
                headers={"Authorization": f"Bearer {token}", "Content-Type": media},
            )
            where = f"{name}: {op.method} {path} -> {response.status_code} {response.text[:200]}"
            check_error(response, where)
    assert snapshot(api, a) == before


def test_oversized_bodies_are_413_everywhere(make_api: Callable[..., Api]) -> None:
    api = make_api(max_body_bytes=2048)
    a, token = setup_a(api)
    before = snapshot(api, a)
    big = b'{"inputs":[' + b",".join([b'{"id":"1"}'] * 400) + b"]}"
    for op in BODY_OPS:
        path = path_for(op.path, a)
        response = api.client.request(
            op.method,
            path,
            content=big,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        check_error(response, f"{op.method} {path}", (413,))
    assert snapshot(api, a) == before


def test_hostile_path_segments(api: Api, portal_a: tuple[PortalA, str]) -> None:
    a, token = portal_a
    before = snapshot(api, a)
    for op in PATH_OPS:
        for param in re.findall(r"\{(\w+)\}", op.path):
            for value in PATH_VALUES:
                path = re.sub(
                    r"\{(\w+)\}",
                    lambda m, p=param, v=value: v if m[1] == p else path_for(m[0], a),
                    op.path,
                )
                kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {token}"}}
                if op.request is not None:
                    kwargs["json"] = body_for(op.request.__name__, a)
                response = api.client.request(op.method, path, **kwargs)
                where = f"{op.method} {path} -> {response.status_code} {response.text[:200]}"
                check_error(response, where, (400, 404))
    assert snapshot(api, a) == before


def _replace_ids(value: Any, new: Any) -> Any:
    """``value`` with every object or type id (digit strings and ints) set to ``new``."""
    if isinstance(value, dict):
        return {
            k: _replace_ids(v, new)
            if k not in ("maxToObjectIds", "associationCategory", "category")
            else v
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_replace_ids(v, new) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return new
    return value


def _replace_texts(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _replace_texts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_texts(v) for v in value]
    if isinstance(value, str) and not value.isdigit() and value not in ("USER_DEFINED",):
        return SQL
    return value


def test_hostile_ids_in_every_body_field(api: Api, portal_a: tuple[PortalA, str]) -> None:
    a, token = portal_a
    before = snapshot(api, a)
    for op in BODY_OPS:
        template = body_for(op.request.__name__, a)  # type: ignore[union-attr]
        if template == _replace_ids(template, -1):
            continue  # no id in this body (label create: names only)
        path = path_for(op.path, a)
        for value in [*HOSTILE_IDS, -1, 0, 2**63, 2**64, 1.5, None, True, [], {}]:
            body = _replace_ids(template, value)
            response = api.client.request(
                op.method, path, json=body, headers={"Authorization": f"Bearer {token}"}
            )
            where = f"{op.method} {path} {body} -> {response.status_code} {response.text[:300]}"
            check_error(response, where, (400, 404, 207))
            if response.status_code == 207:
                assert response.json()["numErrors"] >= 1, where
    assert snapshot(api, a) == before


def test_sql_looking_text_is_data_not_code(api: Api, portal_a: tuple[PortalA, str]) -> None:
    """Every string field set to SQL: a 4xx, or stored verbatim; the tables survive."""
    a, token = portal_a
    for op in BODY_OPS:
        body = _replace_texts(body_for(op.request.__name__, a))  # type: ignore[union-attr]
        path = path_for(op.path, a)
        response = api.client.request(
            op.method, path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        where = f"{op.method} {path} -> {response.status_code} {response.text[:300]}"
        assert response.status_code < 500, where
        assert "Traceback" not in response.text, where
    created = api.post("/crm/v3/objects/contacts", token, {"properties": {"firstname": SQL}})
    assert created.status_code == 201
    shown = api.get(f"/crm/v3/objects/contacts/{created.json()['id']}?properties=firstname", token)
    assert shown.json()["properties"]["firstname"] == SQL
    # The portal's data is all still there and readable.
    read = api.post(
        "/crm/v4/associations/companies/contacts/batch/read",
        token,
        {"inputs": [{"id": str(a.company)}]},
    )
    assert read.status_code in (200, 207)
    assert api.run(api.services.store.count_edges, A) > 0
