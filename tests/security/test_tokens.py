"""Tokens from the CLI: hashed at rest, expiring (``--expires-in``), revocable, never logged."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assocdb.domain.auth import authenticate, hash_token
from assocdb.domain.clock import now_ms
from assocdb.errors import InvalidAuthentication
from assocdb.storage import open_store
from tests.live import clean_env, cli, live_server


def check(db: str, token: str) -> bool:
    async def run() -> bool:
        store = open_store(db)
        await store.open()
        try:
            await authenticate(store, f"Bearer {token}", now_ms())
        except InvalidAuthentication:
            return False
        finally:
            await store.close()
        return True

    return asyncio.run(run())


def fails(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "assocdb", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean_env(),
    )
    assert done.returncode != 0
    return done.stderr


def test_revoke_and_expire(db_url: str) -> None:
    cli("portal", "create", "--db", db_url, "--id", "5")
    forever = cli("token", "create", "--db", db_url, "--portal", "5", "--scopes", "all")
    # Long enough to be checked before it expires on a loaded machine (each check opens
    # the store afresh), short enough to wait out.
    brief = cli(
        "token", "create", "--db", db_url, "--portal", "5", "--scopes", "all", "--expires-in", "5s"
    )
    # Its clock started inside that process, after Python's start-up: by now at the latest.
    brief_created = time.monotonic()
    hour = cli(
        "token", "create", "--db", db_url, "--portal", "5", "--scopes", "all", "--expires-in", "1h"
    )
    assert check(db_url, forever)
    assert check(db_url, brief)
    assert check(db_url, hour)
    assert "revoked" in cli("token", "revoke", "--db", db_url, forever).lower()
    assert not check(db_url, forever)
    assert check(db_url, hour)
    assert "No such token" in fails("token", "revoke", "--db", db_url, "pat-na1-nope")
    time.sleep(max(0.0, brief_created + 5.2 - time.monotonic()))
    assert not check(db_url, brief)
    assert check(db_url, hour)
    for bad in ("0", "1w"):
        assert "--expires-in" in fails(
            "token", "create", "--db", db_url, "--portal", "5", "--scopes", "all",
            "--expires-in", bad,
        )  # fmt: skip


def test_set_rate_limit_cli(db_url: str) -> None:
    cli("portal", "create", "--db", db_url, "--id", "9")
    assert "professional" in cli(
        "portal", "set-rate-limit", "--db", db_url, "--portal", "9", "--tier", "professional"
    )
    assert "--tier" in fails(  # the option the user typed, not the server's --rate-limit
        "portal", "set-rate-limit", "--db", db_url, "--portal", "9", "--tier", "platinum"
    )
    assert "does not exist" in fails(
        "portal", "set-rate-limit", "--db", db_url, "--portal", "10", "--tier", "free"
    )

    async def stored() -> dict[int, str]:
        store = open_store(db_url)
        await store.open()
        try:
            return await store.list_portal_rate_limits()
        finally:
            await store.close()

    assert asyncio.run(stored()) == {9: "professional"}
    cli("portal", "set-rate-limit", "--db", db_url, "--portal", "9", "--tier", "default")
    assert asyncio.run(stored()) == {}


def test_tokens_are_stored_hashed(tmp_path: Path) -> None:
    db = tmp_path / "t.sqlite3"
    cli("portal", "create", "--db", str(db), "--id", "1")
    token = cli("token", "create", "--db", str(db), "--portal", "1", "--scopes", "all")
    raw = db.read_bytes() + (Path(f"{db}-wal").read_bytes() if Path(f"{db}-wal").exists() else b"")
    assert token.encode() not in raw
    assert hash_token(token).encode() in raw


@pytest.mark.slow
def test_tokens_never_reach_the_log(tmp_path: Path) -> None:
    """Debug logging (access log on) with good, bad and revoked tokens: none appears."""
    db = tmp_path / "log.sqlite3"
    log_path = tmp_path / "server.log"
    cli("portal", "create", "--db", str(db), "--id", "1")
    import httpx

    with live_server(db, "--log-level", "debug", log_path=log_path) as server:
        good = server.token(1)
        revoked = server.token(1)
        cli("token", "revoke", "--db", str(db), revoked)
        bad = "pat-na1-11111111-2222-3333-4444-555555555555"
        for token in (good, revoked, bad):
            httpx.get(
                server.base_url + "/crm/v4/associations/companies/contacts/labels",
                headers={"Authorization": f"Bearer {token}"},
            )
            httpx.post(
                server.base_url + "/crm/v4/associations/companies/contacts/batch/read",
                headers={"Authorization": f"Bearer {token}"},
                content=b"{not json",
            )
    text = log_path.read_text()
    assert "GET /crm/v4/associations" in text  # the access log was on
    for token in (good, revoked, bad):
        assert token not in text
        assert token.split("-", 2)[2][:8] not in text


def test_serve_refuses_bad_rate_limit_settings(tmp_path: Path) -> None:
    db = str(tmp_path / "s.sqlite3")
    assert "--rate-limit" in fails("serve", "--db", db, "--rate-limit", "gold")
    assert "--rate-limit-storage" in fails("serve", "--db", db, "--rate-limit-storage", "mongo://x")
    assert "cannot reach" in fails(
        "serve", "--db", db, "--rate-limit-storage", "redis://127.0.0.1:1"
    )


def test_expires_in_durations() -> None:
    import click

    from assocdb.cli import parse_duration

    assert [parse_duration(t) for t in ("3600", "90s", "30m", "12h", "7d", " 1H ")] == [
        3600,
        90,
        1800,
        43_200,
        604_800,
        3600,
    ]
    for bad in ("", "0", "-5", "1w", "soon", "1.5h", "٣", "0m", "h"):
        with pytest.raises(click.BadParameter):
            parse_duration(bad)


@pytest.mark.slow
def test_a_revoked_token_is_refused_by_every_worker_within_a_second(tmp_path: Path) -> None:
    """Workers keep token records for at most TOKEN_CACHE_TTL_S (1 s): after a revocation
    from another process, every worker refuses the token once that time has passed."""
    import httpx

    db = tmp_path / "revoke.sqlite3"
    cli("portal", "create", "--db", str(db), "--id", "1")
    with live_server(db, "--workers", "2") as server:
        token = server.token(1)
        url = server.base_url + "/crm/v4/associations/companies/contacts/labels"
        headers = {"Authorization": f"Bearer {token}"}
        # New connections spread over both workers; each caches the token.
        for _ in range(40):
            assert httpx.get(url, headers=headers).status_code == 200
        cli("token", "revoke", "--db", str(db), token)
        revoked_at = time.monotonic()
        time.sleep(1.1)
        statuses = [httpx.get(url, headers=headers).status_code for _ in range(40)]
        assert time.monotonic() - revoked_at < 10
        assert statuses == [401] * 40
