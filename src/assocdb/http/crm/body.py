"""Request bodies of the CRM resources: ``Call.body``'s checks (415, 413, 400 for broken
JSON), plus valid UTF-8 everywhere — msgspec skips the text of fields a Struct ignores,
so a body whose only fields are optional would otherwise pass with invalid bytes."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from assocdb.errors import ValidationError
from assocdb.http.call import Call

__all__ = ["read_body"]

T = TypeVar("T")


async def read_body(call: Call, type_: type[T]) -> tuple[T, int]:
    """The decoded body and its length in characters."""
    raw = bytes(await call.body(msgspec.Raw))
    try:
        length = len(raw.decode())
    except UnicodeDecodeError:
        raise ValidationError("Invalid input JSON: the body is not valid UTF-8.") from None
    try:
        return msgspec.json.decode(raw, type=type_), length
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ValidationError(f"Invalid input JSON: {exc}") from None
