"""Jinja2 pages for the explorer: one environment, autoescaped, and each response timed
(``Server-Timing: app;dur=…``, what ``bench/explorer.py`` reads)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

__all__ = ["SECURITY_HEADERS", "env", "render", "timed"]

env = Environment(
    loader=PackageLoader("assocdb.http.explorer", "templates"),
    autoescape=select_autoescape(("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["thousands"] = lambda n: f"{n:,}"
env.filters["when"] = lambda ms: datetime.fromtimestamp(ms / 1000, UTC).strftime(
    "%Y-%m-%d %H:%M:%S UTC"
)

# Only our own files run: no inline script, no eval, no other origin. Styles may be
# inline because cytoscape.js positions its canvas with style attributes.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none';"
        " base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(
    request: Request, template: str, context: Mapping[str, Any], status: int = 200
) -> HTMLResponse:
    html = env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


View = Callable[[Request], Awaitable[Response]]


def timed(view: View) -> View:
    """Adds ``Server-Timing`` with the time spent in the view (queries and rendering)."""

    @wraps(view)
    async def wrapper(request: Request) -> Response:
        started = time.perf_counter()
        response = await view(request)
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
        return response

    return wrapper
