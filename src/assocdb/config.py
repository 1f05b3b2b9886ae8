"""Settings: one frozen object, from CLI flags or ``ASSOCDB_*`` environment variables."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_DB", "INT_BOUNDS", "Settings", "SettingsError"]

DEFAULT_DB = "assocdb.sqlite3"

INT_BOUNDS: dict[str, tuple[int, int]] = {
    "port": (0, 65535),
    "workers": (1, 64),
    "batch_read_page_size": (1, 100_000),
    "max_body_bytes": (1024, 2**40),
    "max_labels_per_pair": (1, 1000),
    # One thread per SQLite reader connection; more than a few hundred only costs memory.
    "read_threads": (1, 256),
    # Connections per worker; PostgreSQL's max_connections (100 by default) is shared by all.
    "pg_pool_size": (1, 100),
    # Search lagging writes by more than 10 minutes would only hide records (docs/search.md).
    "search_index_delay_ms": (0, 600_000),
    # Finished webhook events are kept from an hour to a year (docs/webhooks.md, "Retention").
    "webhook_retention_hours": (1, 8760),
}
"""The accepted range of each whole-number setting, whether it comes from a flag or a variable."""


class SettingsError(ValueError):
    """An ``ASSOCDB_*`` variable with a value that cannot be used; the message names it."""


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
    """Associations per input in one batch-read result before ``paging.next``: HubSpot pages
    a batch read's results too (docs/compatibility.md)."""
    max_body_bytes: int = 10 * 1024 * 1024
    """Larger request bodies are refused with a 413; HubSpot documents no cap of its own, so
    this is our bound (docs/compatibility.md)."""
    max_labels_per_pair: int = 10
    read_threads: int = 4
    pg_pool_size: int = 10
    """PostgreSQL only: connections per worker. Fewer means fewer write transactions hold
    row locks at once under contention (docs/benchmarks.md, "PostgreSQL tail")."""
    log_level: str = "info"
    rate_limit: str = "off"
    """Default policy of every portal: off, a HubSpot tier, or <per-10s>/<per-day>."""
    rate_limit_storage: str = "memory://"
    """Where rate-limit counters live: memory:// (per worker) or redis://host:port (shared)."""
    # -- test harness and observability (issue 6: http/admin.py, faults.py, observability.py)
    admin: bool = False
    """Serve the admin API under ``/_assocdb/`` (reset, seed, export, requests, faults)."""
    admin_token: str | None = None
    """Bearer token of the admin API (``serve`` generates one when ``admin`` is on)."""
    faults: str = ""
    """Fault-injection rules, comma-separated (grammar in ``http/faults.py``)."""
    fault_header: bool = False
    """Honour ``X-Assocdb-Fault`` request headers (for tests)."""
    # -- properties and search (issue 12: domain/properties.py, domain/search.py)
    lenient_properties: bool = False
    """Create unknown properties (as strings) on first use instead of HubSpot's 400."""
    search_index_delay_ms: int = 0
    """Records created or changed in the last N ms are not yet visible to search."""
    log_format: str = "auto"
    """Request logs: ``json`` (one line per request), ``text``, or ``auto`` (text on a TTY)."""
    # -- bounds on hostile clients (issue 10: server.py, http/guard.py, docs/reliability.md)
    head_max_bytes: int = 64 * 1024
    """Request line + headers larger than this get a 431."""
    head_timeout_s: int = 10
    """A connection must deliver a complete request head within this (else 408)."""
    body_timeout_s: int = 60
    """A request body must arrive in full within this after its head (else closed, 499)."""
    keep_alive_s: int = 5
    """Idle keep-alive connections are closed after this."""
    max_connections: int = 1000
    """Open connections per worker (also kept below the process's file limit)."""
    shutdown_grace_s: int = 10
    """SIGTERM: requests still running after this are cancelled and the server exits."""
    rate_limit_fail: str = "open"
    """When the rate-limit store (Redis) fails after start: ``open`` admits, ``closed`` 503s."""
    metrics_store: bool = False
    """Expose store-wide row counts on unauthenticated ``/metrics``."""
    admin_allow_remote: bool = False
    """Allow ``--admin`` on a non-loopback ``--host``."""
    max_response_bytes: int = 128 * 1024 * 1024
    """A JSON answer larger than this is refused with a 400 (ask for less)."""
    # -- webhooks (issue 14: docs/webhooks.md)
    webhook_retry_base_ms: int = 120_000
    """First wait before retrying a failed webhook delivery; doubles per attempt."""
    webhook_lease_ms: int = 60_000
    """How long a worker holds the events it is sending (a killed worker's come back)."""
    webhook_retention_hours: int = 72
    """Delivered and given-up webhook events (and their attempts) are pruned after this."""
    webhook_delivery: bool = True
    """Run the delivery worker in this process (off: events wait in the outbox)."""

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
            if f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
                continue
            values[f.name] = _whole_number(f.name, raw) if f.type in ("int", int) else raw
        return cls(**values)  # type: ignore[arg-type]


def _whole_number(name: str, raw: str) -> int:
    low, high = INT_BOUNDS.get(name, (0, 2**63 - 1))
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise SettingsError(
            f"ASSOCDB_{name.upper()}={raw!r}: expected a whole number from {low} to {high}"
        )
    return int(text)
