"""One request as handlers see it: authenticated principal, resolved types, decoded body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from assocdb.config import Settings
from assocdb.domain.associations import AssociationService
from assocdb.domain.auth import Principal, TokenCache
from assocdb.domain.labels import LabelService
from assocdb.domain.limits import LimitService
from assocdb.domain.objects import ObjectService
from assocdb.domain.objecttypes import ObjectType
from assocdb.domain.store import Store
from assocdb.errors import PayloadTooLarge, ValidationError
from assocdb.http.errors import CORRELATION_HEADER, JSON_UTF8
from assocdb.http.schemas import encoder

__all__ = ["MAX_OBJECT_ID", "Call", "Services", "parse_object_id", "query_limit"]

T = TypeVar("T")

MAX_OBJECT_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    store: Store
    associations: AssociationService
    labels: LabelService
    limits: LimitService
    objects: ObjectService
    tokens: TokenCache


@dataclass(slots=True)
class Call:
    request: Request
    services: Services
    principal: Principal
    types: dict[str, ObjectType]
    correlation_id: str
    started_ms: int

    @property
    def portal_id(self) -> int:
        return self.principal.portal_id

    def path_id(self, name: str) -> int:
        return parse_object_id(self.request.path_params[name], name)

    async def body(self, type_: type[T]) -> T:
        """The JSON body decoded and validated as ``type_``; any problem is a 400 or 413."""
        _check_content_type(self.request)
        raw = await _read_capped(self.request, self.services.settings.max_body_bytes)
        if not raw.strip():
            raise ValidationError("Invalid input JSON: the request body is empty.")
        try:
            return msgspec.json.decode(raw, type=type_)
        except msgspec.ValidationError as exc:
            raise ValidationError(f"Invalid input JSON: {exc}") from None
        except msgspec.DecodeError as exc:
            raise ValidationError(f"Invalid input JSON: {exc}") from None
        except RecursionError:
            raise ValidationError("Invalid input JSON: nested too deeply.") from None
        except UnicodeDecodeError:
            # msgspec raises this (not DecodeError) for invalid UTF-8 inside a string.
            raise ValidationError("Invalid input JSON: the body is not valid UTF-8.") from None

    def json(self, payload: object, status_code: int = 200) -> Response:
        return Response(
            encoder.encode(payload),
            status_code=status_code,
            media_type=JSON_UTF8,
            headers={CORRELATION_HEADER: self.correlation_id},
        )


def parse_object_id(value: object, field: str = "id") -> int:
    """A HubSpot record id (int64, positive) from a string of digits or a JSON integer."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        shown = repr(value) if not isinstance(value, str) else f"'{value[:40]}'"
        raise ValidationError(
            f"Invalid {field} {shown}: an object id must be a positive integer.",
            context={field: [str(value)[:40]]},
        )
    if not 0 < number <= MAX_OBJECT_ID:
        raise ValidationError(
            f"Invalid {field} '{number}': an object id must be between 1 and {MAX_OBJECT_ID}.",
            context={field: [str(number)]},
        )
    return number


def query_limit(raw: str | None, default: int, maximum: int) -> int:
    """A ``limit`` query parameter: ``default`` when absent, clamped to ``maximum``; a value
    that is not a positive integer is a 400."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValidationError(
            f"Invalid limit '{raw[:40]}': limit must be a positive integer (at most {maximum}).",
            context={"limit": [raw[:40]]},
        )
    return min(value, maximum)


def _check_content_type(request: Request) -> None:
    content_type = request.headers.get("content-type")
    if content_type is None:
        return  # curl and some scripts omit it; the body must still be JSON
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise ValidationError(
            f"Unsupported content type '{media}': send the body as application/json."
        )


async def _read_capped(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise _too_large(cap)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise _too_large(cap)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(cap: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than the limit of {cap} bytes.")
