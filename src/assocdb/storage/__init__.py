"""Storage backends behind the domain's Store protocol."""

from __future__ import annotations

from assocdb.domain.store import Store

__all__ = ["open_store"]


def open_store(url: str, *, readers: int = 4) -> Store:
    """The backend for a ``--db`` value: a file path or ``sqlite:///path`` (more to come)."""
    from assocdb.storage.sqlite import SQLiteStore

    if url.startswith(("postgres://", "postgresql://")):
        raise ValueError("PostgreSQL is not supported yet; use a SQLite path")
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    return SQLiteStore(path, readers=readers)
