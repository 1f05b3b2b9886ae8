"""The explorer's webhook deliveries: every delivery attempt, newest first, read through
the webhooks port (``WebhookStore.list_deliveries``, the admin API's reader), keyset-paged
by attempt id, filterable by app and outcome, and polled while the first page is open.

Deliveries are in the store, so every worker shows the same ones (unlike the request log).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from assocdb.domain.apps import webhook_store
from assocdb.domain.webhook_store import DELIVERY_OUTCOMES, DeliveryQuery
from assocdb.domain.webhooks import DeliveryRecord
from assocdb.errors import ValidationError
from assocdb.http.explorer.common import int_param, services, view
from assocdb.http.explorer.templating import render

__all__ = ["PAGE_SIZE", "deliveries_page", "delivery_rows"]

PAGE_SIZE = 50
"""Attempts per page: a screenful; "Older" continues from the last one."""


@dataclass(frozen=True, slots=True)
class DeliveryFilters:
    app: str
    outcome: str
    before: int | None

    @classmethod
    def of(cls, request: Request) -> DeliveryFilters:
        q = request.query_params
        outcome = q.get("status", "")
        if outcome not in DELIVERY_OUTCOMES:
            raise ValidationError(f"status must be one of {', '.join(DELIVERY_OUTCOMES[1:])}.")
        app = q.get("app", "").strip()[:20]
        if app and not (app.isascii() and app.isdigit() and int(app) < 2**63):
            raise ValidationError("app must be an app id (a number).")
        return cls(app, outcome, int_param(request, "before", 0) or None)

    @property
    def app_id(self) -> int | None:
        return int(self.app) if self.app else None


async def _page(request: Request) -> tuple[DeliveryFilters, list[DeliveryRecord], int | None]:
    """The filters, one page of attempts, and the ``before`` of the next (older) page."""
    filters = DeliveryFilters.of(request)
    query = DeliveryQuery(PAGE_SIZE + 1, filters.before, filters.outcome)
    store = webhook_store(services(request).store)
    found = await store.list_deliveries(None, filters.app_id, PAGE_SIZE + 1, query)
    older = found[PAGE_SIZE - 1].delivery_id if len(found) > PAGE_SIZE else None
    return filters, found[:PAGE_SIZE], older


def _context(
    filters: DeliveryFilters, rows: list[DeliveryRecord], older: int | None
) -> dict[str, object]:
    return {"filters": filters, "rows": rows, "older": older, "statuses": DELIVERY_OUTCOMES}


@view
async def deliveries_page(request: Request) -> Response:
    return render(request, "deliveries.html", _context(*await _page(request)))


@view
async def delivery_rows(request: Request) -> Response:
    """The table body and pager for the filters (polled every 2 s on the first page)."""
    return render(request, "_delivery_rows.html", _context(*await _page(request)))
