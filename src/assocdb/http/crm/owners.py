"""CRM owners (https://developers.hubspot.com/docs/api/crm/owners): ``GET /crm/v3/owners``
and ``GET /crm/v3/owners/{ownerId}``. Read-only, as HubSpot's: owners are created with the
CLI, the admin API (http/crm/admin.py) or seed documents."""

from __future__ import annotations

from msgspec import Struct
from starlette.responses import Response

from assocdb.domain.owners import DEFAULT_LIMIT, MAX_LIMIT, Owner
from assocdb.http.call import Call, query_limit
from assocdb.http.operation import Operation, QueryParam
from assocdb.http.render import iso_ms
from assocdb.http.schemas import NextPage
from assocdb.http.scopes import AnyScope

__all__ = ["OPERATIONS", "PublicOwner", "render_owner"]

# HubSpot lists both; "automation" is the older scope that also grants owner reads.
SCOPES = ("crm.objects.owners.read", "automation")


class PublicTeam(Struct):
    id: str
    name: str
    primary: bool


class PublicOwner(Struct, omit_defaults=True, kw_only=True):
    id: str
    email: str
    type: str
    firstName: str | None = None
    lastName: str | None = None
    userId: int
    userIdIncludingInactive: int
    createdAt: str
    updatedAt: str
    archived: bool
    teams: list[PublicTeam] | None = None
    """Left out for owners in no team [inferred: HubSpot lists teams "if teams are available
    for your HubSpot tier", https://developers.hubspot.com/docs/api/crm/owners]."""


class ForwardPaging(Struct):
    next: NextPage


class CollectionResponsePublicOwner(Struct, omit_defaults=True):
    results: list[PublicOwner]
    paging: ForwardPaging | None = None


def render_owner(owner: Owner) -> PublicOwner:
    # firstName/lastName are "" in HubSpot's answers for users without a name.
    return PublicOwner(
        id=str(owner.owner_id),
        email=owner.email,
        type="PERSON",
        firstName=owner.first_name or "",
        lastName=owner.last_name or "",
        userId=owner.user_id,
        userIdIncludingInactive=owner.user_id,
        createdAt=iso_ms(owner.created_at_ms),
        updatedAt=iso_ms(owner.updated_at_ms),
        archived=owner.archived,
        teams=[PublicTeam(t.team_id, t.name, t.primary) for t in owner.teams] or None,
    )


def _flag(call: Call, name: str) -> bool:
    return call.request.query_params.get(name, "").strip().lower() == "true"


async def list_owners(call: Call) -> Response:
    query = call.request.query_params
    page = await call.services.crm.owners.list_page(
        call.portal_id,
        email=query.get("email") or None,
        after=query.get("after") or None,
        limit=query_limit(query.get("limit"), DEFAULT_LIMIT, MAX_LIMIT),
        archived=_flag(call, "archived"),
    )
    paging = ForwardPaging(NextPage(str(page.next_after))) if page.next_after else None
    return call.json(CollectionResponsePublicOwner([render_owner(o) for o in page.owners], paging))


async def get_owner(call: Call) -> Response:
    owner = await call.services.crm.owners.get(
        call.portal_id,
        call.request.path_params["ownerId"],
        by=call.request.query_params.get("idProperty") or "id",
        archived=_flag(call, "archived"),
    )
    return call.json(render_owner(owner))


_LIST_QUERY = (
    QueryParam("email", "string", "Only the owner with this email (case-insensitive)."),
    QueryParam("after", "string", "Cursor from a previous page's paging.next.after."),
    QueryParam("limit", "integer", f"Page size; default {DEFAULT_LIMIT}, at most {MAX_LIMIT}."),
    QueryParam("archived", "string", "true: list archived owners instead."),
)


def _list(path: str, operation_id: str) -> Operation:
    return Operation(
        "GET",
        path,
        list_owners,
        operation_id,
        "List the portal's owners",
        "Owners",
        responses={200: CollectionResponsePublicOwner},
        query=_LIST_QUERY,
        scopes=(AnyScope(SCOPES),),
    )


OPERATIONS: tuple[Operation, ...] = (
    # HubSpot's clients call "/crm/v3/owners/" (trailing slash); its docs write both.
    _list("/crm/v3/owners/", "list_owners"),
    _list("/crm/v3/owners", "list_owners_no_slash"),
    Operation(
        "GET",
        "/crm/v3/owners/{ownerId}",
        get_owner,
        "get_owner",
        "One owner by id, or by userId with idProperty=userId",
        "Owners",
        responses={200: PublicOwner},
        query=(
            QueryParam("idProperty", "string", "id (default) or userId."),
            QueryParam("archived", "string", "true: read an archived owner."),
        ),
        scopes=(AnyScope(SCOPES),),
    ),
)
