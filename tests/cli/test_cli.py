"""The ``assocdb`` command line, run as real subprocesses (``python -m assocdb``)."""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

TOKEN_RE = re.compile(r"pat-na1-[0-9a-f-]{36}")

RunCli = Callable[..., subprocess.CompletedProcess[str]]
# start_server (tests/cli/conftest.py) returns its Server objects.
StartServer = Callable[..., Any]

BATCH_READ = "/crm/v4/associations/companies/contacts/batch/read"
BIG_COMPANY = "10000000001"
SECOND_COMPANY = "10000000002"
BIG_COMPANY_CONTACTS = 620
# Contacts come right after the demo's 40 companies; the first 620 belong to the big one.
BIG_COMPANY_CONTACT_IDS = set(range(10000000041, 10000000041 + BIG_COMPANY_CONTACTS))
# SIGTERM must stop the server on its own (uvicorn re-raises the signal after a clean
# shutdown, hence -SIGTERM); -SIGKILL would mean the 10 s grace period ran out.
GRACEFUL_EXIT = (0, -signal.SIGTERM)


def assert_one_error_line(
    result: subprocess.CompletedProcess[str], code: int | None = None
) -> None:
    if code is None:
        assert result.returncode != 0
    else:
        assert result.returncode == code, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")


def db_bytes(db: Path) -> bytes:
    """The database file plus its WAL (if any), as raw bytes."""
    data = db.read_bytes()
    wal = db.with_name(db.name + "-wal")
    if wal.exists():
        data += wal.read_bytes()
    return data


