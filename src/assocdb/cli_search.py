"""``serve``'s properties and search flags; they reach every worker as ``ASSOCDB_*``
variables, which ``Settings.from_env`` reads (as ``cli_harness.harness_options`` does)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["search_options"]

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    click.option(
        "--lenient-properties",
        envvar="ASSOCDB_LENIENT_PROPERTIES",
        is_flag=True,
        default=False,
        help="Create unknown properties as strings on first use. Default: HubSpot's strict"
        " 400 (PROPERTY_DOESNT_EXIST).",
    ),
    click.option(
        "--search-index-delay-ms",
        envvar="ASSOCDB_SEARCH_INDEX_DELAY_MS",
        default=0,
        show_default=True,
        type=click.IntRange(0, 600_000),
        help="New and changed records reach search only after this many ms, as on HubSpot.",
    ),
)


def search_options(command: F) -> F:
    @functools.wraps(command)
    def wrapper(
        *args: Any, lenient_properties: bool, search_index_delay_ms: int, **kwargs: Any
    ) -> Any:
        os.environ.update(
            {
                "ASSOCDB_LENIENT_PROPERTIES": "true" if lenient_properties else "false",
                "ASSOCDB_SEARCH_INDEX_DELAY_MS": str(search_index_delay_ms),
            }
        )
        return command(*args, **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]
