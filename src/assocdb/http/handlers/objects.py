"""CRM objects v3 (reference 1.11)."""

from __future__ import annotations

from assocdb.http.operation import Operation

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[Operation, ...] = ()
