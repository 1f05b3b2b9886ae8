"""HubSpot's official Python client's ``webhooks`` APIs, unmodified, against a live
``assocdb serve`` (the developer API key goes in as ``api_key``, sent as ``hapikey``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hubspot import HubSpot
from hubspot.webhooks import (
    BatchInputSubscriptionBatchUpdateRequest,
    SettingsChangeRequest,
    SubscriptionBatchUpdateRequest,
    SubscriptionCreateRequest,
    SubscriptionPatchRequest,
    ThrottlingSettings,
)
from hubspot.webhooks.exceptions import ApiException

from tests.live import cli, live_server

pytestmark = pytest.mark.slow


def test_official_client_webhooks_apis(db_url: str, tmp_path: Path) -> None:
    cli("portal", "create", "--db", db_url, "--id", "515")
    keys = json.loads(cli("app", "create", "--db", db_url, "--portal", "515", "--json"))
    assert set(keys) == {"appId", "clientSecret", "developerApiKey"}
    app_id = keys["appId"]
    with live_server(db_url, log_path=tmp_path / "serve.log") as server:
        client = HubSpot(api_key=keys["developerApiKey"], host=server.base_url)
        settings = client.webhooks.settings_api.configure(
            app_id,
            SettingsChangeRequest(
                target_url="http://127.0.0.1:9/hook",
                throttling=ThrottlingSettings(max_concurrent_requests=10),
            ),
        )
        assert settings.target_url == "http://127.0.0.1:9/hook"
        assert settings.throttling.max_concurrent_requests == 10
        assert client.webhooks.settings_api.get_all(app_id).target_url == settings.target_url

        made = client.webhooks.subscriptions_api.create(
            app_id,
            SubscriptionCreateRequest(event_type="contact.propertyChange", property_name="email"),
        )
        assert made.active is False
        assert made.property_name == "email"
        other = client.webhooks.subscriptions_api.create(
            app_id, SubscriptionCreateRequest(event_type="company.creation", active=True)
        )
        listed = client.webhooks.subscriptions_api.get_all(app_id)
        assert [s.id for s in listed.results] == [made.id, other.id]
        patched = client.webhooks.subscriptions_api.update(
            int(made.id), app_id, SubscriptionPatchRequest(active=True)
        )
        assert patched.active is True
        batch = client.webhooks.subscriptions_api.update_batch(
            app_id,
            BatchInputSubscriptionBatchUpdateRequest(
                inputs=[SubscriptionBatchUpdateRequest(id=int(other.id), active=False)]
            ),
        )
        assert batch.status == "COMPLETE"
        assert batch.results[0].active is False
        assert client.webhooks.subscriptions_api.get_by_id(int(other.id), app_id).active is False
        client.webhooks.subscriptions_api.archive(int(other.id), app_id)
        with pytest.raises(ApiException) as missing:
            client.webhooks.subscriptions_api.get_by_id(int(other.id), app_id)
        assert missing.value.status == 404
        client.webhooks.settings_api.clear(app_id)
        with pytest.raises(ApiException) as no_settings:
            client.webhooks.settings_api.get_all(app_id)
        assert no_settings.value.status == 404

        wrong = HubSpot(api_key="not-the-key", host=server.base_url)
        with pytest.raises(ApiException) as denied:
            wrong.webhooks.subscriptions_api.get_all(app_id)
        assert denied.value.status == 401
