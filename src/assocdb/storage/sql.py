"""One SQL text for both drivers: statements are written once with ``?`` placeholders
(SQLite's style) and rewritten to asyncpg's ``$1 … $n`` for PostgreSQL.

Only statements that are genuinely the same on both backends belong here; hot paths that
differ (batch read, pair writes, locking) stay in their driver.
"""

from __future__ import annotations

from functools import cache

__all__ = ["pg"]


@cache
def pg(sql: str) -> str:
    """``sql`` with each ``?`` placeholder numbered for asyncpg (``$1``, ``$2``, …).

    Question marks inside single-quoted string literals are left alone, so a literal such as
    ``'?'`` survives; our statements never use ``?`` in identifiers or comments.
    """
    out: list[str] = []
    number = 0
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == "?" and not quoted:
            number += 1
            out.append(f"${number}")
        else:
            out.append(char)
    return "".join(out)
