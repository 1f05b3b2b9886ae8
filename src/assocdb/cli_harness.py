"""CLI pieces of the test harness: ``serve``'s admin, fault and log flags, and
``assocdb seed`` / ``assocdb export`` (registered in ``cli.py``)."""

from __future__ import annotations

import functools
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from assocdb.cli_checks import ADMIN_NOTICE, DB_HELP, check_db, require_store
from assocdb.config import DEFAULT_DB

__all__ = ["export_command", "harness_options", "seed_command"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    click.option(
        "--admin",
        is_flag=True,
        envvar="ASSOCDB_ADMIN",
        help="Serve the admin API under /_assocdb/ (reset, seed, export, requests, faults).",
    ),
    click.option(
        "--admin-token",
        envvar="ASSOCDB_ADMIN_TOKEN",
        default=None,
        help="Bearer token of the admin API (default: a new one, printed at start).",
    ),
    click.option(
        "--fault",
        "faults",
        multiple=True,
        envvar="ASSOCDB_FAULTS",
        help="A fault-injection rule, e.g. '503;every=3' or '429-daily;route=/crm/v4/*'"
        " (repeatable; see docs/testing.md).",
    ),
    click.option(
        "--fault-header",
        is_flag=True,
        envvar="ASSOCDB_FAULT_HEADER",
        help="Honour X-Assocdb-Fault request headers (for tests).",
    ),
    click.option(
        "--log-format",
        envvar="ASSOCDB_LOG_FORMAT",
        default="auto",
        show_default=True,
        type=click.Choice(["auto", "json", "text"]),
        help="Request log lines: JSON, text, or auto (text when stderr is a terminal).",
    ),
)


def harness_options(command: F) -> F:
    """Adds the harness flags to ``serve``; they reach every worker as ``ASSOCDB_*``
    variables, which ``Settings.from_env`` reads."""

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        admin: bool,
        admin_token: str | None,
        faults: tuple[str, ...],
        fault_header: bool,
        log_format: str,
        **kwargs: Any,
    ) -> Any:
        from assocdb.errors import AssocdbError
        from assocdb.http.faults import parse_rules

        rules = ",".join(f for f in faults if f.strip())
        try:
            parse_rules(rules)  # a bad rule stops here, with its message
        except AssocdbError as exc:
            raise click.BadParameter(exc.message, param_hint="--fault") from None
        # --demo is for looking around: it brings the admin API, and with it the explorer.
        admin = admin or bool(kwargs.get("demo"))
        env = {
            "ASSOCDB_ADMIN": "true" if admin else "false",
            "ASSOCDB_FAULTS": rules,
            "ASSOCDB_FAULT_HEADER": "true" if fault_header else "false",
            "ASSOCDB_LOG_FORMAT": log_format,
        }
        if admin:
            if not admin_token:
                admin_token = secrets.token_urlsafe(24)
                # Printed by serve once its checks passed (a busy port prints no token).
                click.get_current_context().meta[ADMIN_NOTICE] = (
                    f"Admin API on /_assocdb/ with the admin token: {admin_token}"
                )
            env["ASSOCDB_ADMIN_TOKEN"] = admin_token
        os.environ.update(env)
        return command(*args, **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def _run(db: str, work: Callable[[Any], Awaitable[T]]) -> T:
    from assocdb.storage import run_with_store

    return run_with_store(db, work)


def _progress() -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("{task.description:>12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


class _Bar:
    """``progress(stage, done, total)`` onto one rich task per stage."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.tasks: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total or None)
        self.bar.update(self.tasks[stage], completed=done, total=total or None)


_DB = click.option(
    "--db",
    envvar="ASSOCDB_DB",
    default=DEFAULT_DB,
    show_default=True,
    help=DB_HELP,
    callback=check_db,
)
_PORTAL = click.option(
    "--portal",
    "portal_id",
    required=True,
    type=click.IntRange(1, 2**63 - 1),
    help="The portal to fill or read.",
)


@click.command("seed", short_help="Fill a portal from a JSON seed or CSV files, in bulk.")
@_DB
@_PORTAL
@click.option(
    "--file",
    "files",
    required=True,
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A seed: data.json, or CSV files (objects, associations, labels; repeatable).",
)
@click.option(
    "--emit-events/--no-emit-events",
    default=False,
    show_default=True,
    help="Write the webhook events of the seeded records and associations to the outbox"
    " (changeSource IMPORT), for apps subscribed in the portal; a server delivers them.",
)
def seed_command(db: str, portal_id: int, files: tuple[Path, ...], emit_events: bool) -> None:
    """Fill a portal (created if missing) from a JSON seed or CSV files, in bulk."""
    from assocdb.domain.clock import now_ms
    from assocdb.seed import SeedResult, read_seed_files, seed_portal

    started = time.perf_counter()
    data = read_seed_files(list(files))

    async def work(store: Any) -> tuple[SeedResult, bool]:
        created = await store.get_portal(portal_id) is None
        if created:
            await store.create_portal(portal_id, "", now_ms())
        with _progress() as bar:
            seeded = await seed_portal(
                store, portal_id, data, progress=_Bar(bar), emit_events=emit_events
            )
            return seeded, created

    result, created = _run(db, work)
    elapsed = time.perf_counter() - started
    rate = result.associations / elapsed if elapsed else 0.0
    click.echo(
        f"Seeded portal {portal_id}{' (created)' if created else ''}: {result.labels} labels, "
        f"{result.objects} objects, {result.associations} associations in {elapsed:.1f} s "
        f"({rate:,.0f} associations/s)."
    )


@click.command("export", short_help="Write a portal as a seed (JSON or CSV files).")
@_DB
@_PORTAL
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="out.json (one seed document) or out.csv (out.objects.csv, out.associations.csv,"
    " out.labels.csv).",
)
def export_command(db: str, portal_id: int, path: Path) -> None:
    """Write a portal as a seed (JSON or CSV) that 'assocdb seed' reads back."""
    from assocdb.seed import export_portal, write_export

    # Checked before the export runs, which may take minutes on a big portal.
    if path.suffix.lower() not in (".json", ".csv"):
        raise click.BadParameter(
            f"{path}: the file name must end in .json (one seed document) or .csv"
            " (three CSV files)",
            param_hint="--file",
        )
    require_store(db, "--db")

    async def work(store: Any) -> Any:
        with _progress() as bar:
            return await export_portal(store, portal_id, progress=_Bar(bar))

    doc = _run(db, work)
    written = write_export(doc, path)
    click.echo(
        f"Exported portal {portal_id}: {len(doc.labels)} labels, "
        f"{sum(len(v) for v in doc.objects.values())} objects, {len(doc.associations)} "
        f"associations to {', '.join(str(p) for p in written)}."
    )
