"""``assocdb serve | migrate | status | copy | portal … | token … | seed | export``.

Options that read an ``ASSOCDB_*`` environment variable say which one in ``--help``. Errors
are one line on stderr. Exit status 2: what was typed or set cannot be used (an unknown
database URL, a misspelt scope, a bad variable, a busy port, a database that cannot be
opened), and nothing was created or changed; 1: the command ran and failed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shlex
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from assocdb import __version__
from assocdb.cli_apps import app_group, webhook_options, webhooks_group
from assocdb.cli_checks import (
    ADMIN_NOTICE,
    DB_HELP,
    Mistake,
    check_db,
    check_port_free,
    checked_scopes,
    require_store,
    show_env_vars,
)
from assocdb.cli_harness import export_command, harness_options, seed_command
from assocdb.cli_inventory import portal_list, serve_summary, status, token_list
from assocdb.cli_owners import owner as owner_group
from assocdb.cli_search import search_options
from assocdb.config import DEFAULT_DB, INT_BOUNDS, Settings, SettingsError
from assocdb.domain.auth import MAX_TOKEN_LIFETIME_S, issue_token
from assocdb.domain.clock import now_ms
from assocdb.domain.store import Store
from assocdb.errors import AssocdbError
from assocdb.server import run_server, server_options
from assocdb.storage import (
    DatabaseUrlError,
    StoreOpenError,
    is_postgres,
    mask_url,
    open_checked,
    run_with_store,
)

__all__ = ["cli", "main"]

T = TypeVar("T")


def _db_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--db",
        envvar="ASSOCDB_DB",
        default=DEFAULT_DB,
        show_default=True,
        help=DB_HELP,
        callback=check_db,
    )


def _with_store(db: str, work: Callable[[Store], Awaitable[T]]) -> T:
    return run_with_store(db, work)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assocdb")
def cli() -> None:
    """assocdb: a self-hostable, HubSpot-compatible CRM associations server.

    Start with 'assocdb serve --demo', or create a portal and a token (assocdb portal
    create, assocdb token create) and run 'assocdb serve'.
    """


@cli.command(short_help="Run the HTTP server (--demo: with a demo portal and token).")
@_db_option()
@click.option(
    "--read-db",
    envvar="ASSOCDB_READ_DB",
    default=None,
    callback=check_db,
    help="PostgreSQL only: a read replica's URL; the read endpoints use it.",
)
@click.option(
    "--host",
    envvar="ASSOCDB_HOST",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind.",
)
@click.option(
    "--port",
    envvar="ASSOCDB_PORT",
    default=8000,
    show_default=True,
    type=click.IntRange(*INT_BOUNDS["port"]),
    help="Port to bind (checked before anything is printed or created).",
)
@click.option(
    "--workers",
    envvar="ASSOCDB_WORKERS",
    default=1,
    show_default=True,
    type=click.IntRange(*INT_BOUNDS["workers"]),
    help="Worker processes.",
)
@click.option(
    "--demo",
    is_flag=True,
    envvar="ASSOCDB_DEMO",
    help="Create a demo portal (once) and print a token and a curl to try; turns on the"
    " admin API and the explorer.",
)
@click.option(
    "--batch-read-page-size",
    envvar="ASSOCDB_BATCH_READ_PAGE_SIZE",
    default=500,
    show_default=True,
    type=click.IntRange(*INT_BOUNDS["batch_read_page_size"]),
    help="Associations per input in one batch-read result before paging.",
)
@click.option(
    "--max-body-bytes",
    envvar="ASSOCDB_MAX_BODY_BYTES",
    default=10 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(*INT_BOUNDS["max_body_bytes"]),
    help="Larger bodies get a 413.",
)
@click.option(
    "--max-labels-per-pair",
    envvar="ASSOCDB_MAX_LABELS_PER_PAIR",
    default=10,
    show_default=True,
    type=click.IntRange(*INT_BOUNDS["max_labels_per_pair"]),
    help="Association labels a portal may define per object-type pair.",
)
@click.option(
    "--read-threads",
    envvar="ASSOCDB_READ_THREADS",
    default=4,
    show_default=True,
    type=click.IntRange(*INT_BOUNDS["read_threads"]),
    help="SQLite reader threads per worker.",
)
@click.option(
    "--pg-pool-size",
    envvar="ASSOCDB_PG_POOL_SIZE",
    default=10,
    show_default=True,
    type=click.IntRange(*INT_BOUNDS["pg_pool_size"]),
    help="PostgreSQL connections per worker.",
)
@click.option(
    "--log-level",
    envvar="ASSOCDB_LOG_LEVEL",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="uvicorn and assocdb log level.",
)
@click.option(
    "--rate-limit",
    envvar="ASSOCDB_RATE_LIMIT",
    default="off",
    show_default=True,
    help="HubSpot rate limits per portal: off, free, starter, professional, enterprise, or"
    " <per-10s>/<per-day>. A portal's own setting (portal set-rate-limit) wins.",
)
@click.option(
    "--rate-limit-storage",
    envvar="ASSOCDB_RATE_LIMIT_STORAGE",
    default="memory://",
    show_default=True,
    help="Rate-limit counters: memory:// (per worker) or redis://host:port (shared).",
)
@server_options
@harness_options
@search_options
@webhook_options
def serve(
    db: str,
    read_db: str | None,
    host: str,
    port: int,
    workers: int,
    demo: bool,
    batch_read_page_size: int,
    max_body_bytes: int,
    max_labels_per_pair: int,
    read_threads: int,
    pg_pool_size: int,
    log_level: str,
    rate_limit: str,
    rate_limit_storage: str,
) -> None:
    """Run the HTTP server.

    It prints the database in use and its portals (or the commands that create the first
    portal and token) before it starts.
    """
    # Flags win over ASSOCDB_* variables; settings without a flag still come from them.
    settings = dataclasses.replace(
        Settings.from_env(),
        db=db,
        read_db=read_db or None,
        host=host,
        port=port,
        workers=workers,
        batch_read_page_size=batch_read_page_size,
        max_body_bytes=max_body_bytes,
        max_labels_per_pair=max_labels_per_pair,
        read_threads=read_threads,
        pg_pool_size=pg_pool_size,
        log_level=log_level,
        rate_limit=_checked_rate_limit(rate_limit),
        rate_limit_storage=_checked_rate_limit_storage(rate_limit_storage),
    )
    if read_db and not (is_postgres(db) and is_postgres(read_db)):
        # Checked here, not when the first worker starts: that would be a traceback.
        raise click.BadParameter(
            "a read replica needs a PostgreSQL --db and a postgresql:// --read-db",
            param_hint="--read-db",
        )
    # Before anything is printed or created: a token and a curl for a port that another
    # process owns would send the user's requests there.
    check_port_free(host, port)
    # Migrate (and seed) once here, before any worker starts.
    banner = _with_store(db, lambda store: _prepare(store, settings, demo))
    notice = click.get_current_context().meta.get(ADMIN_NOTICE)
    if notice:
        click.echo(notice)
    click.echo(banner)
    if settings.admin and settings.admin_token:
        from assocdb.http.explorer.session import signin_url

        click.echo(f"Explorer: {signin_url(host, port or 'PORT', settings.admin_token)}")
    run_server(settings)


async def _prepare(store: Store, settings: Settings, demo: bool) -> str:
    if not demo:
        return await serve_summary(store, settings.db)
    from assocdb.demo import ensure_demo_portal
    from assocdb.domain.associations import AssociationService
    from assocdb.domain.auth import ALL_SCOPES
    from assocdb.domain.labels import LabelService
    from assocdb.domain.objects import ObjectService
    from assocdb.domain.paging import CursorCodec

    associations = AssociationService(
        store, CursorCodec(await store.secret()), batch_page_size=settings.batch_read_page_size
    )
    portal = await ensure_demo_portal(
        store, associations, LabelService(store), ObjectService(store)
    )
    token = await issue_token(store, portal.portal_id, frozenset({ALL_SCOPES}), now_ms())
    return _demo_banner(
        settings, portal.portal_id, portal.created, token, portal.sample_company_ids
    )


def _demo_banner(
    settings: Settings, portal_id: int, created: bool, token: str, company_ids: tuple[int, ...]
) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address in a URL
    port = settings.port or "PORT"  # --port 0: the OS picks it; uvicorn's log shows it
    base = f"http://{host}:{port}"
    body = '{"inputs":[' + ",".join(f'{{"id":"{i}"}}' for i in company_ids) + "]}"
    state = "created" if created else "found"
    return "\n".join(
        [
            f"Demo portal {portal_id} {state} in {mask_url(settings.db)}.",
            f"Bearer token (all scopes): {token}",
            "",
            "Read the contacts of three companies (the first has more than one page):",
            f"  curl -s -X POST {base}/crm/v4/associations/companies/contacts/batch/read \\",
            f"    -H {shlex.quote('Authorization: Bearer ' + token)} \\",
            "    -H 'Content-Type: application/json' \\",
            f"    -d {shlex.quote(body)}",
            "",
        ]
    )


@cli.command(short_help="Create or upgrade the database schema.")
@_db_option()
def migrate(db: str) -> None:
    """Create or upgrade the database schema (serve does it too; safe to run concurrently)."""
    _with_store(db, _noop)
    click.echo(f"Schema of {mask_url(db)} is up to date.")


async def _noop(store: Store) -> None:
    return None


@cli.command("status", short_help="Schema version, portals, objects and associations.")
@_db_option()
def status_command(db: str) -> None:
    """Show the schema version and, per portal, its objects and associations."""
    require_store(db, "--db")
    click.echo(_with_store(db, lambda store: status(store, db)))


@cli.command(short_help="Copy a whole store between SQLite and PostgreSQL.")
@click.option(
    "--from",
    "source",
    required=True,
    callback=check_db,
    help="The store to copy: it must exist (path or URL, as for --db).",
)
@click.option(
    "--to",
    "destination",
    required=True,
    callback=check_db,
    help="An empty store to copy into (path or URL); created and migrated if needed.",
)
def copy(source: str, destination: str) -> None:
    """Copy a whole store between backends (SQLite, PostgreSQL), then verify row counts."""
    from rich.progress import Progress

    from assocdb.storage.copy import copy_store

    require_store(source, "--from")

    async def run() -> dict[str, int]:
        src = await open_checked(source)
        try:
            dst = await open_checked(destination)
            try:
                with Progress(transient=False) as bar:
                    tasks: dict[str, Any] = {}

                    def progress(table: str, done: int, total: int) -> None:
                        if table not in tasks:
                            tasks[table] = bar.add_task(table, total=total or 1)
                        bar.update(tasks[table], completed=done if total else 1)

                    return await copy_store(src, dst, progress)  # type: ignore[arg-type]
            finally:
                await dst.close()
        finally:
            await src.close()

    totals = asyncio.run(run())
    summary = ", ".join(f"{count} {table}" for table, count in totals.items() if count)
    click.echo(f"Copied and verified: {summary or 'an empty store'}.")


@cli.group(short_help="Create and list portals (tenants); set their rate limits.")
def portal() -> None:
    """Manage portals (tenants)."""


@portal.command("list", short_help="List the portals: id, name, created, tokens, data.")
@_db_option()
def portal_list_command(db: str) -> None:
    """List the portals with their tokens, objects and associations."""
    require_store(db, "--db")
    click.echo(_with_store(db, portal_list))


@portal.command("create", short_help="Create a portal and print its id.")
@_db_option()
@click.option(
    "--id",
    "portal_id",
    type=click.IntRange(1, 2**63 - 1),
    default=None,
    help="Portal id (default: the next free one).",
)
@click.option("--name", default="", help="A name for humans.")
def portal_create(db: str, portal_id: int | None, name: str) -> None:
    """Create a portal and print its id."""
    created = _with_store(db, lambda store: store.create_portal(portal_id, name, now_ms()))
    click.echo(created.portal_id)


@cli.group(short_help="Create, list and revoke access tokens.")
def token() -> None:
    """Manage access tokens (stored hashed; shown once)."""


@token.command("list", short_help="List a portal's tokens (never their values).")
@_db_option()
@click.option(
    "--portal",
    "portal_id",
    required=True,
    type=click.IntRange(1, 2**63 - 1),
    help="The portal whose tokens to list.",
)
def token_list_command(db: str, portal_id: int) -> None:
    """List a portal's tokens: id, scopes, created, expires, revoked.

    The id is the start of the token's SHA-256 digest (printf %s "$TOKEN" | sha256sum |
    cut -c1-12); the token itself is never stored, so it cannot be shown.
    """
    require_store(db, "--db")
    click.echo(_with_store(db, lambda store: token_list(store, portal_id)))


@token.command("create", short_help="Create a token and print only the token.")
@_db_option()
@click.option(
    "--portal",
    "portal_id",
    default=None,
    type=click.IntRange(1, 2**63 - 1),
    help="The portal the token belongs to (with --app: default the app's only portal).",
)
@click.option(
    "--app",
    "app_id",
    default=None,
    type=click.IntRange(1, 2**31 - 1),
    help="The app the token belongs to, as an OAuth token does (see assocdb app create).",
)
@click.option(
    "--scopes",
    required=True,
    help="Comma-separated HubSpot scope names (checked against HubSpot's list, e.g."
    " crm.objects.contacts.read), or 'all' for every scope.",
)
@click.option(
    "--expires-in",
    default=None,
    help="Lifetime: seconds (3600) or a duration (30m, 12h, 7d); expired tokens get 401."
    " Default: never expires.",
)
def token_create(
    db: str, portal_id: int | None, app_id: int | None, scopes: str, expires_in: str | None
) -> None:
    """Create a token and print only the token."""
    granted = checked_scopes(scopes)
    now = now_ms()
    expires = None if expires_in is None else now + parse_duration(expires_in) * 1000
    require_store(db, "--db")
    if app_id is not None:
        from assocdb.domain.apps import issue_app_token

        value = _with_store(
            db, lambda store: issue_app_token(store, app_id, portal_id, granted, now, expires)
        )
    elif portal_id is None:
        raise click.UsageError("Missing option '--portal' (or name an app with '--app').")
    else:
        pid = portal_id
        value = _with_store(db, lambda store: issue_token(store, pid, granted, now, expires))
    click.echo(value)


def _checked_rate_limit(text: str, option: str = "--rate-limit") -> str:
    from assocdb.domain.ratelimit import parse_policy

    try:
        parse_policy(text)
    except AssocdbError as exc:
        raise click.BadParameter(exc.message, param_hint=option) from None
    return text.strip().lower()


def _checked_rate_limit_storage(text: str) -> str:
    if not text.startswith(("memory://", "redis://", "rediss://")):
        raise click.BadParameter(
            "use memory:// or redis://host:port", param_hint="--rate-limit-storage"
        )
    from assocdb.http.ratelimit import check_storage

    asyncio.run(check_storage(text))  # a Redis that does not answer stops serve here
    return text


@portal.command("set-rate-limit", short_help="Set one portal's own rate-limit policy.")
@_db_option()
@click.option(
    "--portal", "portal_id", required=True, type=click.IntRange(1, 2**63 - 1), help="The portal."
)
@click.option(
    "--tier",
    required=True,
    help="free, starter, professional, enterprise, <per-10s>/<per-day>, off (never limited),"
    " or default (follow the server's --rate-limit).",
)
def portal_set_rate_limit(db: str, portal_id: int, tier: str) -> None:
    """Set a portal's own rate-limit policy; running servers apply it within seconds."""
    text: str | None = (
        None if tier.strip().lower() == "default" else _checked_rate_limit(tier, "--tier")
    )
    require_store(db, "--db")
    if not _with_store(db, lambda store: store.set_portal_rate_limit(portal_id, text)):
        raise ValueError(f"Portal {portal_id} does not exist.")
    click.echo(f"Portal {portal_id}: rate limit {text or 'default (the server setting)'}.")


