"""The mistakes of a first hour with assocdb, each driven through the real CLI: one line on
stderr that names the thing to fix, exit status 2, and nothing created or changed."""

from __future__ import annotations

import hashlib
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assocdb.testing.server import free_port

RunCli = Callable[..., subprocess.CompletedProcess[str]]

PORTAL = "777"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a digest of its bytes (SQLite's -shm excluded: it
    is shared memory that any reader may touch)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith("-shm")
    }


def assert_mistake(result: subprocess.CompletedProcess[str], *names: str) -> str:
    """One ``error:`` line naming each of ``names``, exit 2, nothing on stdout."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


@pytest.fixture
def store(run_cli: RunCli, tmp_path: Path) -> Path:
    """``a.sqlite3`` holding portal 777, in the folder every command runs in."""
    db = tmp_path / "a.sqlite3"
    done = run_cli("portal", "create", "--db", str(db), "--id", PORTAL)
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture
def unchanged(tmp_path: Path, store: Path) -> Iterator[None]:
    """The test's folder (the store included) is byte for byte the same afterwards."""
    before = snapshot(tmp_path)
    yield
    assert snapshot(tmp_path) == before


# --- database URLs ---------------------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("url", ["postgresq://u@localhost/db", "mysql://u@localhost/db"])
@pytest.mark.parametrize(
    "command",
    [("migrate",), ("status",), ("portal", "create"), ("portal", "list"), ("serve",)],
)
def test_unknown_url_scheme(run_cli: RunCli, url: str, command: tuple[str, ...]) -> None:
    scheme = url.partition("//")[0] + "//"
    line = assert_mistake(run_cli(*command, "--db", url), "--db", repr(scheme))
    assert "sqlite:////absolute/path" in line  # the forms that do work


@pytest.mark.usefixtures("unchanged")
def test_unknown_url_scheme_from_the_environment(run_cli: RunCli) -> None:
    result = run_cli("migrate", env={"ASSOCDB_DB": "postgresq://u@localhost/db"})
    assert_mistake(result, "ASSOCDB_DB", "'postgresq://'")


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("source", ["sqlite:///nope.sqlite3", "nope.sqlite3", "sqlite:///"])
def test_copy_from_a_store_that_does_not_exist(run_cli: RunCli, source: str) -> None:
    result = run_cli("copy", "--from", source, "--to", "sqlite:///out.sqlite3")
    assert_mistake(result, "--from")


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    "command",
    [
        ("status",),
        ("portal", "list"),
        ("token", "list", "--portal", PORTAL),
        ("token", "revoke", "pat-na1-00000000-0000-0000-0000-000000000000"),
        ("token", "create", "--portal", PORTAL, "--scopes", "all"),
        ("portal", "set-rate-limit", "--portal", PORTAL, "--tier", "free"),
        ("export", "--portal", PORTAL, "--file", "out.json"),
    ],
)
def test_commands_that_read_a_store_do_not_create_one(
    run_cli: RunCli, command: tuple[str, ...]
) -> None:
    assert_mistake(run_cli(*command, "--db", "typo.sqlite3"), "--db", "typo.sqlite3")


@pytest.mark.usefixtures("unchanged")
def test_sqlite_path_that_cannot_be_written(run_cli: RunCli, tmp_path: Path) -> None:
    # A folder that is a file: unwritable for every user, root included.
    (tmp_path / "afile").write_text("")
    before = snapshot(tmp_path)
    result = run_cli("migrate", "--db", "afile/x.sqlite3")
    assert_mistake(result, "afile/x.sqlite3")
    assert snapshot(tmp_path) == before
    (tmp_path / "afile").unlink()


@pytest.mark.usefixtures("unchanged")
def test_postgres_that_does_not_answer(run_cli: RunCli) -> None:
    port = free_port()
    url = f"postgresql://someone:S3cretPw@127.0.0.1:{port}/db"
    line = assert_mistake(run_cli("migrate", "--db", url), f"127.0.0.1:{port}", "PostgreSQL")
    assert "S3cretPw" not in line


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    "read_db", ["postgresql://u@localhost/replica", "replica.sqlite3", "mysql://u@localhost/db"]
)
def test_read_replica_needs_postgres_on_both_sides(run_cli: RunCli, read_db: str) -> None:
    result = run_cli("serve", "--db", "new.sqlite3", "--port", "0", "--read-db", read_db)
    assert_mistake(result, "--read-db")


