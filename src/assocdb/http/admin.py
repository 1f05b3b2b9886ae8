"""The admin API under ``/_assocdb/``: what a test harness needs from the server.

Served only with ``--admin`` (``ASSOCDB_ADMIN``); every call needs
``Authorization: Bearer <admin token>`` (``--admin-token``), never a portal's token. The
operations are part of the route table only when enabled, so they appear in
``/openapi.json`` then (tag "Admin") and are unrouted (404) otherwise.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

import msgspec
from starlette.responses import Response

from assocdb.domain.auth import ALL_SCOPES, MAX_TOKEN_LIFETIME_S, issue_token, parse_scopes
from assocdb.domain.clock import now_ms
from assocdb.errors import InvalidAuthentication, ObjectNotFound, ValidationError
from assocdb.http.call import Call
from assocdb.http.errors import CORRELATION_HEADER
from assocdb.http.faults import FaultRule
from assocdb.http.observability import Harness, RequestRecord
from assocdb.http.operation import Operation, QueryParam
from assocdb.seed import SeedData, SeedDocument, SeedResult, export_portal, seed_portal

__all__ = ["OPERATIONS"]

_TAG = "Admin (assocdb test harness)"


# Bounds checked while decoding (a 400 naming the field), so that nothing out of range
# reaches the store: SQLite and PostgreSQL columns are int64.
PortalId = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
Lifetime = Annotated[int, msgspec.Meta(ge=1, le=MAX_TOKEN_LIFETIME_S)]


class NewPortal(msgspec.Struct, forbid_unknown_fields=True):
    portalId: PortalId | None = None
    name: str = ""
    scopes: list[str] | Literal["all"] = "all"


class CreatedPortal(msgspec.Struct):
    portalId: int
    name: str
    token: str


class NewToken(msgspec.Struct, forbid_unknown_fields=True):
    scopes: list[str] | Literal["all"] = "all"
    expiresInSeconds: Lifetime | None = None


class CreatedToken(msgspec.Struct):
    portalId: int
    token: str


class RecentRequests(msgspec.Struct):
    results: list[RequestRecord]


class FaultInput(msgspec.Struct, forbid_unknown_fields=True):
    rules: str
    """One or more rules, comma-separated (grammar in ``http/faults.py``)."""


class FaultState(msgspec.Struct):
    rule: str
    kind: str
    seen: int
    fired: int


class FaultList(msgspec.Struct):
    results: list[FaultState]


def _harness(call: Call) -> Harness:
    harness: Harness = call.request.app.state.harness
    expected = harness.admin_token or ""
    scheme, _, given = (call.request.headers.get("authorization") or "").partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(given.strip().encode(), expected.encode())
    ):
        raise InvalidAuthentication("The admin API needs 'Authorization: Bearer <admin token>'.")
    return harness


def _no_content(call: Call) -> Response:
    return Response(status_code=204, headers={CORRELATION_HEADER: call.correlation_id})


async def _portal(call: Call) -> int:
    portal_id = call.path_id("portalId")
    if await call.services.store.get_portal(portal_id) is None:
        raise ObjectNotFound(f"Portal {portal_id} does not exist.")
    return portal_id


def _scopes(value: list[str] | str) -> frozenset[str]:
    if value == "all":
        return frozenset({ALL_SCOPES})
    return parse_scopes(",".join(value))


async def create_portal(call: Call) -> Response:
    _harness(call)
    body = await call.body(NewPortal)
    store = call.services.store
    portal = await store.create_portal(body.portalId, body.name, now_ms())
    token = await issue_token(store, portal.portal_id, _scopes(body.scopes), now_ms())
    return call.json(CreatedPortal(portal.portal_id, portal.name, token), 201)


async def create_token(call: Call) -> Response:
    _harness(call)
    portal_id = await _portal(call)
    body = await call.body(NewToken)
    now = now_ms()
    expires = None if body.expiresInSeconds is None else now + body.expiresInSeconds * 1000
    token = await issue_token(call.services.store, portal_id, _scopes(body.scopes), now, expires)
    return call.json(CreatedToken(portal_id, token), 201)


async def reset_portal(call: Call) -> Response:
    _harness(call)
    portal_id = await _portal(call)
    await call.services.store.reset_portal(portal_id)
    call.services.properties.forget(portal_id)  # its custom properties are gone
    return _no_content(call)


async def seed(call: Call) -> Response:
    _harness(call)
    portal_id = await _portal(call)
    document = await call.body(SeedDocument)
    result = await seed_portal(
        call.services.store,
        portal_id,
        SeedData.from_document(document),
        max_labels_per_pair=call.services.settings.max_labels_per_pair,
        emit_events=_emit_events(call),
    )
    call.services.properties.forget(portal_id)  # a seed may define properties
    return call.json(result, 201)


def _emit_events(call: Call) -> bool:
    """``?emitEvents=true``: the seed sends webhook events (off by default, docs/webhooks.md)."""
    raw = call.request.query_params.get("emitEvents", "false").strip().lower()
    if raw not in ("true", "false"):
        raise ValidationError(
            "emitEvents must be true or false.", context={"emitEvents": [raw[:20]]}
        )
    return raw == "true"


async def export(call: Call) -> Response:
    _harness(call)
    return call.json(await export_portal(call.services.store, await _portal(call)))


async def list_requests(call: Call) -> Response:
    harness = _harness(call)
    records = list(harness.recent)
    portal = call.request.query_params.get("portalId")
    if portal is not None:
        records = [r for r in records if str(r.portalId) == portal]
    limit = call.request.query_params.get("limit")
    if limit is not None:
        if not (limit.isascii() and limit.isdigit()) or len(limit) > 9:
            raise ValidationError("limit must be an integer from 0 to 999999999.")
        records = records[-int(limit) :] if int(limit) else []
    return call.json(RecentRequests(records))


async def clear_requests(call: Call) -> Response:
    _harness(call).recent.clear()
    return _no_content(call)


def _fault_list(rules: list[FaultRule]) -> FaultList:
    return FaultList([FaultState(r.text, r.kind, r.seen, r.fired) for r in rules])


async def list_faults(call: Call) -> Response:
    return call.json(_fault_list(_harness(call).faults.rules))


async def add_faults(call: Call) -> Response:
    harness = _harness(call)
    added = harness.faults.add((await call.body(FaultInput)).rules)
    return call.json(_fault_list(added), 201)


async def clear_faults(call: Call) -> Response:
    _harness(call).faults.clear()
    return _no_content(call)


def _op(
    method: str,
    path: str,
    handler: object,
    operation_id: str,
    summary: str,
    request: type | None = None,
    responses: dict[int, type | None] | None = None,
    query: tuple[QueryParam, ...] = (),
) -> Operation:
    return Operation(
        method,
        "/_assocdb" + path,
        handler,  # type: ignore[arg-type]
        operation_id,
        summary,
        _TAG,
        access=None,
        request=request,
        responses=responses or {204: None},
        query=query,
    )


OPERATIONS: tuple[Operation, ...] = (
    _op(
        "POST",
        "/portals",
        create_portal,
        "adminCreatePortal",
        "Create a portal and a token for it",
        NewPortal,
        {201: CreatedPortal},
    ),
    _op(
        "POST",
        "/portals/{portalId}/tokens",
        create_token,
        "adminCreateToken",
        "Create a token for a portal",
        NewToken,
        {201: CreatedToken},
    ),
    _op(
        "POST",
        "/portals/{portalId}/reset",
        reset_portal,
        "adminResetPortal",
        "Delete every record, association, label and limit of a portal (tokens stay)",
    ),
    _op(
        "POST",
        "/portals/{portalId}/seed",
        seed,
        "adminSeedPortal",
        "Create labels, records and associations from a seed document",
        SeedDocument,
        {201: SeedResult},
        (
            QueryParam(
                "emitEvents",
                "string",
                "true: send the webhook events of the seeded records and associations"
                " (changeSource IMPORT); default false.",
            ),
        ),
    ),
    _op(
        "GET",
        "/portals/{portalId}/export",
        export,
        "adminExportPortal",
        "The portal as a seed document",
        None,
        {200: SeedDocument},
    ),
    _op(
        "GET",
        "/requests",
        list_requests,
        "adminListRequests",
        "Recent API requests of this worker, oldest first",
        None,
        {200: RecentRequests},
        (
            QueryParam("limit", "integer", "Only the last N requests"),
            QueryParam("portalId", "integer", "Only requests of this portal"),
        ),
    ),
    _op("DELETE", "/requests", clear_requests, "adminClearRequests", "Forget recent requests"),
    _op(
        "GET",
        "/faults",
        list_faults,
        "adminListFaults",
        "Active fault rules with their counters",
        None,
        {200: FaultList},
    ),
    _op(
        "POST",
        "/faults",
        add_faults,
        "adminAddFaults",
        "Add fault rules",
        FaultInput,
        {201: FaultList},
    ),
    _op("DELETE", "/faults", clear_faults, "adminClearFaults", "Remove every fault rule"),
)
