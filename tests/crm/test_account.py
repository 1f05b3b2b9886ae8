"""``GET /account-info/v3/details`` and the daily API usage from the rate limiter."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Api


def test_details_describe_the_tokens_portal(api: Api) -> None:
    api.portal(77)
    response = api.get("/account-info/v3/details", api.token(77, ["oauth"]))
    assert response.status_code == 200
    assert response.json() == {
        "portalId": 77,
        "accountType": "STANDARD",
        "timeZone": "Etc/UTC",
        "companyCurrency": "USD",
        "additionalCurrencies": [],
        "utcOffset": "+00:00",
        "utcOffsetMilliseconds": 0,
        "uiDomain": "app.hubspot.com",
        "dataHostingLocation": "na1",
    }
    assert api.get("/account-info/v3/details", None).status_code == 401


def test_daily_usage_counts_todays_calls(make_api: Callable[..., Api]) -> None:
    api = make_api(rate_limit="100/1000")
    api.portal(1)
    token = api.token(1)
    for _ in range(3):
        api.get("/account-info/v3/details", token)
    response = api.get("/account-info/v3/api-usage/daily/private-apps", token)
    assert response.status_code == 200
    (usage,) = response.json()["results"]
    assert usage.pop("collectedAt").endswith("Z")
    assert usage.pop("resetsAt").endswith("T00:00:00.000Z")
    # Three calls before, and this one (counted when admitted).
    assert usage == {
        "name": "api-calls-daily",
        "usageLimit": 1000,
        "currentUsage": 4,
        "fetchStatus": "SUCCESS",
    }
    older = api.get("/account-info/v3/api-usage/daily", token).json()["results"][0]
    assert older["currentUsage"] == 5


def test_daily_usage_is_empty_when_the_portal_is_not_limited(api: Api) -> None:
    api.portal(1)
    response = api.get("/account-info/v3/api-usage/daily/private-apps", api.token(1))
    assert response.json() == {"results": []}
