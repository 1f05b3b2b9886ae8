"""The explorer in a real browser: Playwright driving Debian's chromium against
``assocdb serve --demo``, signed in through the URL the server prints; on every backend.

It fails on any browser console error. ``ASSOCDB_SCREENSHOTS=docs/img`` saves the views'
screenshots where the README shows them (SQLite run); otherwise they go to a temporary
directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.live import LiveServer, live_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BIG_COMPANY = "10000000001"
BATCH_READ = "/crm/v4/associations/companies/contacts/batch/read"
VIEWPORT = {"width": 1280, "height": 860}

pytestmark = pytest.mark.slow


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "install chromium: apt-get install -y chromium"
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield found
        finally:
            found.close()


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, Path]]:
    """``serve --demo`` with uvicorn's access log on (``--log-level debug``) and HubSpot's
    Professional rate limits (150 per 10 s)."""
    log = tmp_path / "serve.log"
    args = ("--demo", "--log-level", "debug", "--rate-limit", "professional")
    with live_server(db_url, *args, log_path=log) as server:
        yield server, log


def _printed(log: Path, prefix: str) -> str:
    found = re.search(rf"^{re.escape(prefix)} (\S+)$", log.read_text(), re.MULTILINE)
    assert found, f"no {prefix!r} line in:\n{log.read_text()[:2000]}"
    return found.group(1)


def _shots(db_url: str, tmp_path: Path) -> Path:
    wanted = os.environ.get("ASSOCDB_SCREENSHOTS")
    if wanted and not db_url.startswith("postgresql"):
        return Path(wanted)
    return tmp_path


def _batch_read(server: LiveServer, token: str) -> int:
    response = httpx.post(
        server.base_url + BATCH_READ,
        json={"inputs": [{"id": BIG_COMPANY}]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return response.status_code


def _settled(page: Page) -> None:
    """htmx has finished swapping and processing new content (its listeners are on)."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    expect(page.locator(busy)).to_have_count(0)


def _column(page: Page, name: str) -> list[str]:
    """The cells of the records table's column headed ``name``."""
    headers = page.locator("#records-table thead th").all_inner_texts()
    index = headers.index(name) + 1  # nth-child counts the row's header cell too
    return page.locator(f"#records-table tbody tr > :nth-child({index})").all_inner_texts()


def _group_ids(page: Page) -> list[str]:
    return page.locator("#group-0-1 tbody th .mono").all_inner_texts()


