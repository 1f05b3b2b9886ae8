"""Admin API for CRM configuration (served with ``--admin`` only, like http/admin.py):
create and archive owners, which HubSpot's own API cannot do."""

from __future__ import annotations

from msgspec import Struct
from starlette.responses import Response

from assocdb.domain.owners import NewOwner
from assocdb.http import admin
from assocdb.http.call import Call
from assocdb.http.crm.owners import PublicOwner, render_owner
from assocdb.http.operation import Operation

__all__ = ["OPERATIONS"]


class OwnerInput(Struct, forbid_unknown_fields=True):
    email: str
    firstName: str | None = None
    lastName: str | None = None
    teams: list[str] = []
    """Team names, the primary team first (at most 20, each 1–100 characters)."""


async def create_owner(call: Call) -> Response:
    admin._harness(call)
    portal_id = await admin._portal(call)
    body = await call.body(OwnerInput)
    owner = await call.services.crm.owners.create(
        portal_id, NewOwner(body.email, body.firstName, body.lastName, tuple(body.teams))
    )
    return call.json(render_owner(owner), 201)


async def archive_owner(call: Call) -> Response:
    admin._harness(call)
    portal_id = await admin._portal(call)
    await call.services.crm.owners.archive(portal_id, call.path_id("ownerId"))
    return admin._no_content(call)


OPERATIONS: tuple[Operation, ...] = (
    admin._op(
        "POST",
        "/portals/{portalId}/owners",
        create_owner,
        "adminCreateOwner",
        "Create an owner (HubSpot's API has no such call)",
        OwnerInput,
        {201: PublicOwner},
    ),
    admin._op(
        "DELETE",
        "/portals/{portalId}/owners/{ownerId}",
        archive_owner,
        "adminArchiveOwner",
        "Archive an owner: it moves to ?archived=true lists",
    ),
)
