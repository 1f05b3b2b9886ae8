"""Opaque keyset cursors for association paging.

HubSpot's ``after`` tokens are base64 of ``{typeId}-{lastToObjectId}`` with the padding
written ``%3D`` inside the JSON string, sent back verbatim by clients (reference
section 6). Ours keep that look and add a short MAC so that a cursor is bound to the
page it came from: a tampered cursor, or one taken from another record or portal, is a
400 instead of a silently wrong page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from urllib.parse import unquote

from assocdb.errors import ValidationError

__all__ = ["CursorCodec"]

_MAC_CHARS = 12


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, scope: str, body: str) -> str:
        digest = hmac.new(self._secret, f"{scope}|{body}".encode(), hashlib.sha256)
        return digest.hexdigest()[:_MAC_CHARS]

    def encode(self, scope: str, to_type: str, last_id: int) -> str:
        """A cursor meaning "after ``last_id``" within ``scope`` (portal, from-record, to-type)."""
        body = f"{to_type}-{last_id}"
        raw = f"{body}-{self._mac(scope, body)}".encode()
        return base64.urlsafe_b64encode(raw).decode().replace("=", "%3D")

    def decode(self, scope: str, cursor: str) -> int:
        """The last id of the page a cursor came from; 400 if it is not one of ours for scope."""
        text = unquote(cursor).strip().replace(" ", "+")
        try:
            padded = text + "=" * (-len(text) % 4)
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
            body, _, mac = raw.decode("ascii").rpartition("-")
            last_id = int(body.rpartition("-")[2])
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise _invalid(cursor) from None
        if last_id < 0 or not hmac.compare_digest(mac, self._mac(scope, body)):
            raise _invalid(cursor)
        return last_id


def _invalid(cursor: str) -> ValidationError:
    shown = cursor if len(cursor) <= 80 else cursor[:77] + "..."
    return ValidationError(
        f"Invalid paging cursor 'after': {shown}. Send back the 'after' value of a previous "
        "response unchanged.",
        context={"after": [shown]},
    )
