"""Signing in to the explorer: off without the admin API, nothing but a sign-in page
without the admin token, a cookie that is not the token; on every backend."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assocdb.http.explorer.session import SESSION_S, cookie_value, signin_url
from tests.conftest import Api
from tests.explorer.helpers import ADMIN, BASE, Explorer, text

PAGES = ("/", "/portals/1", "/requests", "/faults", "/deliveries", "/portals/1/objects/0-1")


def test_explorer_is_off_without_the_admin_api(api: Api) -> None:
    response = api.client.get(f"{BASE}/signin")
    assert response.status_code == 404
    assert response.json()["category"] == "OBJECT_NOT_FOUND"


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_every_page_sends_to_the_signin_page(
    make_api: Callable[..., Api], path: str
) -> None:
    session = Explorer(make_api(admin=True, admin_token=ADMIN))
    response = session.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"{BASE}/signin"
    # htmx partials are told to load the sign-in page instead of swapping it in.
    partial = session.get(path, headers={"HX-Request": "true"})
    assert (partial.status_code, partial.headers["hx-redirect"]) == (401, f"{BASE}/signin")


def test_the_signin_page_shows_nothing_else(make_api: Callable[..., Api]) -> None:
    session = Explorer(make_api(admin=True, admin_token=ADMIN))
    page = session.get("/signin")
    assert page.status_code == 200
    assert "Admin token" in page.text
    for link in ("/requests", "/faults", "/portals"):
        assert f'href="{BASE}{link}' not in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_wrong_token_is_refused(make_api: Callable[..., Api]) -> None:
    session = Explorer(make_api(admin=True, admin_token=ADMIN))
    response = session.sign_in("not-the-token")
    assert response.status_code == 401
    assert "That is not the admin token." in text(response.text)
    assert "set-cookie" not in response.headers
    assert session.get("/").status_code == 303


def test_the_admin_token_becomes_an_httponly_cookie_and_a_clean_url(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(admin=True, admin_token=ADMIN)
    session = Explorer(api)
    response = session.sign_in()
    assert response.status_code == 303
    assert response.headers["location"] == f"{BASE}/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("assocdb_explorer=")
    for attribute in ("HttpOnly", "Path=/_assocdb/explorer", "SameSite=strict"):
        assert attribute in cookie
    assert ADMIN not in cookie
    assert session.get("/").status_code == 200
    # Signing in is never an API request: not in the request log, nor in the journal.
    assert [r.path for r in api.client.app.state.harness.recent] == []  # type: ignore[attr-defined]


def test_forged_and_expired_cookies_are_refused(make_api: Callable[..., Api]) -> None:
    session = Explorer(make_api(admin=True, admin_token=ADMIN))
    client = session.api.client
    client.cookies.set("assocdb_explorer", cookie_value("another-token"), path=BASE)
    assert session.get("/").status_code == 303
    old = cookie_value(ADMIN, now_s=1_000_000)
    client.cookies.set("assocdb_explorer", old, path=BASE)
    assert session.get("/").status_code == 303
    fresh = cookie_value(ADMIN, now_s=None)
    client.cookies.set("assocdb_explorer", fresh, path=BASE)
    assert session.get("/").status_code == 200
    assert SESSION_S == 12 * 3600


def test_signing_out_ends_the_session(explorer: Explorer) -> None:
    response = explorer.post("/signout", {})
    assert response.status_code == 303
    assert 'assocdb_explorer=""' in response.headers["set-cookie"]
    assert explorer.get("/").status_code == 303


def test_a_post_from_another_origin_is_refused(explorer: Explorer) -> None:
    response = explorer.post("/faults", {"rule": "503"}, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    assert explorer.api.client.app.state.harness.faults.rules == []  # type: ignore[attr-defined]


def test_the_printed_url_carries_the_token_in_the_fragment_only() -> None:
    url = signin_url("0.0.0.0", 8000, "a/b+c")
    assert url == "http://127.0.0.1:8000/_assocdb/explorer/signin#token=a%2Fb%2Bc"
    assert signin_url("::1", 9, "t") == "http://[::1]:9/_assocdb/explorer/signin#token=t"
