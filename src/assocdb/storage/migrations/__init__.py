"""Schema migrations: numbered SQL files, applied in order, recorded in a table.

A migration whose SQL is the same on SQLite and PostgreSQL lives once in ``common/``; one
that differs has a file of the same number in ``sqlite/`` and in ``postgres/``. A number
may not be in both places (that would run two different migrations as one version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

__all__ = ["Migration", "migrations"]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """The file's statements; ``--`` comments are dropped first (they may hold ';').

        A file whose statements themselves hold ';' (trigger and function bodies) separates
        them with lines reading exactly ``-- statement``; each part is then run whole.
        """
        if any(line.strip() == BREAK for line in self.sql.splitlines()):
            parts = re.split(r"^[ \t]*-- statement[ \t]*$", self.sql, flags=re.MULTILINE)
            return [p.strip() for p in (_uncomment(part) for part in parts) if p.strip()]
        return [s.strip() for s in _uncomment(self.sql).split(";") if s.strip()]


BREAK = "-- statement"


def _uncomment(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


COMMON = "common"


def migrations(dialect: str) -> list[Migration]:
    """The dialect's migrations and the common ones, by version."""
    found: dict[int, Migration] = {}
    for folder_name in (COMMON, dialect):
        for entry in resources.files(__package__).joinpath(folder_name).iterdir():
            if not entry.name.endswith(".sql"):
                continue
            version = int(entry.name.split("_", 1)[0])
            if version in found:
                raise RuntimeError(f"migration {version} is both in common/ and {dialect}/")
            found[version] = Migration(version, entry.name.removesuffix(".sql"), entry.read_text())
    return [found[version] for version in sorted(found)]
