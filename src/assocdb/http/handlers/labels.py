"""Association labels and limits. Thin: decode → domain → render.
HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide

Every operation is served under three prefixes: ``/crm/associations/v4`` (HubSpot's
current v4 spec), ``/crm/v4/associations`` (the 2024 spec, the guides and the Python
client) and the date-versioned ``/crm/associations/2026-03``. The only documented
difference of 2026-03 is batch/purge answering 200 with an empty batch instead of 204.
The route table (``http/routes.py``) serves them so.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import Response

from assocdb.domain.associations import AssociationType
from assocdb.domain.limits import LimitInput, LimitView
from assocdb.domain.registry import Category
from assocdb.errors import AssocdbError, ValidationError
from assocdb.http.call import Call
from assocdb.http.errors import batch_error_item
from assocdb.http.render import batch_answer, empty_batch
from assocdb.http.schemas import AssociationSpecWithLabel
from assocdb.http.schemas_labels import (
    BatchInputPublicAssociationDefinitionConfigurationCreateRequest,
    BatchInputPublicAssociationDefinitionConfigurationUpdateRequest,
    BatchInputPublicAssociationSpec,
    BatchResponsePublicAssociationDefinitionConfigurationUpdateResult,
    BatchResponsePublicAssociationDefinitionConfigurationUpdateResultWithErrors,
    BatchResponsePublicAssociationDefinitionUserConfiguration,
    BatchResponsePublicAssociationDefinitionUserConfigurationWithErrors,
    BatchStatus,
    CollectionResponseAssociationSpecWithLabelNoPaging,
    CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging,
    PublicAssociationDefinitionConfigurationCreateRequest,
    PublicAssociationDefinitionConfigurationUpdateRequest,
    PublicAssociationDefinitionConfigurationUpdateResult,
    PublicAssociationDefinitionCreateRequest,
    PublicAssociationDefinitionUpdateRequest,
    PublicAssociationDefinitionUserConfiguration,
)

__all__ = [
    "create_label",
    "create_limits",
    "delete_label",
    "list_all_limits",
    "list_labels",
    "list_pair_limits",
    "purge_limits",
    "purge_limits_versioned",
    "update_label",
    "update_limits",
]

_INT32_MAX = 2**31 - 1


# -- labels ------------------------------------------------------------------------------


def _specs(types: Sequence[AssociationType]) -> CollectionResponseAssociationSpecWithLabelNoPaging:
    return CollectionResponseAssociationSpecWithLabelNoPaging(
        [
            AssociationSpecWithLabel(t.category.name, t.type_id, t.label)  # type: ignore[arg-type]
            for t in types
        ]
    )


async def list_labels(call: Call) -> Response:
    """200: HubSpot's types of the direction and the portal's labels, no paging."""
    types = await call.services.labels.list_types(
        call.portal_id, call.types["fromObjectType"], call.types["toObjectType"]
    )
    return call.json(_specs(types))


async def create_label(call: Call) -> Response:
    """200 (not 201): one type per direction, inverse first (HubSpot's example).

    HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
    """
    body = await call.body(PublicAssociationDefinitionCreateRequest)
    made = await call.services.labels.create(
        call.portal_id,
        call.types["fromObjectType"],
        call.types["toObjectType"],
        body.name,
        body.label,
        body.inverseLabel,
    )
    return call.json(_specs(made))


async def update_label(call: Call) -> Response:
    body = await call.body(PublicAssociationDefinitionUpdateRequest)
    await call.services.labels.update(
        call.portal_id,
        call.types["fromObjectType"],
        call.types["toObjectType"],
        body.associationTypeId,
        body.label,
        body.inverseLabel,
    )
    return Response(status_code=204)


async def delete_label(call: Call) -> Response:
    await call.services.labels.delete(
        call.portal_id,
        call.types["fromObjectType"],
        call.types["toObjectType"],
        _type_id(call.request.path_params["associationTypeId"]),
    )
    return Response(status_code=204)


def _type_id(raw: str) -> int:
    """An ``associationTypeId`` path segment: an int32 (HubSpot's spec types it so)."""
    text = raw.strip()
    digits = text[1:] if text.startswith("-") else text
    if (
        not (digits.isascii() and digits.isdigit())
        or len(digits) > 10  # int() refuses > 4,300 digits; an int32 has at most 10
        or abs(int(text)) > _INT32_MAX
    ):
        raise ValidationError(
            f"Invalid associationTypeId '{raw[:40]}': it must be an integer.",
            context={"associationTypeId": [raw[:40]]},
        )
    return int(text)


# -- limits (definition configurations) --------------------------------------------------


def _configurations(
    limits: Sequence[LimitView],
) -> list[PublicAssociationDefinitionUserConfiguration]:
    return [
        PublicAssociationDefinitionUserConfiguration(
            v.category.name,  # type: ignore[arg-type]
            v.type_id,
            v.label,
            v.max_to_object_ids,
        )
        for v in limits
    ]


async def list_all_limits(call: Call) -> Response:
    """200: every limit the portal set, across all object pairs.

    HubSpot: https://developers.hubspot.com/docs/api-reference/crm-associations-schema-v4/guide
    """
    limits = await call.services.limits.list_all(call.portal_id)
    return call.json(
        CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging(
            _configurations(limits)
        )
    )


async def list_pair_limits(call: Call) -> Response:
    limits = await call.services.limits.list_pair(
        call.portal_id, call.types["fromObjectType"], call.types["toObjectType"]
    )
    return call.json(
        CollectionResponsePublicAssociationDefinitionUserConfigurationNoPaging(
            _configurations(limits)
        )
    )


def _inputs(
    items: Sequence[
        PublicAssociationDefinitionConfigurationCreateRequest
        | PublicAssociationDefinitionConfigurationUpdateRequest
    ],
) -> list[LimitInput]:
    return [LimitInput(Category[i.category], i.typeId, i.maxToObjectIds) for i in items]


def _split(
    outcomes: Sequence[LimitView | AssocdbError],
) -> tuple[list[LimitView], list[AssocdbError]]:
    done = [o for o in outcomes if isinstance(o, LimitView)]
    return done, [o for o in outcomes if isinstance(o, AssocdbError)]


def _status(done: Sequence[LimitView]) -> BatchStatus:
    """ "CANCELED" when no input was applied, as observed on a configuration batch whose
    only input was invalid (observed in HubSpot's responses); else "COMPLETE".

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/create-associations-limits
    """
    return "COMPLETE" if done else "CANCELED"


async def create_limits(call: Call) -> Response:
    """201, or 207 when any input failed (the official clients accept only these)."""
    body = await call.body(BatchInputPublicAssociationDefinitionConfigurationCreateRequest)
    done, failed = _split(
        await call.services.limits.create(
            call.portal_id,
            call.types["fromObjectType"],
            call.types["toObjectType"],
            _inputs(body.inputs),
        )
    )
    return batch_answer(
        call,
        _configurations(done),
        [batch_error_item(e) for e in failed],
        BatchResponsePublicAssociationDefinitionUserConfiguration,
        BatchResponsePublicAssociationDefinitionUserConfigurationWithErrors,
        ok_status=201,
        error_status=_status(done),
    )


async def update_limits(call: Call) -> Response:
    """200, or 207 when any input failed."""
    body = await call.body(BatchInputPublicAssociationDefinitionConfigurationUpdateRequest)
    done, failed = _split(
        await call.services.limits.update(
            call.portal_id,
            call.types["fromObjectType"],
            call.types["toObjectType"],
            _inputs(body.inputs),
        )
    )
    results = [
        PublicAssociationDefinitionConfigurationUpdateResult(
            v.category.name,  # type: ignore[arg-type]
            v.type_id,
            v.max_to_object_ids,
        )
        for v in done
    ]
    return batch_answer(
        call,
        results,
        [batch_error_item(e) for e in failed],
        BatchResponsePublicAssociationDefinitionConfigurationUpdateResult,
        BatchResponsePublicAssociationDefinitionConfigurationUpdateResultWithErrors,
        error_status=_status(done),
    )


async def _purge(call: Call) -> None:
    body = await call.body(BatchInputPublicAssociationSpec)
    await call.services.limits.purge(
        call.portal_id,
        call.types["fromObjectType"],
        call.types["toObjectType"],
        [(Category[i.category], i.typeId) for i in body.inputs],
    )


async def purge_limits(call: Call) -> Response:
    """204 (v4)."""
    await _purge(call)
    return Response(status_code=204)


async def purge_limits_versioned(call: Call) -> Response:
    """200 with an empty batch: the 2026-03 spec's only documented difference."""
    await _purge(call)
    return empty_batch(call)
