"""What every explorer view shares: signed-in check, error pages, parameters, services."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import cast

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assocdb.domain.explorer import ExplorerService, ExplorerStore
from assocdb.domain.models import Portal
from assocdb.domain.objecttypes import ObjectType, resolve_object_type
from assocdb.errors import AssocdbError, ObjectNotFound, ValidationError
from assocdb.http.call import Services
from assocdb.http.explorer.session import same_origin, signed_in
from assocdb.http.explorer.templating import render, timed
from assocdb.http.observability import Harness

__all__ = [
    "BASE",
    "explorer",
    "harness",
    "int_param",
    "object_type",
    "path_id",
    "portal",
    "services",
    "view",
]

BASE = "/_assocdb/explorer"

log = logging.getLogger("assocdb")

View = Callable[[Request], Awaitable[Response]]


def services(request: Request) -> Services:
    return cast(Services, request.app.state.services)


def harness(request: Request) -> Harness:
    return cast(Harness, request.app.state.harness)


def explorer(request: Request) -> ExplorerService:
    """The explorer's read service over the app's store (built on first use)."""
    state = request.app.state
    found = getattr(state, "explorer_service", None)
    if found is None:
        store = services(request).store
        assert isinstance(store, ExplorerStore), "the store lacks the explorer's port"
        found = state.explorer_service = ExplorerService(store)
    return cast(ExplorerService, found)


def int_param(request: Request, name: str, default: int, choices: tuple[int, ...] = ()) -> int:
    text = request.query_params.get(name, "")
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise ValidationError(f"{name} must be a number.")
    value = int(text)
    if choices and value not in choices:
        raise ValidationError(f"{name} must be one of {', '.join(map(str, choices))}.")
    return value


def path_id(request: Request, name: str) -> int:
    text = str(request.path_params[name])
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) >= 2**63:
        raise ObjectNotFound(f"No {name} {text[:40]!r}.")
    return int(text)


def object_type(request: Request, name: str = "objectType") -> ObjectType:
    return resolve_object_type(str(request.path_params[name]))


async def portal(request: Request) -> Portal:
    portal_id = path_id(request, "portalId")
    found = await services(request).store.get_portal(portal_id)
    if found is None:
        raise ObjectNotFound(f"Portal {portal_id} does not exist.")
    return found


def _signin_redirect(request: Request) -> Response:
    if request.headers.get("hx-request"):
        # htmx follows HX-Redirect with a full page load (a partial must not swap in a
        # sign-in page).
        return Response(status_code=401, headers={"HX-Redirect": f"{BASE}/signin"})
    return RedirectResponse(f"{BASE}/signin", status_code=303)


def view(fn: View) -> View:
    """An explorer page: signed in (else the sign-in page), timed, errors as HTML pages."""

    @timed
    @wraps(fn)
    async def wrapper(request: Request) -> Response:
        if not signed_in(request, harness(request).admin_token):
            return _signin_redirect(request)
        if request.method == "POST" and not same_origin(request):
            return render(request, "error.html", {"status": 403, "message": "Wrong origin."}, 403)
        try:
            return await fn(request)
        except AssocdbError as exc:
            context = {"status": exc.status_code, "message": exc.message}
            return render(request, "error.html", context, exc.status_code)
        except Exception:
            log.exception("explorer page %s failed", request.url.path)
            context = {"status": 500, "message": "The page failed; the server log has why."}
            return render(request, "error.html", context, 500)

    return wrapper
