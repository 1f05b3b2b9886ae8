"""The explorer: a browser view of portals, records, the association graph, the live
request log, fault rules and rate-limit budgets, under ``/_assocdb/explorer/``.

Served only with the admin API (``serve --admin``, or ``--demo``), and only to a browser
signed in with the admin token (``session.py``). Server-rendered Jinja2 pages with htmx
for partial updates and cytoscape.js for the graph, both shipped in ``static/vendor``
(no CDN: users run offline). Documented in docs/explorer.md.
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from assocdb.http.explorer import auth_views, views_data, views_deliveries, views_harness
from assocdb.http.explorer.capture import CaptureMiddleware, Journal
from assocdb.http.explorer.common import BASE
from assocdb.http.explorer.session import signin_url
from assocdb.http.observability import Harness

__all__ = ["BASE", "explorer_routes", "signin_url"]

_STATIC = Path(__file__).parent / "static"


def _routes() -> list[BaseRoute]:
    d, h, a = views_data, views_harness, auth_views
    record = "/portals/{portalId}/objects/{objectType}/{objectId}"
    return [
        Route("/", d.portals_page, methods=["GET"]),
        Route("/signin", a.signin_form, methods=["GET"]),
        Route("/signin", a.signin, methods=["POST"]),
        Route("/signout", a.signout, methods=["POST"]),
        Route("/portals/{portalId}", d.portal_page, methods=["GET"]),
        Route("/portals/{portalId}/budget", d.budget, methods=["GET"]),
        Route("/portals/{portalId}/graph.json", d.graph_data, methods=["GET"]),
        Route("/portals/{portalId}/objects/{objectType}", d.records_page, methods=["GET"]),
        Route(record, d.record_page, methods=["GET"]),
        Route(record + "/graph", d.graph_page, methods=["GET"]),
        Route(record + "/associations/{toType}", d.associations_page, methods=["GET"]),
        Route("/requests", h.requests_page, methods=["GET"]),
        Route("/requests/rows", h.request_rows, methods=["GET"]),
        Route("/requests/{seq}", h.exchange_detail, methods=["GET"]),
        Route("/faults", h.faults_page, methods=["GET"]),
        Route("/faults", h.add_fault, methods=["POST"]),
        Route("/faults/remove", h.remove_fault, methods=["POST"]),
        Route("/faults/clear", h.clear_faults, methods=["POST"]),
        Route("/deliveries", views_deliveries.deliveries_page, methods=["GET"]),
        Route("/deliveries/rows", views_deliveries.delivery_rows, methods=["GET"]),
        Mount("/static", StaticFiles(directory=_STATIC), name="explorer-static"),
    ]


def explorer_routes(harness: Harness, journal: Journal) -> tuple[BaseRoute, Middleware]:
    """The explorer's mount and the middleware that fills its request journal; the app
    keeps ``journal`` in ``app.state.explorer_journal``."""
    return Mount(BASE, routes=_routes()), Middleware(
        CaptureMiddleware, journal=journal, harness=harness
    )
