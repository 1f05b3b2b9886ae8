"""Account details (``GET /account-info/v3/details``,
https://developers.hubspot.com/docs/api/settings/account-information-api).

assocdb portals have no settings of their own for these: every portal answers as a
standard account in UTC, in US dollars, hosted in ``na1`` (the data hosting location
HubSpot's private-app tokens ``pat-na1-…`` name). UTC is also the day the daily rate-limit
budget resets on (http/ratelimit.py), so the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from assocdb.domain.store import Store
from assocdb.errors import ObjectNotFound

__all__ = ["AccountDetails", "account_details"]


@dataclass(frozen=True, slots=True)
class AccountDetails:
    portal_id: int
    account_type: str = "STANDARD"
    time_zone: str = "Etc/UTC"
    company_currency: str = "USD"
    additional_currencies: tuple[str, ...] = ()
    utc_offset: str = "+00:00"
    utc_offset_ms: int = 0
    ui_domain: str = "app.hubspot.com"
    data_hosting_location: str = "na1"


async def account_details(store: Store, portal_id: int) -> AccountDetails:
    if await store.get_portal(portal_id) is None:
        raise ObjectNotFound(f"Portal {portal_id} does not exist.")
    return AccountDetails(portal_id)
