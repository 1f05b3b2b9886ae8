"""Association labels and limits (reference section 2)."""

from __future__ import annotations

from assocdb.http.operation import Operation

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[Operation, ...] = ()
