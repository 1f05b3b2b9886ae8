"""Settings: one frozen object, from CLI flags or ``ASSOCDB_*`` environment variables."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_DB", "Settings"]

DEFAULT_DB = "assocdb.sqlite3"


@dataclass(frozen=True, slots=True)
class Settings:
    db: str = DEFAULT_DB
    """A SQLite path (or ``sqlite:///path``), or a ``postgresql://`` URL."""
    read_db: str | None = None
    """PostgreSQL only: a replica's URL for the read endpoints."""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    batch_read_page_size: int = 500
    """Associations per input in one batch-read result before ``paging.next`` (reference 1.1)."""
    max_body_bytes: int = 10 * 1024 * 1024
    """Larger request bodies are refused with a 413 (reference 6: HubSpot's cap is unknown)."""
    max_labels_per_pair: int = 10
    read_threads: int = 4
    log_level: str = "info"

    def to_env(self) -> dict[str, str]:
        """The ``ASSOCDB_*`` variables that reproduce these settings in a worker process."""
        return {
            f"ASSOCDB_{f.name.upper()}": str(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if getattr(self, f.name) is not None
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"ASSOCDB_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = int(raw) if f.type in ("int", int) else raw
        return cls(**values)  # type: ignore[arg-type]