# --- help ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "options"),
    [
        ((), ("--help", "--version", "serve", "portal", "token")),
        (
            ("serve",),
            ("--db", "--host", "--port", "--workers", "--demo", "--batch-read-page-size"),
        ),
        (("portal", "create"), ("--db", "--id", "--name")),
        (("token", "create"), ("--db", "--portal", "--scopes")),
    ],
)
def test_help_lists_options(
    run_cli: RunCli, args: tuple[str, ...], options: tuple[str, ...]
) -> None:
    result = run_cli(*args, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: assocdb")
    for option in options:
        assert option in result.stdout


def test_help_mentions_env_var_for_db(run_cli: RunCli) -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    assert "ASSOCDB_DB" in result.stdout


# --- portal create ---------------------------------------------------------------------


def test_portal_create_with_id_prints_only_that_id(run_cli: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    result = run_cli("portal", "create", "--db", str(db), "--id", "777", "--name", "Acme")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "777\n"
    assert db.exists()


def test_portal_create_without_id_prints_an_integer(run_cli: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    first = run_cli("portal", "create", "--db", str(db))
    second = run_cli("portal", "create", "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert re.fullmatch(r"[1-9][0-9]*\n", first.stdout)
    assert re.fullmatch(r"[1-9][0-9]*\n", second.stdout)
    assert int(first.stdout) != int(second.stdout)


def test_portal_create_twice_is_one_error_line(run_cli: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "p.sqlite3"
    assert run_cli("portal", "create", "--db", str(db), "--id", "777").returncode == 0
    again = run_cli("portal", "create", "--db", str(db), "--id", "777")
    assert_one_error_line(again)
    assert "777" in again.stderr


@pytest.mark.parametrize("bad_id", ["0", "-5", "abc"])
def test_portal_create_bad_id_is_usage_error(run_cli: RunCli, tmp_path: Path, bad_id: str) -> None:
    result = run_cli("portal", "create", "--db", str(tmp_path / "p.sqlite3"), "--id", bad_id)
    assert_one_error_line(result, code=2)


def test_db_from_environment(run_cli: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "from-env.sqlite3"
    result = run_cli("portal", "create", "--id", "42", env={"ASSOCDB_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "42\n"
    assert db.exists()
    assert not (tmp_path / "assocdb.sqlite3").exists()
    # The same portal through --db proves it landed in that file.
    again = run_cli("portal", "create", "--db", str(db), "--id", "42")
    assert_one_error_line(again)


# --- token create ----------------------------------------------------------------------


@pytest.fixture
def portal_db(run_cli: RunCli, tmp_path: Path) -> Path:
    db = tmp_path / "t.sqlite3"
    created = run_cli("portal", "create", "--db", str(db), "--id", "777")
    assert created.returncode == 0, created.stderr
    return db


@pytest.mark.parametrize(
    "scopes",
    ["crm.objects.contacts.read,crm.objects.companies.read", "all", "content"],
)
def test_token_create_prints_only_the_token(run_cli: RunCli, portal_db: Path, scopes: str) -> None:
    result = run_cli(
        "token", "create", "--db", str(portal_db), "--portal", "777", "--scopes", scopes
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.endswith("\n")
    assert len(result.stdout.splitlines()) == 1
    assert re.fullmatch(r"pat-na1-[0-9a-f-]{36}", result.stdout.rstrip("\n"))


def test_tokens_are_unique(run_cli: RunCli, portal_db: Path) -> None:
    tokens = {
        run_cli(
            "token", "create", "--db", str(portal_db), "--portal", "777", "--scopes", "all"
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(tokens) == 2


def test_token_is_not_stored_in_clear(run_cli: RunCli, portal_db: Path) -> None:
    result = run_cli(
        "token", "create", "--db", str(portal_db), "--portal", "777", "--scopes", "all"
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert TOKEN_RE.fullmatch(token)
    stored = db_bytes(portal_db)
    assert token.encode() not in stored
    # Nor the random part alone, nor in UTF-16 (SQLite can store text that way).
    uuid_part = token.removeprefix("pat-na1-")
    assert uuid_part.encode() not in stored
    assert uuid_part.encode("utf-16-le") not in stored
    assert uuid_part.encode("utf-16-be") not in stored


def test_token_for_missing_portal_is_one_error_line(run_cli: RunCli, portal_db: Path) -> None:
    result = run_cli(
        "token", "create", "--db", str(portal_db), "--portal", "999", "--scopes", "all"
    )
    assert_one_error_line(result, code=1)
    assert "999" in result.stderr


def test_token_without_portal_is_usage_error(run_cli: RunCli, portal_db: Path) -> None:
    result = run_cli("token", "create", "--db", str(portal_db), "--scopes", "all")
    assert_one_error_line(result, code=2)
    assert "--portal" in result.stderr


@pytest.mark.parametrize("scopes", ["", " , ", "crm.objects.contacts.read,bad scope!"])
def test_token_with_bad_scopes_is_one_error_line(
    run_cli: RunCli, portal_db: Path, scopes: str
) -> None:
    result = run_cli(
        "token", "create", "--db", str(portal_db), "--portal", "777", "--scopes", scopes
    )
    assert_one_error_line(result, code=2)  # a usage error: nothing was created


# --- serve (real processes) ------------------------------------------------------------


def batch_read(server: Any, token: str | None, inputs: list[dict[str, str]]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with server.client() as client:
        return client.post(BATCH_READ, json={"inputs": inputs}, headers=headers)


def to_ids(result: dict[str, Any]) -> list[int]:
    return [entry["toObjectId"] for entry in result["to"]]


@pytest.mark.slow
def test_serve_demo_banner_and_paged_batch_read(start_server: StartServer, tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    server = start_server(db, "--demo")
    banner = server.stdout
    token = server.token()

    assert "Demo portal 12345 created in" in banner
    assert f"Bearer token (all scopes): {token}" in banner
    assert f"curl -s -X POST {server.base_url}{BATCH_READ}" in banner
    assert f"-H 'Authorization: Bearer {token}'" in banner
    assert '{"id":"10000000001"}' in banner

    response = batch_read(server, token, [{"id": BIG_COMPANY}, {"id": SECOND_COMPANY}])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "COMPLETE"
    results = body["results"]
    assert [r["from"]["id"] for r in results] == [BIG_COMPANY, SECOND_COMPANY]
    first = results[0]
    assert len(first["to"]) == 500
    after = first["paging"]["next"]["after"]
    assert isinstance(after, str)
    assert after
    assert results[1]["to"], "the second demo company has contacts"
    assert "paging" not in results[1] or results[1]["paging"] is None

    rest = batch_read(server, token, [{"id": BIG_COMPANY, "after": after}])
    assert rest.status_code == 200, rest.text
    rest_results = rest.json()["results"]
    assert len(rest_results) == 1
    assert rest_results[0]["from"]["id"] == BIG_COMPANY
    assert len(rest_results[0]["to"]) == BIG_COMPANY_CONTACTS - 500
    assert rest_results[0].get("paging") is None
    seen = to_ids(first) + to_ids(rest_results[0])
    assert len(seen) == len(set(seen)) == BIG_COMPANY_CONTACTS
    assert set(seen) == BIG_COMPANY_CONTACT_IDS

    anonymous = batch_read(server, None, [{"id": BIG_COMPANY}])
    assert anonymous.status_code == 401
    assert anonymous.json()["category"] == "INVALID_AUTHENTICATION"

    assert server.stop() in GRACEFUL_EXIT


@pytest.mark.slow
def test_serve_demo_twice_finds_portal_and_both_tokens_work(
    start_server: StartServer, tmp_path: Path
) -> None:
    db = tmp_path / "demo.sqlite3"
    first = start_server(db, "--demo")
    first_token = first.token()
    assert "Demo portal 12345 created in" in first.stdout
    assert first.stop() in GRACEFUL_EXIT

    second = start_server(db, "--demo")
    second_token = second.token()
    assert "Demo portal 12345 found in" in second.stdout
    assert "created" not in second.stdout
    assert second_token != first_token

    for token in (first_token, second_token):
        response = batch_read(second, token, [{"id": BIG_COMPANY}])
        assert response.status_code == 200, response.text
        assert len(response.json()["results"][0]["to"]) == 500


@pytest.mark.slow
def test_serve_with_two_workers(start_server: StartServer, tmp_path: Path) -> None:
    server = start_server(tmp_path / "workers.sqlite3", "--demo", "--workers", "2")
    token = server.token()
    with server.client() as client:
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
    for _ in range(4):  # several connections, likely hitting both workers
        response = batch_read(server, token, [{"id": SECOND_COMPANY}, {"id": BIG_COMPANY}])
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["from"]["id"] for r in results] == [SECOND_COMPANY, BIG_COMPANY]
        assert len(results[1]["to"]) == 500
    assert server.stop() in GRACEFUL_EXIT


@pytest.mark.slow
def test_serve_page_size_from_environment(start_server: StartServer, tmp_path: Path) -> None:
    server = start_server(
        tmp_path / "page.sqlite3", "--demo", env={"ASSOCDB_BATCH_READ_PAGE_SIZE": "100"}
    )
    token = server.token()
    response = batch_read(server, token, [{"id": BIG_COMPANY}])
    assert response.status_code == 200, response.text
    result = response.json()["results"][0]
    assert len(result["to"]) == 100
    assert isinstance(result["paging"]["next"]["after"], str)
