"""``create_app(settings) -> Starlette``: routes from the table, one endpoint wrapper.

The wrapper does, in order, what every HubSpot endpoint does: authenticate (401), resolve
the object types named in the path (400), check scopes (403), then run the handler;
any ``AssocdbError`` is rendered by ``http.errors`` and anything else becomes a
HubSpot-shaped 500 whose details go to the log only.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import cast

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from assocdb.config import Settings
from assocdb.domain.apps import webhook_store
from assocdb.domain.associations import AssociationService
from assocdb.domain.auth import Principal, TokenCache, authenticate
from assocdb.domain.clock import now_ms
from assocdb.domain.crm import crm_services
from assocdb.domain.labels import LabelService
from assocdb.domain.limits import LimitService
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import CUSTOM_TYPE, ObjectType, resolve_object_type
from assocdb.domain.paging import CursorCodec
from assocdb.domain.properties import PropertyService, PropertyStore
from assocdb.domain.search import SearchService, SearchStore
from assocdb.domain.store import Store
from assocdb.errors import (
    AssocdbError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    ValidationError,
)
from assocdb.http import admin
from assocdb.http.call import Call, Services
from assocdb.http.crm import admin as crm_admin
from assocdb.http.errors import error_response, new_correlation_id
from assocdb.http.explorer import explorer_routes
from assocdb.http.explorer.capture import Journal
from assocdb.http.observability import install_harness
from assocdb.http.openapi import openapi_document
from assocdb.http.operation import Operation
from assocdb.http.ratelimit import RateLimited, RateLimiter
from assocdb.http.routes import OPERATIONS
from assocdb.http.scopes import TYPE_PARAMS, check_scopes
from assocdb.http.webhooks import admin as webhooks_admin
from assocdb.http.webhooks.delivery import start_delivery
from assocdb.storage import open_store

__all__ = ["create_app", "create_app_from_env"]

log = logging.getLogger("assocdb")

_ANONYMOUS = Principal(0, frozenset())


async def _resolve_types(
    request: Request, services: Services, portal_id: int
) -> dict[str, ObjectType]:
    """Standard types by name or id; anything else is looked up in the portal's custom
    object schemas (domain/schemas.py), which only the authenticated portal can see."""
    params = request.path_params
    types: dict[str, ObjectType] = {}
    for name in TYPE_PARAMS:
        if name in params:
            text = params[name]
            try:
                found = resolve_object_type(text)
            except ValidationError:
                found = None
            if found is None or CUSTOM_TYPE.fullmatch(found.type_id):
                found = await services.crm.schemas.resolve(portal_id, text)
            types[name] = found
    return types


def _check_scopes(op: Operation, principal: Principal, types: dict[str, ObjectType]) -> None:
    """The operation's scope rules from the route table (http/routes.py), nothing else."""
    check_scopes(op.required_scopes, principal, types)


def _hot_first(operations: Sequence[Operation]) -> list[Operation]:
    """Search routes first, the rest in table order. Starlette tries routes one by one (a
    regex each) and the search routes came 79th: about a tenth of a one-record search's
    server time was spent reaching them. No other route fully matches a search path
    (``POST .../{objectType}/search``), so trying them first changes no request's route;
    ``tests/api/test_route_coverage.py`` checks every operation is still reached."""
    return sorted(operations, key=lambda op: not op.path.endswith("/search"))


