"""What the CLI tells a user about where they are (serve's banner, portal list, token list,
status, --help), and that no command ever prints a database password."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click
import pytest
from tests.conftest import drop_schema, postgres_dsn, with_schema

from assocdb.cli import cli
from assocdb.testing.server import free_port

RunCli = Callable[..., subprocess.CompletedProcess[str]]
StartServer = Callable[..., Any]

PASSWORD = "S3cretPw0rd"


def with_password(dsn: str) -> str:
    parts = urlsplit(dsn)
    user = parts.username or "postgres"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{PASSWORD}@{host}"))


@pytest.fixture
def secret_url() -> Iterator[str]:
    """A fresh PostgreSQL schema reached through a URL that carries a password (the test
    server trusts local connections, so the password is accepted and ignored)."""
    dsn = postgres_dsn()
    schema = f"assocdb_test_{uuid.uuid4().hex[:16]}"
    try:
        yield with_schema(with_password(dsn), schema)
    finally:
        drop_schema(dsn, schema)


@pytest.mark.slow
def test_no_command_prints_the_password(
    run_cli: RunCli, start_server: StartServer, secret_url: str, tmp_path: Path
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"objects": {"companies": [{"key": "acme"}]}}))
    outputs: list[str] = []

    def run(*args: str, ok: bool = True) -> str:
        done = run_cli(*args)
        outputs.append(done.stdout + done.stderr)
        assert (done.returncode == 0) is ok, done.stderr
        return done.stdout.strip()

    db = ("--db", secret_url)
    run("status", *db, ok=False)  # no store there yet: the error names the URL, masked
    run("migrate", *db)
    run("status", *db)
    run("portal", "create", *db, "--id", "777")
    run("portal", "list", *db)
    token = run("token", "create", *db, "--portal", "777", "--scopes", "all")
    run("token", "list", *db, "--portal", "777")
    run("token", "create", *db, "--portal", "778", "--scopes", "all", ok=False)
    run("portal", "set-rate-limit", *db, "--portal", "777", "--tier", "free")
    run("seed", *db, "--portal", "777", "--file", str(seed))
    run("export", *db, "--portal", "777", "--file", str(tmp_path / "out.json"))
    run("copy", "--from", secret_url, "--to", str(tmp_path / "copy.sqlite3"))
    run("copy", "--from", str(tmp_path / "copy.sqlite3"), "--to", secret_url, ok=False)
    run("token", "revoke", *db, token)
    unreachable = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/db"
    run("migrate", "--db", unreachable, ok=False)
    run("copy", "--from", unreachable, "--to", str(tmp_path / "x.sqlite3"), ok=False)
    for extra in ((), ("--demo",)):
        server = start_server(secret_url, *extra)
        server.stop()
        outputs.append(server.stdout + server.stderr)

    assert all(outputs)
    for output in outputs:
        assert PASSWORD not in output, output
    assert any("postgres:***@" in output for output in outputs)


# --- where am I ------------------------------------------------------------------------


@pytest.mark.slow
def test_serve_on_an_empty_database_says_what_to_do(
    start_server: StartServer, tmp_path: Path
) -> None:
    server = start_server(tmp_path / "empty.sqlite3", "--log-level", "warning")
    db = str(tmp_path / "empty.sqlite3")
    assert server.stdout.splitlines()[:3] == [
        f"Database: {db} (SQLite)",
        "No portals yet. Create one and a token for it:",
        f"  assocdb portal create --db {db} --id 777 --name 'my portal'",
    ]
    assert f"  assocdb token create --db {db} --portal 777 --scopes all" in server.stdout


@pytest.mark.slow
def test_serve_names_the_portals(
    run_cli: RunCli, start_server: StartServer, tmp_path: Path
) -> None:
    db = tmp_path / "p.sqlite3"
    for portal_id, name in (("5", "five"), ("6", "")):
        assert run_cli("portal", "create", "--db", str(db), "--id", portal_id, "--name", name)
    server = start_server(db, "--log-level", "warning")
    assert server.stdout.splitlines()[:2] == [f"Database: {db} (SQLite)", "Portals: 5 (five), 6"]


def test_portal_list_token_list_and_status(run_cli: RunCli, tmp_path: Path) -> None:
    db = str(tmp_path / "s.sqlite3")
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "objects": {"companies": [{"key": "a"}], "contacts": [{"key": "c"}]},
                "associations": [
                    {
                        "fromObjectType": "contacts",
                        "from": "c",
                        "toObjectType": "companies",
                        "to": "a",
                        "types": [],
                    }
                ],
            }
        )
    )
    assert run_cli("seed", "--db", db, "--portal", "42", "--file", str(seed)).returncode == 0
    token = run_cli(
        "token", "create", "--db", db, "--portal", "42", "--scopes", "tickets,crm.lists.read"
    ).stdout.strip()
    run_cli(
        "token", "create", "--db", db, "--portal", "42", "--scopes", "all", "--expires-in", "1h"
    )
    assert run_cli("token", "revoke", "--db", db, token).returncode == 0

    listed = run_cli("portal", "list", "--db", db)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].split() == [
        "PORTAL", "NAME", "CREATED", "TOKENS", "OBJECTS", "ASSOCIATIONS"
    ]  # fmt: skip
    row = listed.stdout.splitlines()[1].split()
    assert (row[0], row[1], row[-3:]) == ("42", "-", ["1", "2", "1"])  # 1 live token

    tokens = run_cli("token", "list", "--db", db, "--portal", "42")
    assert tokens.returncode == 0, tokens.stderr
    assert "pat-na1-" not in tokens.stdout  # never the token
    lines = tokens.stdout.splitlines()
    assert lines[0].split() == ["ID", "SCOPES", "CREATED", "EXPIRES", "REVOKED"]
    first = hashlib.sha256(token.encode()).hexdigest()[:12]
    assert re.match(rf"{first}\s+crm\.lists\.read,tickets\s.*\s+never\s+yes$", lines[1])
    assert re.match(r"[0-9a-f]{12}\s+all\s.*Z\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+no$", lines[2])

    status = run_cli("status", "--db", db)
    assert status.returncode == 0, status.stderr
    out = status.stdout.splitlines()
    assert out[0] == f"Database: {db} (SQLite)"
    assert re.fullmatch(r"Schema version: \d+", out[1])
    assert out[2] == "Portals: 1"
    assert out[4].split()[0] == "42"


def test_token_list_of_a_missing_portal(run_cli: RunCli, tmp_path: Path) -> None:
    db = str(tmp_path / "m.sqlite3")
    assert run_cli("migrate", "--db", db).returncode == 0
    result = run_cli("token", "list", "--db", db, "--portal", "9")
    assert result.returncode == 1
    assert result.stderr == "error: Portal 9 does not exist.\n"


def test_status_of_an_empty_database_says_what_to_do(run_cli: RunCli, tmp_path: Path) -> None:
    db = str(tmp_path / "e.sqlite3")
    assert run_cli("migrate", "--db", db).returncode == 0
    result = run_cli("status", "--db", db)
    assert result.returncode == 0, result.stderr
    assert "No portals yet" in result.stdout
    assert f"assocdb portal create --db {db}" in result.stdout


# --- help --------------------------------------------------------------------------------


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


@pytest.mark.parametrize("path", list(_commands(cli)), ids=" ".join)
def test_every_option_names_its_variable(run_cli: RunCli, path: tuple[str, ...]) -> None:
    command: Any = cli
    for name in path:
        command = command.commands[name]
    variables = [p.envvar for p in command.params if isinstance(p, click.Option) and p.envvar]
    result = run_cli(*path, "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # help wraps lines
    for variable in variables:
        assert variable in text, (path, variable)


def test_every_setting_has_a_flag_naming_its_variable(run_cli: RunCli) -> None:
    text = run_cli("serve", "--help").stdout
    for variable in ("ASSOCDB_MAX_LABELS_PER_PAIR", "ASSOCDB_READ_THREADS", "ASSOCDB_DB"):
        assert variable in text


@pytest.mark.parametrize("group", [(), ("portal",), ("token",)])
def test_group_help_has_no_markup_and_nothing_cut_short(
    run_cli: RunCli, group: tuple[str, ...]
) -> None:
    result = run_cli(*group, "--help")
    assert result.returncode == 0, result.stderr
    assert "``" not in result.stdout
    commands = result.stdout.partition("Commands:")[2]
    assert commands
    assert "..." not in commands  # click's mark of a description cut short
    assert "…" not in commands
