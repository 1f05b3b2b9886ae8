"""Checks the CLI makes before it creates or prints anything, each failing with one line
that names the thing to fix (exit status 2; see ``cli.main``)."""

from __future__ import annotations

import errno
import socket

import click

from assocdb.domain.auth import parse_scopes
from assocdb.errors import AssocdbError
from assocdb.storage import DatabaseUrlError, mask_url, parse_db_url, store_exists

__all__ = [
    "ADMIN_NOTICE",
    "DB_HELP",
    "Mistake",
    "check_db",
    "check_port_free",
    "checked_scopes",
    "require_store",
    "show_env_vars",
]

DB_HELP = (
    "Database: a SQLite file path (data.sqlite3), sqlite:///relative/path,"
    " sqlite:////absolute/path, or postgresql://user@host:5432/db."
)

ADMIN_NOTICE = "assocdb.admin_notice"
"""Key in the click context's ``meta``: the admin-token line ``serve`` prints after its checks."""


class Mistake(Exception):
    """Something typed or set cannot be used; nothing was created (exit status 2)."""


def check_db(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Click callback for ``--db``, ``--from`` and ``--to``: a known scheme, or a usage error."""
    if value is None:
        return None
    try:
        parse_db_url(value)
    except DatabaseUrlError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    return value


def require_store(url: str, option: str) -> None:
    """Commands that read a store refuse a database that does not exist yet, instead of
    creating an empty one (a typo in a path would otherwise look like an empty store)."""
    if not store_exists(url):
        raise Mistake(
            f"{option}: no assocdb database at {mask_url(url)} (check the path or URL; "
            "'assocdb migrate --db …' creates one)"
        )


def checked_scopes(text: str) -> frozenset[str]:
    """``--scopes``: HubSpot scope names (with a suggestion for a misspelt one) or ``all``."""
    from assocdb.domain.scopes import check_scope_names

    try:
        granted = parse_scopes(text)
        if granted != frozenset({"*"}):
            check_scope_names(granted)
    except AssocdbError as exc:
        raise click.BadParameter(exc.message, param_hint="--scopes") from None
    return granted


def check_port_free(host: str, port: int) -> None:
    """Binds ``host:port`` once and lets go, so a busy port stops ``serve`` before it prints
    a token or a curl that would reach whatever process owns the port."""
    if port == 0:
        return  # the OS picks a free one
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise Mistake(f"--host {host}: cannot resolve it ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # uvicorn sets SO_REUSEADDR too: a port in TIME_WAIT is free, a listening one is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise Mistake(
                    f"--port {port}: {host}:{port} is already in use by another process"
                    " (choose another --port, or stop that process)"
                ) from None
            raise Mistake(f"--host {host} --port {port}: cannot bind ({exc.strerror})") from None


def show_env_vars(group: click.Group) -> None:
    """Every option that reads an ``ASSOCDB_*`` variable names it in ``--help``."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            show_env_vars(command)
            continue
        for param in command.params:
            if isinstance(param, click.Option) and param.envvar:
                param.show_envvar = True