def _endpoint(op: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        correlation_id = new_correlation_id()
        started = now_ms()
        services: Services = request.app.state.services
        limit_headers: dict[str, str] | None = None
        try:
            principal = _ANONYMOUS
            if op.access is not None:
                principal = await authenticate(
                    services.store, request.headers.get("authorization"), started, services.tokens
                )
                request.scope["assocdb.portal_id"] = principal.portal_id  # request logs
                # Only authenticated calls count against a portal (http/ratelimit.py).
                limit_headers = await request.app.state.rate_limiter.admit(principal.portal_id)
            types = await _resolve_types(request, services, principal.portal_id)
            _check_scopes(op, principal, types)
            call = Call(request, services, principal, types, correlation_id, started)
            response = await op.handler(call)
        except RateLimited as exc:
            return exc.response(correlation_id)
        except AssocdbError as exc:
            response = error_response(exc, correlation_id)
        except Exception:
            log.exception("unhandled error (correlationId %s)", correlation_id)
            response = error_response(
                InternalError(
                    "An internal error occurred. Quote the correlationId if you report it."
                ),
                correlation_id,
            )
        if limit_headers is not None:
            response.headers.update(limit_headers)
        return response

    endpoint.__name__ = op.operation_id
    return endpoint


async def _http_exception(request: Request, exc: Exception) -> Response:
    """Unrouted paths and methods get HubSpot-shaped bodies too."""
    assert isinstance(exc, HTTPException)
    error: AssocdbError
    if exc.status_code == 405:
        error = MethodNotAllowed(f"Method {request.method} is not allowed on {request.url.path}.")
    else:
        error = NotFound(f"No API endpoint at {request.method} {request.url.path}.")
    return error_response(error, new_correlation_id())


def _services(settings: Settings, store: Store, secret: bytes) -> Services:
    # The stores implement the properties and search ports beside Store (storage/*_properties.py,
    # storage/*_search.py); Store itself stays the objects-and-associations interface.
    properties = PropertyService(cast(PropertyStore, store), lenient=settings.lenient_properties)
    objects = ObjectService(store, properties=properties)
    associations = AssociationService(
        store, CursorCodec(secret), batch_page_size=settings.batch_read_page_size
    )
    crm = crm_services(store, objects, associations)
    properties.schema_properties = crm.schemas.property_defs
    return Services(
        settings=settings,
        store=store,
        associations=associations,
        labels=LabelService(store, max_labels_per_pair=settings.max_labels_per_pair),
        limits=LimitService(store),
        objects=objects,
        properties=properties,
        search=SearchService(
            cast(SearchStore, store),
            properties,
            index_delay_ms=settings.search_index_delay_ms,
        ),
        tokens=TokenCache(),
        crm=crm,
    )


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """The ASGI app. ``store`` (opened and closed with the app) defaults to ``settings.db``."""
    the_store = (
        store
        if store is not None
        else open_store(settings.db, readers=settings.read_threads, read_url=settings.read_db)
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await the_store.open()
        app.state.services = _services(settings, the_store, await the_store.secret())
        app.state.rate_limiter = RateLimiter(
            settings.rate_limit,
            settings.rate_limit_storage,
            the_store,
            fail=settings.rate_limit_fail,
        )
        app.state.webhooks = None
        if settings.webhook_delivery:  # webhooks (docs/webhooks.md): the outbox's sender
            app.state.webhooks = await start_delivery(
                webhook_store(the_store),
                settings.webhook_retry_base_ms,
                settings.webhook_lease_ms,
                app.state.harness.metrics.registry,
            )
        try:
            yield
        finally:
            if app.state.webhooks is not None:
                await app.state.webhooks.stop()
            await app.state.rate_limiter.close()
            await the_store.close()

    # The admin API (http/admin.py) is routed, and documented, only when enabled.
    operations = OPERATIONS + (
        (*admin.OPERATIONS, *crm_admin.OPERATIONS, *webhooks_admin.OPERATIONS)
        if settings.admin
        else ()
    )
    routes = [Route(op.path, _endpoint(op), methods=[op.method]) for op in _hot_first(operations)]
    document = openapi_document(operations)

    async def openapi(request: Request) -> Response:
        return Response(document, media_type="application/json")

    routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    harness, middleware = install_harness(settings, routes, the_store)
    mounts: list[BaseRoute] = []
    journal = None
    if settings.admin:  # the explorer (http/explorer/) comes with the admin API
        journal = Journal()
        explorer_mount, capture = explorer_routes(harness, journal)
        mounts.append(explorer_mount)
        middleware.insert(0, capture)
    app = Starlette(
        routes=[*routes, *mounts],
        lifespan=lifespan,
        exception_handlers={404: _http_exception, 405: _http_exception},
        middleware=middleware,
    )
    app.state.harness = harness
    app.state.explorer_journal = journal
    return app


def create_app_from_env() -> Starlette:
    """uvicorn factory for worker processes: settings come from ``ASSOCDB_*`` variables."""
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper())
    app = create_app(settings)
    # A server process: everything alive now (modules, routes) lives as long as it does.
    # Keep it out of the collector's full passes, which big batch reads (an object per
    # association) trigger often. Not done in create_app: tests and the in-process pytest
    # plugin share their process with other code.
    gc.freeze()
    return app
