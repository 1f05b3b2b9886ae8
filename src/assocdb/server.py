"""How ``assocdb serve`` runs uvicorn: the guarded protocol, timeouts, the shutdown grace,
and the flags that set them (``server_options``, added to ``serve`` in ``cli.py``).

Why uvicorn + httptools + ``http/guard.py`` rather than uvicorn's h11 protocol, hypercorn
or granian: measured in ``bench/server_setup.py`` (figures in ``docs/benchmarks.md``).
Every limit, its default and its reason: ``docs/reliability.md``.
"""

from __future__ import annotations

import functools
import ipaddress
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from assocdb.config import Settings

__all__ = ["is_loopback", "run_server", "server_options", "uvicorn_options"]

F = TypeVar("F", bound=Callable[..., Any])


def _seconds(name: str, default: int, env: str, text: str) -> Any:
    return click.option(
        name,
        env.removeprefix("ASSOCDB_").lower(),
        envvar=env,
        default=default,
        show_default=True,
        type=click.IntRange(1, 3600),
        help=f"{text} Env: {env}.",
    )


_OPTIONS = (
    click.option(
        "--max-header-bytes",
        "head_max_bytes",
        envvar="ASSOCDB_HEAD_MAX_BYTES",
        default=64 * 1024,
        show_default=True,
        type=click.IntRange(1024, 1024 * 1024),
        help="Request line + headers above this get a 431. Env: ASSOCDB_HEAD_MAX_BYTES.",
    ),
    _seconds(
        "--header-timeout",
        10,
        "ASSOCDB_HEAD_TIMEOUT_S",
        "Seconds a connection has to send a complete request head (else 408).",
    ),
    _seconds(
        "--body-timeout",
        60,
        "ASSOCDB_BODY_TIMEOUT_S",
        "Seconds a request body has to arrive in full (else the connection is closed).",
    ),
    _seconds(
        "--keep-alive", 5, "ASSOCDB_KEEP_ALIVE_S", "Seconds before an idle connection is closed."
    ),
    click.option(
        "--max-response-bytes",
        envvar="ASSOCDB_MAX_RESPONSE_BYTES",
        default=128 * 1024 * 1024,
        show_default=True,
        type=click.IntRange(64 * 1024),
        help="A JSON answer larger than this is a 400 (ask for less)."
        " Env: ASSOCDB_MAX_RESPONSE_BYTES.",
    ),
    click.option(
        "--max-connections",
        envvar="ASSOCDB_MAX_CONNECTIONS",
        default=1000,
        show_default=True,
        type=click.IntRange(1, 1_000_000),
        help="Open connections per worker (kept below the file limit); idle ones are"
        " evicted first, then new ones get a 503. Env: ASSOCDB_MAX_CONNECTIONS.",
    ),
    _seconds(
        "--shutdown-grace",
        10,
        "ASSOCDB_SHUTDOWN_GRACE_S",
        "On SIGTERM, seconds in-flight requests get to finish before they are cancelled.",
    ),
    click.option(
        "--rate-limit-fail",
        envvar="ASSOCDB_RATE_LIMIT_FAIL",
        default="open",
        show_default=True,
        type=click.Choice(["open", "closed"]),
        help="When Redis fails after start: open (admit requests, warn) or closed (503)."
        " Env: ASSOCDB_RATE_LIMIT_FAIL.",
    ),
    click.option(
        "--metrics-store",
        is_flag=True,
        envvar="ASSOCDB_METRICS_STORE",
        help="Show store-wide row counts on unauthenticated /metrics (off: only with the"
        " admin token). Env: ASSOCDB_METRICS_STORE.",
    ),
    click.option(
        "--admin-allow-remote",
        is_flag=True,
        envvar="ASSOCDB_ADMIN_ALLOW_REMOTE",
        help="Allow --admin with a --host other than a loopback address."
        " Env: ASSOCDB_ADMIN_ALLOW_REMOTE.",
    ),
)

_FLAGS = (
    "head_max_bytes",
    "head_timeout_s",
    "body_timeout_s",
    "keep_alive_s",
    "max_connections",
    "max_response_bytes",
    "shutdown_grace_s",
    "rate_limit_fail",
    "metrics_store",
    "admin_allow_remote",
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def server_options(command: F) -> F:
    """Adds the server's bounds to ``serve``; they reach every worker as ``ASSOCDB_*``
    variables. Refuses ``--admin`` on a non-loopback host unless explicitly allowed."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in _FLAGS}
        host, admin = kwargs.get("host", "127.0.0.1"), kwargs.get("admin", False)
        if admin and not is_loopback(host):
            if not values["admin_allow_remote"]:
                raise click.UsageError(
                    f"--admin on --host {host} would let anyone who reaches it reset and"
                    " export portals; bind a loopback address or add --admin-allow-remote"
                )
            click.echo(
                f"warning: the admin API is reachable on {host}; keep the admin token secret",
                err=True,
            )
        os.environ.update(
            {
                f"ASSOCDB_{name.upper()}": str(value).lower()
                if isinstance(value, bool)
                else str(value)
                for name, value in values.items()
            }
        )
        return command(*args, **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.run's keyword arguments for these settings (also used by bench/)."""
    from assocdb.http.guard import GuardedHttpToolsProtocol, GuardLimits

    GuardedHttpToolsProtocol.limits = GuardLimits.from_settings(settings)
    return {
        "http": GuardedHttpToolsProtocol,
        "timeout_keep_alive": settings.keep_alive_s,
        "timeout_graceful_shutdown": settings.shutdown_grace_s,
    }


def run_server(settings: Settings) -> None:
    """Serve the app with ``settings`` (exported to ``ASSOCDB_*`` for worker processes)."""
    import uvicorn

    os.environ.update(settings.to_env())
    uvicorn.run(
        "assocdb.http.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=settings.log_level == "debug",
        **uvicorn_options(settings),
    )