@token.command("revoke", short_help="Revoke a token; it gets 401 at once.")
@_db_option()
@click.argument("token_value", metavar="TOKEN")
def token_revoke(db: str, token_value: str) -> None:
    """Revoke a token (given in clear, as printed by token create); it gets 401 at once."""
    from assocdb.domain.auth import hash_token

    require_store(db, "--db")
    if not _with_store(db, lambda store: store.revoke_token(hash_token(token_value.strip()))):
        # A mistake like the others (exit 2): the token typed is not one of this database.
        raise Mistake("No such token (or a token of another database).")
    click.echo("Token revoked.")


def parse_duration(text: str) -> int:
    """Seconds from ``3600``, ``90s``, ``30m``, ``12h`` or ``7d``."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value = text.strip().lower()
    factor = 1
    if value and value[-1] in units:
        factor = units[value[-1]]
        value = value[:-1]
    if not (value.isascii() and value.isdigit()) or not value.strip("0"):
        raise click.BadParameter(
            f"{text!r}: use a positive number of seconds or a duration like 30m, 12h, 7d",
            param_hint="--expires-in",
        )
    # The length first: int() refuses more than 4,300 digits.
    if len(value.lstrip("0")) > 12 or int(value) * factor > MAX_TOKEN_LIFETIME_S:
        raise click.BadParameter(
            f"{text[:40]!r}: at most {MAX_TOKEN_LIFETIME_S // 86400}d (100 years)",
            param_hint="--expires-in",
        )
    return int(value) * factor


# Test harness (issue 6): assocdb seed / assocdb export, in cli_harness.py.
cli.add_command(seed_command)
cli.add_command(export_command)
# Webhooks (issue 14): assocdb app create|install, assocdb webhooks log, in cli_apps.py.
cli.add_command(app_group)
cli.add_command(webhooks_group)
show_env_vars(cli)

# CRM owners (issue 13): assocdb owner create, in cli_owners.py.
cli.add_command(owner_group)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="assocdb", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:
        # A bare group (``assocdb token``) asks for its help; that is not an error.
        click.echo(exc.ctx.get_help() if exc.ctx else "")
        sys.exit(0)
    except click.UsageError as exc:
        hint = (
            f" (see 'assocdb {exc.ctx.command_path.partition(' ')[2]} --help')".replace(
                "assocdb  ", "assocdb "
            )
            if exc.ctx
            else ""
        )
        click.echo(f"error: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(1)
    except (Mistake, DatabaseUrlError, StoreOpenError, SettingsError) as exc:
        # Nothing was created or changed: what was typed or set cannot be used as given.
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except (AssocdbError, OSError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # e.g. a database that cannot be opened: still one line
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
