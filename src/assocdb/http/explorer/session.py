"""Signing in to the explorer: the admin token, once, for an HttpOnly cookie.

The printed URL carries the admin token in the fragment (``/signin#token=…``). Browsers
never send a fragment to the server, so the token cannot reach the request log, uvicorn's
access log or a proxy's; a small script on the sign-in page posts it in a form body,
removes it from the address bar (``history.replaceState``) and the server answers with a
cookie and a redirect to the clean explorer URL.

The cookie holds ``<issued>.<HMAC-SHA256(admin token, issued)>``, never the token: any
worker holding the same admin token can check it without shared state, it expires after
``SESSION_S``, and a new admin token (a restart without ``--admin-token``) ends every
session. ``SameSite=Strict`` keeps other sites from riding on it (the explorer's POSTs
also check ``Origin``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import parse_qs, quote

from starlette.requests import Request

__all__ = [
    "COOKIE",
    "MAX_FORM_BYTES",
    "SESSION_S",
    "cookie_value",
    "read_form",
    "same_origin",
    "signed_in",
    "signin_url",
    "token_matches",
]

COOKIE = "assocdb_explorer"
SESSION_S = 12 * 3600
"""A working day; sign in again with the URL ``serve`` printed."""
MAX_FORM_BYTES = 8 * 1024
"""Explorer forms hold a token or a fault rule; anything bigger is refused (413)."""


def _mac(admin_token: str, issued: int) -> str:
    message = f"assocdb-explorer|{issued}".encode()
    return hmac.new(admin_token.encode(), message, hashlib.sha256).hexdigest()


def cookie_value(admin_token: str, now_s: int | None = None) -> str:
    issued = int(time.time()) if now_s is None else now_s
    return f"{issued}.{_mac(admin_token, issued)}"


def signed_in(request: Request, admin_token: str | None, now_s: int | None = None) -> bool:
    value = request.cookies.get(COOKIE, "")
    issued_text, _, mac = value.partition(".")
    if not admin_token or not issued_text.isdigit():
        return False
    issued = int(issued_text)
    now = int(time.time()) if now_s is None else now_s
    if not 0 <= now - issued <= SESSION_S:
        return False
    return hmac.compare_digest(mac, _mac(admin_token, issued))


def token_matches(given: str, admin_token: str | None) -> bool:
    return bool(admin_token) and hmac.compare_digest(
        given.strip().encode(), (admin_token or "").encode()
    )


def same_origin(request: Request) -> bool:
    """A POST from the explorer's own pages: an ``Origin`` header, when the browser sends
    one, names this server."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


async def read_form(request: Request) -> dict[str, str] | None:
    """An ``application/x-www-form-urlencoded`` body of at most ``MAX_FORM_BYTES``, or
    None when it is bigger."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in fields.items()}


def signin_url(host: str, port: int | str, admin_token: str) -> str:
    """The URL ``serve`` prints: it opens the explorer signed in."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/_assocdb/explorer/signin#token={quote(admin_token, safe='')}"
