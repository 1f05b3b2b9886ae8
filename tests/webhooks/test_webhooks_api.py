"""The webhooks v3 API (settings, subscriptions, batch update) with HubSpot's bodies and
errors, authenticated by the app's developer API key (``hapikey``); both backends."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.webhooks.conftest import AppKeys, make_app

BASE = "/webhooks/v3/424242"


def call(api: Api, method: str, path: str, key: str | None, body: Any = None) -> Any:
    params = {"hapikey": key} if key else {}
    return api.client.request(method, BASE + path, params=params, json=body)


def test_settings_put_get_delete(api: Api, app_keys: AppKeys) -> None:
    key = app_keys.api_key
    assert call(api, "GET", "/settings", key).status_code == 404
    put = call(
        api,
        "PUT",
        "/settings",
        key,
        {"targetUrl": "http://127.0.0.1:9/hook", "throttling": {"maxConcurrentRequests": 7}},
    )
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["targetUrl"] == "http://127.0.0.1:9/hook"
    assert body["throttling"] == {"maxConcurrentRequests": 7}
    assert body["createdAt"].endswith("Z")
    assert body["updatedAt"] == body["createdAt"]
    # The older ``period`` is accepted and echoed.
    again = call(
        api,
        "PUT",
        "/settings",
        key,
        {
            "targetUrl": "https://example.test/h",
            "throttling": {"maxConcurrentRequests": 10, "period": "SECONDLY"},
        },
    ).json()
    assert again["throttling"] == {"maxConcurrentRequests": 10, "period": "SECONDLY"}
    assert again["createdAt"] == body["createdAt"]
    assert call(api, "GET", "/settings", key).json() == again
    assert call(api, "DELETE", "/settings", key).status_code == 204
    assert call(api, "GET", "/settings", key).status_code == 404


def test_settings_refuse_concurrency_outside_hubspots_range_and_bad_urls(
    api: Api, app_keys: AppKeys
) -> None:
    for url, concurrency in (
        ("http://127.0.0.1:9/h", 4),
        ("http://127.0.0.1:9/h", 101),
        ("ftp://x/h", 5),
        ("not a url", 5),
    ):
        answer = call(
            api,
            "PUT",
            "/settings",
            app_keys.api_key,
            {"targetUrl": url, "throttling": {"maxConcurrentRequests": concurrency}},
        )
        assert answer.status_code == 400, (url, concurrency)
        assert answer.json()["category"] == "VALIDATION_ERROR"


def test_developer_api_key_is_required_and_must_be_the_apps(api: Api, app_keys: AppKeys) -> None:
    other = make_app(api, 101)
    for key in (None, "nope", other.api_key):
        answer = call(api, "GET", "/subscriptions", key)
        assert answer.status_code == 401
        assert answer.json()["category"] == "INVALID_AUTHENTICATION"
    # A portal token is not a developer key.
    token = api.token(101)
    answer = api.client.get(BASE + "/subscriptions", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_subscriptions_lifecycle(api: Api, app_keys: AppKeys) -> None:
    key = app_keys.api_key
    made = call(api, "POST", "/subscriptions", key, {"eventType": "contact.creation"})
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["eventType"] == "contact.creation"
    assert created["active"] is False  # paused unless active: true
    assert set(created) == {"id", "eventType", "active", "createdAt", "updatedAt"}
    prop = call(
        api,
        "POST",
        "/subscriptions",
        key,
        {"eventType": "deal.propertyChange", "propertyName": "amount", "active": True},
    ).json()
    assert prop["propertyName"] == "amount"
    assert prop["active"] is True
    generic = call(
        api,
        "POST",
        "/subscriptions",
        key,
        {"eventType": "object.creation", "objectTypeId": "0-5", "active": True},
    ).json()
    assert generic["objectTypeId"] == "0-5"
    listed = call(api, "GET", "/subscriptions", key).json()
    assert [s["id"] for s in listed["results"]] == [created["id"], prop["id"], generic["id"]]

    sub = f"/subscriptions/{created['id']}"
    assert call(api, "GET", sub, key).json() == created
    patched = call(api, "PATCH", sub, key, {"active": True}).json()
    assert patched["active"] is True
    assert patched["id"] == created["id"]
    assert call(api, "DELETE", sub, key).status_code == 204
    gone = call(api, "GET", sub, key)
    assert gone.status_code == 404
    assert gone.json()["category"] == "OBJECT_NOT_FOUND"
    assert call(api, "DELETE", sub, key).status_code == 404


def test_subscription_validation(api: Api, app_keys: AppKeys) -> None:
    key = app_keys.api_key
    for body in (
        {"eventType": "contact.exploded"},
        {"eventType": "contact.propertyChange"},  # propertyName is required
        {"eventType": "object.creation"},  # objectTypeId is required
        {"eventType": "product.associationChange"},  # not a HubSpot event type
        {"active": True},
    ):
        answer = call(api, "POST", "/subscriptions", key, body)
        assert answer.status_code == 400, body
        assert answer.json()["category"] == "VALIDATION_ERROR"
    assert (
        call(api, "POST", "/subscriptions", key, {"eventType": "ticket.deletion"}).status_code
        == 201
    )
    duplicate = call(api, "POST", "/subscriptions", key, {"eventType": "ticket.deletion"})
    assert duplicate.status_code == 409
    assert duplicate.json()["category"] == "CONFLICT"


def test_batch_update_answers_207_for_unknown_ids(api: Api, app_keys: AppKeys) -> None:
    key = app_keys.api_key
    a = call(api, "POST", "/subscriptions", key, {"eventType": "contact.creation"}).json()
    b = call(api, "POST", "/subscriptions", key, {"eventType": "contact.deletion"}).json()
    ok = call(
        api,
        "POST",
        "/subscriptions/batch/update",
        key,
        {"inputs": [{"id": int(a["id"]), "active": True}, {"id": int(b["id"]), "active": True}]},
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "COMPLETE"
    assert [r["active"] for r in ok.json()["results"]] == [True, True]
    partial = call(
        api,
        "POST",
        "/subscriptions/batch/update",
        key,
        {"inputs": [{"id": int(a["id"]), "active": False}, {"id": 999999, "active": True}]},
    )
    assert partial.status_code == 207
    body = partial.json()
    assert body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert [(r["id"], r["active"]) for r in body["results"]] == [(a["id"], False)]
