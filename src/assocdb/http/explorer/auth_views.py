"""The sign-in page and its form (``session.py`` has the why)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assocdb.http.explorer.common import BASE, harness
from assocdb.http.explorer.session import (
    COOKIE,
    SESSION_S,
    cookie_value,
    read_form,
    same_origin,
    token_matches,
)
from assocdb.http.explorer.templating import SECURITY_HEADERS, render, timed

__all__ = ["signin", "signin_form", "signout"]


@timed
async def signin_form(request: Request) -> Response:
    # Always the form, even when signed in: a redirect would carry the URL's fragment (the
    # token) to the next page; the form's script removes it and signs in again instead.
    return render(request, "signin.html", {"error": None})


@timed
async def signin(request: Request) -> Response:
    admin_token = harness(request).admin_token
    form = await read_form(request)
    if form is None or not same_origin(request):
        return render(request, "signin.html", {"error": "The sign-in form was refused."}, 400)
    if not token_matches(form.get("token", ""), admin_token):
        return render(request, "signin.html", {"error": "That is not the admin token."}, 401)
    assert admin_token is not None
    response = RedirectResponse(f"{BASE}/", status_code=303, headers=SECURITY_HEADERS)
    response.set_cookie(
        COOKIE,
        cookie_value(admin_token),
        max_age=SESSION_S,
        path=BASE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@timed
async def signout(request: Request) -> Response:
    response = RedirectResponse(f"{BASE}/signin", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path=BASE, httponly=True, samesite="strict")
    return response
