"""Explorer views of the test harness: the live request log and the fault rules.

Like ``GET /_assocdb/requests``, the log and the fault rules are this worker's: with
``--workers 2`` each worker has its own (docs/explorer.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assocdb.errors import ObjectNotFound, ValidationError
from assocdb.http.explorer.capture import Body, Exchange, Journal
from assocdb.http.explorer.common import BASE, harness, int_param, path_id, view
from assocdb.http.explorer.session import read_form
from assocdb.http.explorer.templating import render
from assocdb.http.faults import FaultRule

__all__ = [
    "add_fault",
    "clear_faults",
    "exchange_detail",
    "faults_page",
    "remove_fault",
    "request_rows",
    "requests_page",
]

ROWS_SHOWN = 200
"""Newest requests listed at once (the journal keeps more; filters reach them)."""
_STATUS_CLASSES = ("", "2xx", "3xx", "4xx", "5xx", "errors")


def journal(request: Request) -> Journal:
    found: Journal = request.app.state.explorer_journal
    return found


@dataclass(frozen=True, slots=True)
class Filters:
    status: str
    route: str
    portal: str
    method: str

    @classmethod
    def of(cls, request: Request) -> Filters:
        q = request.query_params
        status = q.get("status", "")
        if status not in _STATUS_CLASSES:
            raise ValidationError(f"status must be one of {', '.join(_STATUS_CLASSES[1:])}.")
        return cls(status, q.get("route", "")[:200], q.get("portal", "")[:20], q.get("method", ""))

    def keep(self, exchange: Exchange) -> bool:
        r = exchange.record
        if self.status == "errors" and r.status < 400:
            return False
        if self.status not in ("", "errors") and str(r.status)[0] != self.status[0]:
            return False
        if self.route and self.route not in r.path and self.route not in r.route:
            return False
        if self.portal and str(r.portalId) != self.portal.strip():
            return False
        return not self.method or r.method == self.method.upper()


def _rows(request: Request, since: int) -> tuple[list[Exchange], int]:
    """Matching exchanges newer than ``since``, newest first, and the newest seq seen."""
    filters = Filters.of(request)
    newer = journal(request).since(since)
    last = newer[-1].seq if newer else since
    kept = [e for e in reversed(newer) if filters.keep(e)][:ROWS_SHOWN]
    return kept, last


@view
async def requests_page(request: Request) -> Response:
    rows, last = _rows(request, 0)
    context = {
        "rows": rows,
        "last": last,
        "filters": Filters.of(request),
        "statuses": _STATUS_CLASSES,
    }
    return render(request, "requests.html", context)


@view
async def request_rows(request: Request) -> Response:
    """New rows for the live log (polled), or every row when the filters change."""
    rows, last = _rows(request, int_param(request, "since", 0))
    response = render(request, "_request_rows.html", {"rows": rows})
    # The page's poller asks for requests newer than this next time (static/explorer.js).
    response.headers["X-Journal-Last"] = str(last)
    return response


def _shown(body: Body) -> str:
    """A body as text; JSON pretty-printed when it is whole."""
    text = bytes(body.data).decode("utf-8", "replace")
    if body.truncated or not text:
        return text
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


@view
async def exchange_detail(request: Request) -> Response:
    found = journal(request).find(path_id(request, "seq"))
    if found is None:
        raise ObjectNotFound("That request is no longer in this worker's journal.")
    context = {
        "e": found,
        "request_body": _shown(found.request_body),
        "response_body": _shown(found.response_body),
    }
    return render(request, "_request_detail.html", context)


# -- faults -------------------------------------------------------------------------------


def _faults_context(
    request: Request, error: str | None = None, text: str = ""
) -> dict[str, object]:
    return {"rules": list(harness(request).faults.rules), "error": error, "text": text}


def _faults_response(request: Request, context: dict[str, object], status: int = 200) -> Response:
    if request.headers.get("hx-request"):
        return render(request, "_faults.html", context, status)
    if status == 200:
        return RedirectResponse(f"{BASE}/faults", status_code=303)
    return render(request, "faults.html", context, status)


@view
async def faults_page(request: Request) -> Response:
    return render(request, "faults.html", _faults_context(request))


@view
async def add_fault(request: Request) -> Response:
    form = await read_form(request)
    if form is None:
        raise ValidationError("The form is too large.")
    text = form.get("rule", "").strip()
    try:
        if not text:
            raise ValidationError("Write a rule, for example 503;times=1.")
        harness(request).faults.add(text)
    except ValidationError as exc:
        return _faults_response(request, _faults_context(request, exc.message, text), 400)
    return _faults_response(request, _faults_context(request))


@view
async def remove_fault(request: Request) -> Response:
    """Removes one rule, named by its position and text (both must still match, so two
    tabs cannot remove the wrong rule)."""
    form = await read_form(request) or {}
    rules: list[FaultRule] = harness(request).faults.rules
    index = form.get("index", "")
    if index.isdigit() and int(index) < len(rules) and rules[int(index)].text == form.get("rule"):
        del rules[int(index)]
    return _faults_response(request, _faults_context(request))


@view
async def clear_faults(request: Request) -> Response:
    harness(request).faults.clear()
    return _faults_response(request, _faults_context(request))
