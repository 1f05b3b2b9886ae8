"""Account information (https://developers.hubspot.com/docs/api/settings/account-information-api):
``GET /account-info/v3/details`` and the daily API usage, from the rate limiter's counters.

HubSpot asks for the basic ``oauth`` scope; any CRM scope is accepted too.
"""

from __future__ import annotations

import datetime as dt

from msgspec import Struct
from starlette.responses import Response

from assocdb.domain.account import account_details
from assocdb.domain.clock import now_ms
from assocdb.http.call import Call
from assocdb.http.operation import Operation
from assocdb.http.render import iso_ms
from assocdb.http.scopes import CRM_OBJECT_SCOPES, AnyScope

__all__ = ["OPERATIONS"]


class PortalInformation(Struct):
    portalId: int
    accountType: str
    timeZone: str
    companyCurrency: str
    additionalCurrencies: list[str]
    utcOffset: str
    utcOffsetMilliseconds: int
    uiDomain: str
    dataHostingLocation: str


class ApiUsage(Struct):
    name: str
    usageLimit: int
    currentUsage: int
    collectedAt: str
    fetchStatus: str
    resetsAt: str


class ApiUsageCollection(Struct):
    results: list[ApiUsage]


async def details(call: Call) -> Response:
    found = await account_details(call.services.store, call.portal_id)
    return call.json(
        PortalInformation(
            portalId=found.portal_id,
            accountType=found.account_type,
            timeZone=found.time_zone,
            companyCurrency=found.company_currency,
            additionalCurrencies=list(found.additional_currencies),
            utcOffset=found.utc_offset,
            utcOffsetMilliseconds=found.utc_offset_ms,
            uiDomain=found.ui_domain,
            dataHostingLocation=found.data_hosting_location,
        )
    )


def _next_utc_midnight_ms() -> int:
    today = dt.datetime.now(dt.UTC).date()
    midnight = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.UTC)
    return int(midnight.timestamp() * 1000)


async def daily_usage(call: Call) -> Response:
    """One ``api-calls-daily`` entry: the portal's daily budget and today's count. A portal
    without a rate limit counts nothing, so it has no entry (an empty list) [inferred]."""
    usage = await call.request.app.state.rate_limiter.daily_usage(call.portal_id)
    results = []
    if usage is not None:
        policy, used = usage
        results.append(
            ApiUsage(
                name="api-calls-daily",
                usageLimit=policy.per_day,
                currentUsage=used,
                collectedAt=iso_ms(now_ms()),
                fetchStatus="SUCCESS",
                resetsAt=iso_ms(_next_utc_midnight_ms()),
            )
        )
    return call.json(ApiUsageCollection(results))


_TAG = "Account information"
# HubSpot asks for the basic ``oauth`` scope every app holds; a token made with CRM scopes
# only (assocdb's are private-app style) is accepted too.
_ANY_APP = (AnyScope(("oauth", *CRM_OBJECT_SCOPES)),)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/account-info/v3/details",
        details,
        "account_details",
        "The portal's id, time zone, currency and data hosting location",
        _TAG,
        responses={200: PortalInformation},
        scopes=_ANY_APP,
    ),
    Operation(
        "GET",
        "/account-info/v3/api-usage/daily/private-apps",
        daily_usage,
        "api_usage_daily_private_apps",
        "Today's API calls against the portal's daily budget",
        _TAG,
        responses={200: ApiUsageCollection},
        scopes=_ANY_APP,
    ),
    # The path of HubSpot's older docs; same answer.
    Operation(
        "GET",
        "/account-info/v3/api-usage/daily",
        daily_usage,
        "api_usage_daily",
        "Today's API calls against the portal's daily budget",
        _TAG,
        responses={200: ApiUsageCollection},
        scopes=_ANY_APP,
    ),
)