# --- scopes ----------------------------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("scopes", "named"),
    [
        ("crm.objects.contact.read", "did you mean 'crm.objects.contacts.read'?"),
        ("crm.objects.contacts.read,crm.shemas.deals.read", "'crm.schemas.deals.read'"),
        ("tickest", "did you mean 'tickets'?"),
        ("ALL", "did you mean 'all'?"),
        ("all,foo", "'all' grants every scope and cannot be combined"),
        ("all,crm.objects.contacts.read", "cannot be combined"),
    ],
)
def test_misspelt_scope(run_cli: RunCli, store: Path, scopes: str, named: str) -> None:
    result = run_cli("token", "create", "--db", str(store), "--portal", PORTAL, "--scopes", scopes)
    assert_mistake(result, "--scopes", named)


@pytest.mark.parametrize(
    "scopes",
    [
        "crm.objects.contacts.read,crm.objects.companies.write",
        "tickets",
        "e-commerce,content,forms,automation,oauth",
        "crm.schemas.custom.read,crm.lists.read,crm.lists.write",
        "crm.objects.custom.sensitive.read.v2",
    ],
)
def test_hubspot_scope_names_are_accepted(run_cli: RunCli, store: Path, scopes: str) -> None:
    result = run_cli("token", "create", "--db", str(store), "--portal", PORTAL, "--scopes", scopes)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pat-na1-")


# --- settings, flags and files ---------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("value", ["0", "abc", "-1"])
@pytest.mark.parametrize("variable", ["ASSOCDB_READ_THREADS", "ASSOCDB_MAX_LABELS_PER_PAIR"])
def test_bad_number_in_a_variable(run_cli: RunCli, variable: str, value: str) -> None:
    result = run_cli("serve", "--db", "new.sqlite3", "--port", "0", env={variable: value})
    assert_mistake(result, variable)


@pytest.mark.usefixtures("unchanged")
def test_rate_limit_tier(run_cli: RunCli, store: Path) -> None:
    result = run_cli(
        "portal", "set-rate-limit", "--db", str(store), "--portal", PORTAL, "--tier", "gold"
    )
    assert_mistake(result, "--tier", "'gold'")


@pytest.mark.usefixtures("unchanged")
def test_export_file_name_is_checked_before_the_export(run_cli: RunCli, store: Path) -> None:
    result = run_cli("export", "--db", str(store), "--portal", PORTAL, "--file", "x.txt")
    assert_mistake(result, "--file", "x.txt", ".json")


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("rule", ["bogus", "503;every=zero", "429;route="])
def test_bad_fault_rule(run_cli: RunCli, rule: str) -> None:
    result = run_cli("serve", "--db", "new.sqlite3", "--port", "0", "--fault", rule)
    assert_mistake(result, "--fault")


@pytest.mark.usefixtures("unchanged")
def test_revoking_an_unknown_token_fails(run_cli: RunCli, store: Path) -> None:
    result = run_cli(
        "token", "revoke", "--db", str(store), "pat-na1-00000000-0000-0000-0000-000000000000"
    )
    assert result.returncode == 2  # a mistake: the token typed is not in this database
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["error: No such token (or a token of another database)."]


# --- a busy port -------------------------------------------------------------------------


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as owner:
        owner.bind(("127.0.0.1", 0))
        owner.listen()
        yield owner.getsockname()[1]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("extra", [(), ("--demo",), ("--demo", "--admin")])
def test_busy_port_prints_no_token(run_cli: RunCli, busy_port: int, extra: tuple[str, ...]) -> None:
    result = run_cli(
        "serve", "--db", "new.sqlite3", "--host", "127.0.0.1", "--port", str(busy_port), *extra
    )
    assert_mistake(result, "--port", f"127.0.0.1:{busy_port}", "already in use")
    assert "pat-na1-" not in result.stderr
