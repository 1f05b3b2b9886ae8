"""Hostile and broken input on every webhooks v3 endpoint (enumerated from the route
table), with a valid developer API key: HubSpot-shaped 4xx, never a 500, nothing changed.
The batch update's bound (100 inputs) is enforced."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assocdb.http.routes import OPERATIONS
from tests.conftest import Api
from tests.security.test_hostile_input import BROKEN_BODIES, PATH_VALUES, check_error
from tests.webhooks.conftest import AppKeys, make_app

WEBHOOK_OPS = [op for op in OPERATIONS if op.path.startswith("/webhooks/")]
BODIES: dict[str, Any] = {
    "SettingsChangeRequest": {
        "targetUrl": "http://127.0.0.1:9/h",
        "throttling": {"maxConcurrentRequests": 5},
    },
    "SubscriptionCreateRequest": {"eventType": "contact.creation"},
    "SubscriptionPatchRequest": {"active": True},
    "BatchInputSubscriptionBatchUpdateRequest": {"inputs": [{"id": 1, "active": True}]},
}


def path_for(template: str, app_id: int) -> str:
    values = {"appId": str(app_id), "subscriptionId": "1"}
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], template)


def state(api: Api, keys: AppKeys) -> Any:
    listed = api.client.get(
        f"/webhooks/v3/{keys.app_id}/subscriptions", params={"hapikey": keys.api_key}
    )
    return listed.json()


def test_every_webhooks_operation_is_covered() -> None:
    assert len(WEBHOOK_OPS) == 9
    assert {op.request.__name__ for op in WEBHOOK_OPS if op.request} == set(BODIES)


def send_all(
    api: Api, keys: AppKeys, bodies: list[tuple[str, bytes, str]], ok: tuple[int, ...]
) -> None:
    before = state(api, keys)
    for op in (op for op in WEBHOOK_OPS if op.request is not None):
        path = path_for(op.path, keys.app_id)
        for name, content, media in bodies:
            response = api.client.request(
                op.method,
                path,
                params={"hapikey": keys.api_key},
                content=content,
                headers={"Content-Type": media},
            )
            where = f"{name}: {op.method} {path} -> {response.status_code} {response.text[:200]}"
            check_error(response, where, ok)
    assert state(api, keys) == before


def test_broken_bodies(api: Api, app_keys: AppKeys) -> None:
    # 404: a body whose only fields are unknown ones is an empty PATCH, and subscription 1
    # does not exist (unknown fields are ignored, as HubSpot does).
    send_all(api, app_keys, BROKEN_BODIES, (400, 404))


def test_oversized_bodies(make_api: Callable[..., Api]) -> None:
    api = make_api(max_body_bytes=2048)
    api.portal(101)
    big = b'{"inputs":[' + b",".join([b'{"id":1,"active":true}'] * 400) + b"]}"
    send_all(api, make_app(api, 101, 424242), [("big", big, "application/json")], (413,))


def test_hostile_path_segments(api: Api, app_keys: AppKeys) -> None:
    before = state(api, app_keys)
    for op in WEBHOOK_OPS:
        for param in re.findall(r"\{(\w+)\}", op.path):
            for value in [*PATH_VALUES, "2147483648"]:
                path = re.sub(
                    r"\{(\w+)\}",
                    lambda m, p=param, v=value: v if m[1] == p else path_for(m[0], app_keys.app_id),
                    op.path,
                )
                kwargs: dict[str, Any] = {"params": {"hapikey": app_keys.api_key}}
                if op.request is not None:
                    kwargs["json"] = BODIES[op.request.__name__]
                response = api.client.request(op.method, path, **kwargs)
                where = f"{op.method} {path} -> {response.status_code} {response.text[:200]}"
                check_error(response, where, (400, 404))
    assert state(api, app_keys) == before


def test_batch_update_is_bounded(api: Api, app_keys: AppKeys) -> None:
    path = f"/webhooks/v3/{app_keys.app_id}/subscriptions/batch/update"
    inputs = [{"id": i, "active": True} for i in range(1, 102)]
    over = api.client.post(path, params={"hapikey": app_keys.api_key}, json={"inputs": inputs})
    assert over.status_code == 400
    assert over.json()["message"] == "At most 100 inputs per batch update."
    at = api.client.post(path, params={"hapikey": app_keys.api_key}, json={"inputs": inputs[:100]})
    assert at.status_code == 207
    assert at.json()["numErrors"] == 100


def test_huge_app_and_subscription_ids_are_400s_or_404s(api: Api, app_keys: AppKeys) -> None:
    """5,000 digits (past Python's int() limit) or int32 + 1 in each path id: a 4xx."""
    keys = app_keys
    before = state(api, keys)
    for op in WEBHOOK_OPS:
        for param in re.findall(r"\{(\w+)\}", op.path):
            for huge in ("9" * 5000, str(2**31)):
                path = re.sub(
                    r"\{(\w+)\}",
                    lambda m, p=param, h=huge: h if m[1] == p else path_for(m[0], keys.app_id),
                    op.path,
                )
                body = BODIES.get(op.request.__name__) if op.request else None
                response = api.client.request(
                    op.method, path, params={"hapikey": keys.api_key}, json=body
                )
                check_error(response, f"{op.method} {op.path} {param}", (400, 401, 403, 404))
    assert state(api, keys) == before
