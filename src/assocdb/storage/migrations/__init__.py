"""Schema migrations: numbered SQL files per dialect, applied in order, recorded in a table."""

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


def migrations(dialect: str) -> list[Migration]:
    folder = resources.files(__package__).joinpath(dialect)
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append(Migration(version, entry.name.removesuffix(".sql"), entry.read_text()))
    return sorted(found, key=lambda m: m.version)