def test_the_explorer_in_a_browser(
    demo: tuple[LiveServer, Path], browser: Browser, db_url: str, tmp_path: Path
) -> None:
    server, log = demo
    url = _printed(log, "Explorer:")
    admin_token = url.rsplit("#token=", 1)[1]
    api_token = _printed(log, "Bearer token (all scopes):")
    shots = _shots(db_url, tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(15_000)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Signed in through the printed URL; the token leaves the address bar for a cookie.
    page.goto(url)
    page.wait_for_url(f"{server.base_url}/_assocdb/explorer/")
    assert "token" not in page.url
    (cookie,) = context.cookies()
    assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"]) == (
        "assocdb_explorer",
        True,
        "Strict",
    )
    assert admin_token not in cookie["value"]
    # The printed URL again, already signed in: still no token left in the address bar.
    page.goto(url)
    page.wait_for_url(f"{server.base_url}/_assocdb/explorer/")
    expect(page.get_by_role("heading", name="Portals")).to_be_visible()
    page.screenshot(path=shots / "explorer-portals.png")
    # Keyboard: the first Tab reaches "Skip to content", which moves focus to the page.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Portal → companies → the company with 620 contacts (found by its id).
    page.get_by_role("link", name="12345").click()
    expect(page.get_by_role("heading", name="Portal 12345")).to_be_visible()
    expect(page.get_by_test_id("window-remaining")).to_have_text("150")
    page.screenshot(path=shots / "explorer-portal.png")
    page.get_by_role("link", name="companies", exact=True).click()
    expect(page.locator("#records-table tbody tr")).to_have_count(25)
    page.get_by_label("Find").fill(BIG_COMPANY)
    expect(page.locator("#records-table tbody tr")).to_have_count(1)
    _settled(page)
    # The find box's URL is in the history: Back shows the whole page as it was.
    page.go_back()
    expect(page.locator("#records-table tbody tr")).to_have_count(25)
    expect(page.get_by_role("heading", name="Companies")).to_be_visible()
    page.go_forward()
    expect(page.locator("#records-table tbody tr")).to_have_count(1)
    page.locator("#records-table tbody a").click()

    # Its contacts, paged as the API pages them.
    group = page.locator("#group-0-1")
    expect(group.locator("h3")).to_have_text("Contacts 620")
    expect(group.locator(".range")).to_have_text("1–25 of 620")
    page.screenshot(path=shots / "explorer-record.png")
    first_page = _group_ids(page)
    group.get_by_role("button", name="Next contacts").click()
    expect(group.locator(".range")).to_have_text("26–50 of 620")
    _settled(page)
    assert not set(_group_ids(page)) & set(first_page)
    group.get_by_label("Per page").select_option("500")
    expect(group.locator(".range")).to_have_text("1–500 of 620")
    _settled(page)
    seen = _group_ids(page)
    group.get_by_role("button", name="Next contacts").click()
    expect(group.locator(".range")).to_have_text("501–620 of 620")
    seen += _group_ids(page)
    assert len(seen) == len(set(seen)) == 620
    expect(group.get_by_role("button", name="Next contacts")).to_have_count(0)

    # A contact: its Primary company, then its graph, expanded through that company.
    group.locator("tbody a").first.click()
    companies = page.locator("#group-0-2")
    expect(companies.locator("tbody tr", has_text=BIG_COMPANY).locator(".primary")).to_have_text(
        "Primary"
    )
    page.get_by_role("link", name="Show the association graph").click()
    expect(page.locator("#graph[data-ready=true]")).to_have_count(1)
    before = page.evaluate("window.assocdbGraph.nodes().length")
    # Click the company's node on the canvas: it expands (the list beside has a button too).
    node = f"window.assocdbGraph.getElementById('0-2:{BIG_COMPANY}')"
    name = page.evaluate(f"{node}.data('label')")
    spot = page.evaluate(f"{node}.renderedPosition()")
    box = page.locator("#graph").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    expect(page.get_by_role("button", name=f"Expand {name}")).to_be_disabled()
    more = page.get_by_role("button", name="Load more contacts (620 in all)")
    expect(more).to_have_count(1)
    expanded = page.evaluate("window.assocdbGraph.nodes().length")
    assert expanded >= before + 12
    more.click()
    expect(page.locator("#graph-status")).to_have_text(re.compile(r"^1[123] more nodes\."))
    assert page.evaluate("window.assocdbGraph.nodes().length") > expanded
    page.screenshot(path=shots / "explorer-graph.png")

    # The demo contacts filtered by a property and sorted, by keyboard: only matching rows.
    page.goto(f"{server.base_url}/_assocdb/explorer/portals/12345/objects/0-1")
    expect(page.locator("#records-table tbody tr")).to_have_count(25)
    page.get_by_label("Filter 1 property").fill("firstname")
    expect(page.get_by_label("Filter 1 operator")).to_have_value("EQ")
    page.get_by_label("Sort by").fill("email")
    page.get_by_label("Direction").select_option("desc")
    page.get_by_label("Filter 1 value").fill("Ada")
    page.get_by_label("Filter 1 value").press("Enter")
    caption = page.locator("#records-table caption")
    expect(caption).to_contain_text("where firstname EQ “Ada”, sorted by email descending")
    _settled(page)
    firstnames = _column(page, "firstname")
    assert firstnames, "no rows"
    assert set(firstnames) == {"Ada"}, firstnames
    emails = _column(page, "email")
    assert emails == sorted(emails, reverse=True)
    assert "fp=firstname" in page.url  # in the history too
    assert "sort=email" in page.url
    page.screenshot(path=shots / "explorer-records.png")

    # The live log shows a request the test makes; its bodies are a click away.
    page.get_by_role("link", name="Requests").click()
    assert _batch_read(server, api_token) == 200
    row = page.locator("#request-rows tr", has_text=BATCH_READ).first
    expect(row).to_be_visible()
    row.get_by_role("link").click()
    detail = page.locator("#request-detail")
    # A big body is cut at 16 KiB, and shown as it came (not pretty-printed).
    expect(detail).to_contain_text('{"status":"COMPLETE","results":[{"from":{"id":"10000000001"}')
    expect(detail).to_contain_text("First 16,384 of 82,725 bytes.")
    expect(detail).to_contain_text(f'"id": "{BIG_COMPANY}"')
    expect(detail).not_to_contain_text(api_token)
    page.screenshot(path=shots / "explorer-requests.png")

    # A fault rule added in the explorer fails the next API call, once.
    page.get_by_role("link", name="Faults").click()
    page.get_by_label("New rule").fill("503;times=1;route=/crm/v4/*")
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator("#fault-rules tbody tr")).to_contain_text("503;times=1;route=/crm/v4/*")
    assert _batch_read(server, api_token) == 503
    assert _batch_read(server, api_token) == 200
    page.reload()
    # Kind, requests matched, times fired (a spent times=1 rule stops counting).
    expect(page.locator("#fault-rules tbody td").nth(0)).to_have_text("503")
    expect(page.locator("#fault-rules tbody td").nth(2)).to_have_text("1")
    page.screenshot(path=shots / "explorer-faults.png")
    page.get_by_role("button", name="Remove rule 503;times=1;route=/crm/v4/*").click()
    expect(page.locator("#fault-rules tbody tr")).to_contain_text("No fault rules")

    # The budget drained by the two calls that reached the API (the faulted one did not).
    page.get_by_role("link", name="Portals").click()
    page.get_by_role("link", name="12345").click()
    expect(page.get_by_test_id("daily-used")).to_have_text("2")
    expect(page.get_by_test_id("window-remaining")).to_have_text("148")

    # A property's history: after an API update, the record page shows the old and new value
    # (after the budget check above: these calls spend budget too).
    contact = f"/crm/v3/objects/contacts/{seen[0]}"
    auth = {"Authorization": f"Bearer {api_token}"}
    before = httpx.get(f"{server.base_url}{contact}?properties=firstname", headers=auth, timeout=10)
    old = before.json()["properties"]["firstname"]
    renamed = httpx.patch(
        server.base_url + contact,
        json={"properties": {"firstname": "Renamed"}},
        headers=auth,
        timeout=10,
    )
    assert renamed.status_code == 200, renamed.text
    page.goto(f"{server.base_url}/_assocdb/explorer/portals/12345/objects/0-1/{seen[0]}")
    history = page.locator("details.history[data-property=firstname]")
    summary = history.get_by_text("2 versions")
    summary.focus()
    page.keyboard.press("Enter")  # <details> opens from the keyboard
    expect(history.locator("tbody tr td:first-child")).to_have_text(["Renamed", old])
    expect(history.locator("tbody tr td:nth-child(3)")).to_have_text(["API", "API"])
    page.screenshot(path=shots / "explorer-record-history.png")

    # Dark mode follows the system setting.
    dark = browser.new_context(viewport=VIEWPORT, color_scheme="dark")  # type: ignore[arg-type]
    dark.add_cookies(context.cookies())  # type: ignore[arg-type]
    dark_page = dark.new_page()
    dark_page.on("console", console)
    dark_page.goto(f"{server.base_url}/_assocdb/explorer/portals/12345/objects/0-2/{BIG_COMPANY}")
    background = dark_page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(20, 24, 31)"
    dark_page.screenshot(path=shots / "explorer-record-dark.png")
    dark.close()
    context.close()

    assert errors == []
    # The admin token is in what serve printed for the user, and in no log line.
    lines = [line for line in log.read_text().splitlines() if admin_token in line]
    assert [line.split(":")[0] for line in lines] == [
        "Admin API on /_assocdb/ with the admin token",
        "Explorer",
    ]
