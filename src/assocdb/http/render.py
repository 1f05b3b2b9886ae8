"""Domain results → HubSpot's wire shapes (camelCase, numeric toObjectId, ISO-8601 'Z')."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from starlette.responses import Response

from assocdb.domain.associations import Describe, Page
from assocdb.domain.clock import now_ms
from assocdb.domain.models import TypeSet
from assocdb.errors import AssocdbError
from assocdb.http.call import Call
from assocdb.http.errors import batch_error_item
from assocdb.http.schemas import (
    AssociationSpecWithLabel,
    BatchErrorItem,
    BatchResponseVoid,
    CollectionResponseMultiAssociated,
    FromId,
    MultiAssociatedObjectWithLabel,
    NextPage,
    Paging,
    PublicAssociationMultiWithLabel,
)

__all__ = ["batch_answer", "empty_batch", "iso_ms", "render_collection", "render_multi_results"]


def iso_ms(epoch_ms: int) -> str:
    """``2024-10-21T20:22:42.152Z``: UTC, millisecond precision.

    HubSpot's batch envelope: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    """
    seconds, millis = divmod(epoch_ms, 1000)
    return f"{_iso_second(seconds)}{millis:03d}Z"


@lru_cache(maxsize=64)
def _iso_second(epoch_s: int) -> str:
    # Every batch answer formats two instants, nearly always in the same second as the
    # last answers: strftime once per second, not twice per request.
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%S.")


class _WireTypes(dict[TypeSet, list[AssociationSpecWithLabel]]):
    """The wire label list of each distinct type set, built on first lookup.

    A response has a handful of distinct type sets and tens of thousands of rows, so the
    lists are shared between rows (they are never mutated) and the per-row lookup is a
    C-level ``dict`` hit; ``__missing__`` runs once per distinct set.
    """

    def __init__(self, describe: Describe) -> None:
        super().__init__()
        self.describe = describe

    def __missing__(self, types: TypeSet) -> list[AssociationSpecWithLabel]:
        wire = self[types] = [
            AssociationSpecWithLabel(t.category.name, t.type_id, t.label)  # type: ignore[arg-type]
            for t in self.describe(types)
        ]
        return wire


_TO_ID, _TYPES = itemgetter(0), itemgetter(1)


class _ToRenderer:
    """Builds ``to`` items for the pages of one response.

    The rows are mapped with ``map`` over C callables (no Python loop per association):
    for 1,000-id batches this loop is most of the rendering cost.
    """

    def __init__(self) -> None:
        self._wire: _WireTypes | None = None

    def edges(self, page: Page) -> list[MultiAssociatedObjectWithLabel]:
        wire = self._wire
        if wire is None or wire.describe is not page.describe:  # one per read, in practice
            wire = self._wire = _WireTypes(page.describe)
        rows = page.to
        return list(
            map(
                MultiAssociatedObjectWithLabel,
                map(_TO_ID, rows),
                map(wire.__getitem__, map(_TYPES, rows)),
            )
        )


def _paging(page: Page) -> Paging | None:
    return Paging(NextPage(page.next_after)) if page.next_after is not None else None


def render_multi_results(
    outcomes: Sequence[Page | AssocdbError],
) -> tuple[list[PublicAssociationMultiWithLabel], list[BatchErrorItem]]:
    renderer = _ToRenderer()
    results: list[PublicAssociationMultiWithLabel] = []
    errors: list[BatchErrorItem] = []
    for outcome in outcomes:
        if isinstance(outcome, AssocdbError):
            errors.append(batch_error_item(outcome))
        else:
            results.append(
                PublicAssociationMultiWithLabel(
                    FromId(str(outcome.from_id)), renderer.edges(outcome), _paging(outcome)
                )
            )
    return results, errors


def render_collection(page: Page) -> CollectionResponseMultiAssociated:
    return CollectionResponseMultiAssociated(_ToRenderer().edges(page), _paging(page))


def batch_answer(
    call: Call,
    results: Sequence[Any],
    errors: Sequence[BatchErrorItem],
    ok: Callable[..., object],
    with_errors: Callable[..., object],
    *,
    ok_status: int = 200,
    error_status: str = "COMPLETE",
) -> Response:
    """HubSpot's batch envelope: ``ok_status`` when every input succeeded, else 207 with
    ``numErrors``/``errors`` — even when every input failed.
    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide

    ``ok`` takes (status, results, startedAt, completedAt); ``with_errors`` takes (status,
    results, numErrors, errors, startedAt, completedAt): every batch Struct's field order."""
    started, completed = iso_ms(call.started_ms), iso_ms(now_ms())
    if errors:
        body = with_errors(
            error_status, list(results), len(errors), list(errors), started, completed
        )
        return call.json(body, 207)
    return call.json(ok("COMPLETE", list(results), started, completed), ok_status)


def empty_batch(call: Call) -> Response:
    """200 with a batch holding nothing: how the 2026-03 paths answer archives and purges
    that v4 answers with 204.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
    https://developers.hubspot.com/docs/api-reference/2026-03/crm/associations/associate-records/batch/create-associations-labeled
    """
    return batch_answer(call, [], [], BatchResponseVoid, BatchResponseVoid)
