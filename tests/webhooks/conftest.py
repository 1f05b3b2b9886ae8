"""Fixtures of the webhook tests: an app installed in a portal, on every backend."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assocdb.domain.apps import create_app
from assocdb.domain.clock import now_ms
from tests.conftest import Api


@dataclass(frozen=True)
class AppKeys:
    app_id: int
    client_secret: str
    api_key: str
    portal_id: int


def make_app(api: Api, portal_id: int, app_id: int | None = None) -> AppKeys:
    made = api.run(create_app, api.services.store, portal_id, app_id, "test app", now_ms())
    return AppKeys(made.app.app_id, made.app.client_secret, made.developer_api_key, portal_id)


@pytest.fixture
def app_keys(api: Api) -> AppKeys:
    api.portal(101)
    return make_app(api, 101, 424242)
