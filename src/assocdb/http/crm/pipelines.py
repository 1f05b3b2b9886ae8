"""Pipelines and stages (https://developers.hubspot.com/docs/api/crm/pipelines):
``/crm/v3/pipelines/{objectType}[/{pipelineId}[/stages[/{stageId}]]]``, full CRUD.

Wire types, handlers and routes side by side. Thin: decode → domain → render. Scopes are
the object type's (reading deal pipelines needs a deals read scope, changing them a deals
write scope) [inferred: HubSpot's spec lists the type's object and schema scopes].
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct
from starlette.responses import Response

from assocdb.domain.pipelines import (
    Audit,
    Pipeline,
    PipelineInput,
    PipelineService,
    Stage,
    StageInput,
)
from assocdb.errors import ValidationError
from assocdb.http.call import Call
from assocdb.http.operation import Operation, QueryParam
from assocdb.http.render import iso_ms

__all__ = ["OPERATIONS"]

MetaValue = str | int | float | bool


class StageIn(Struct, forbid_unknown_fields=False):
    label: str | None = None
    displayOrder: int | None = None
    metadata: dict[str, MetaValue] | None = None
    stageId: str | None = None
    archived: bool | None = None


class PipelineIn(Struct, forbid_unknown_fields=False):
    label: str | None = None
    displayOrder: int | None = None
    stages: list[StageIn] | None = None
    pipelineId: str | None = None
    archived: bool | None = None


class StageOut(Struct, omit_defaults=True, kw_only=True):
    id: str
    label: str
    displayOrder: int
    metadata: dict[str, str]
    createdAt: str
    updatedAt: str
    archived: bool
    writePermissions: str
    archivedAt: str | None = None


class PipelineOut(Struct, omit_defaults=True, kw_only=True):
    id: str
    label: str
    displayOrder: int
    stages: list[StageOut]
    createdAt: str
    updatedAt: str
    archived: bool
    archivedAt: str | None = None


class PipelineCollection(Struct):
    results: list[PipelineOut]


class StageCollection(Struct):
    results: list[StageOut]


class PublicAuditInfo(Struct, omit_defaults=True, kw_only=True):
    """One audit entry (HubSpot's ``PublicAuditInfo``,
    https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/get-pipelines-audit).
    ``fromUserId`` is left out: assocdb has no users making the changes."""

    action: str
    identifier: str
    portalId: int
    timestamp: str
    message: str
    rawObject: dict[str, Any]


class CollectionResponsePublicAuditInfoNoPaging(Struct):
    results: list[PublicAuditInfo]


def _text(value: MetaValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _stage_input(body: StageIn) -> StageInput:
    metadata = None if body.metadata is None else {k: _text(v) for k, v in body.metadata.items()}
    return StageInput(body.label, body.displayOrder, metadata, body.stageId, body.archived)


def _pipeline_input(body: PipelineIn) -> PipelineInput:
    stages = None if body.stages is None else [_stage_input(s) for s in body.stages]
    return PipelineInput(body.label, body.displayOrder, stages, body.pipelineId, body.archived)


def _stage_out(stage: Stage) -> StageOut:
    return StageOut(
        id=stage.stage_id,
        label=stage.label,
        displayOrder=stage.display_order,
        metadata=stage.metadata,
        createdAt=iso_ms(stage.created_at_ms),
        updatedAt=iso_ms(stage.updated_at_ms),
        archived=stage.archived,
        writePermissions="CRM_PERMISSIONS_ENFORCEMENT",
        archivedAt=iso_ms(stage.archived_at_ms) if stage.archived_at_ms else None,
    )


def _pipeline_out(pipeline: Pipeline) -> PipelineOut:
    return PipelineOut(
        id=pipeline.pipeline_id,
        label=pipeline.label,
        displayOrder=pipeline.display_order,
        stages=[_stage_out(s) for s in pipeline.active_stages()],
        createdAt=iso_ms(pipeline.created_at_ms),
        updatedAt=iso_ms(pipeline.updated_at_ms),
        archived=pipeline.archived,
        archivedAt=iso_ms(pipeline.archived_at_ms) if pipeline.archived_at_ms else None,
    )


# HubSpot's reference check on deletes: off by default on v3 ("default: false",
# https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/pipelines/delete-crm-v3-pipelines-objectType-pipelineId),
# on by default from the 2026-09 version
# (https://developers.hubspot.com/changelog/pipeline-stage-validation-true). Deal pipelines
# name it validateDealStageUsagesBeforeDelete, the others validateReferencesBeforeDelete;
# either one asks for the check here.
_VALIDATE = ("validateReferencesBeforeDelete", "validateDealStageUsagesBeforeDelete")
_VALIDATE_QUERY = tuple(
    QueryParam(name, "string", "true: refuse (400) when records are in the pipeline or stage.")
    for name in _VALIDATE
)


def _validate(call: Call) -> bool:
    """The reference check's flags: true or false (case-insensitive), else a 400."""
    wanted = False
    for name in _VALIDATE:
        raw = call.request.query_params.get(name)
        if raw is None:
            continue
        value = raw.strip().lower()
        if value not in ("true", "false"):
            raise ValidationError(
                f"Invalid {name} '{raw[:40]}': use true or false.", context={name: [raw[:40]]}
            )
        wanted = wanted or value == "true"
    return wanted


def _audit_out(portal_id: int, audit: Audit) -> PublicAuditInfo:
    what = f"stage {audit.stage_id}" if audit.stage_id else f"pipeline {audit.pipeline_id}"
    return PublicAuditInfo(
        action=audit.action,
        identifier=str(audit.seq),
        portalId=portal_id,
        timestamp=iso_ms(audit.at_ms),
        message=f"{audit.action} of {what}",
        rawObject=audit.raw,
    )


def _service(call: Call) -> PipelineService:
    return call.services.crm.pipelines


async def list_pipelines(call: Call) -> Response:
    found = await _service(call).list_pipelines(call.portal_id, call.types["objectType"])
    return call.json(PipelineCollection([_pipeline_out(p) for p in found]))


async def create_pipeline(call: Call) -> Response:
    data = _pipeline_input(await call.body(PipelineIn))
    made = await _service(call).create(call.portal_id, call.types["objectType"], data)
    return call.json(_pipeline_out(made), 201)


async def get_pipeline(call: Call) -> Response:
    found = await _service(call).get(
        call.portal_id, call.types["objectType"], call.request.path_params["pipelineId"]
    )
    return call.json(_pipeline_out(found))


async def replace_pipeline(call: Call) -> Response:
    data = _pipeline_input(await call.body(PipelineIn))
    done = await _service(call).replace(
        call.portal_id,
        call.types["objectType"],
        call.request.path_params["pipelineId"],
        data,
        validate=_validate(call),
    )
    return call.json(_pipeline_out(done))


async def update_pipeline(call: Call) -> Response:
    body = await call.body(PipelineIn)
    data = PipelineInput(body.label, body.displayOrder, None, None, body.archived)
    done = await _service(call).update(
        call.portal_id,
        call.types["objectType"],
        call.request.path_params["pipelineId"],
        data,
        validate=_validate(call),
    )
    return call.json(_pipeline_out(done))


async def archive_pipeline(call: Call) -> Response:
    await _service(call).archive(
        call.portal_id,
        call.types["objectType"],
        call.request.path_params["pipelineId"],
        validate=_validate(call),
    )
    return Response(status_code=204)


async def pipeline_audit(call: Call) -> Response:
    found = await _service(call).audit(
        call.portal_id, call.types["objectType"], call.request.path_params["pipelineId"]
    )
    return call.json(
        CollectionResponsePublicAuditInfoNoPaging([_audit_out(call.portal_id, a) for a in found])
    )


async def stage_audit(call: Call) -> Response:
    pipeline_id, stage_id = _stage_path(call)
    found = await _service(call).audit(
        call.portal_id, call.types["objectType"], pipeline_id, stage_id
    )
    return call.json(
        CollectionResponsePublicAuditInfoNoPaging([_audit_out(call.portal_id, a) for a in found])
    )


async def list_stages(call: Call) -> Response:
    found = await _service(call).stages(
        call.portal_id, call.types["objectType"], call.request.path_params["pipelineId"]
    )
    return call.json(StageCollection([_stage_out(s) for s in found]))


async def create_stage(call: Call) -> Response:
    data = _stage_input(await call.body(StageIn))
    made = await _service(call).create_stage(
        call.portal_id, call.types["objectType"], call.request.path_params["pipelineId"], data
    )
    return call.json(_stage_out(made), 201)


def _stage_path(call: Call) -> tuple[str, str]:
    return call.request.path_params["pipelineId"], call.request.path_params["stageId"]


async def get_stage(call: Call) -> Response:
    pipeline_id, stage_id = _stage_path(call)
    found = await _service(call).stage(
        call.portal_id, call.types["objectType"], pipeline_id, stage_id
    )
    return call.json(_stage_out(found))


async def _change_stage(call: Call, *, full: bool) -> Response:
    data = _stage_input(await call.body(StageIn))
    pipeline_id, stage_id = _stage_path(call)
    done = await _service(call).change_stage(
        call.portal_id, call.types["objectType"], pipeline_id, stage_id, data, full=full
    )
    return call.json(_stage_out(done))


async def replace_stage(call: Call) -> Response:
    return await _change_stage(call, full=True)


async def update_stage(call: Call) -> Response:
    return await _change_stage(call, full=False)


async def archive_stage(call: Call) -> Response:
    pipeline_id, stage_id = _stage_path(call)
    await _service(call).archive_stage(
        call.portal_id, call.types["objectType"], pipeline_id, stage_id, validate=_validate(call)
    )
    return Response(status_code=204)


_BASE = "/crm/v3/pipelines/{objectType}"
_ONE = _BASE + "/{pipelineId}"
_STAGES = _ONE + "/stages"
_STAGE = _STAGES + "/{stageId}"
_TAG = "Pipelines"


def _op(
    method: str,
    path: str,
    handler: object,
    operation_id: str,
    summary: str,
    request: type | None,
    responses: dict[int, type | None],
    query: tuple[QueryParam, ...] = (),
) -> Operation:
    return Operation(
        method,
        path,
        handler,  # type: ignore[arg-type]
        operation_id,
        summary,
        _TAG,
        access="read" if method == "GET" else "write",
        request=request,
        responses=responses,
        query=query,
    )


OPERATIONS: tuple[Operation, ...] = (
    _op(
        "GET",
        _BASE,
        list_pipelines,
        "list_pipelines",
        "The type's pipelines",
        None,
        {200: PipelineCollection},
    ),
    _op(
        "POST",
        _BASE,
        create_pipeline,
        "create_pipeline",
        "Create a pipeline with its stages",
        PipelineIn,
        {201: PipelineOut},
    ),
    _op("GET", _ONE, get_pipeline, "get_pipeline", "One pipeline", None, {200: PipelineOut}),
    _op(
        "PUT",
        _ONE,
        replace_pipeline,
        "replace_pipeline",
        "Replace a pipeline: label, order and the whole stage list",
        PipelineIn,
        {200: PipelineOut},
        _VALIDATE_QUERY,
    ),
    _op(
        "PATCH",
        _ONE,
        update_pipeline,
        "update_pipeline",
        "Change a pipeline's label or order, or restore it (archived: false)",
        PipelineIn,
        {200: PipelineOut},
        _VALIDATE_QUERY,
    ),
    _op(
        "DELETE",
        _ONE,
        archive_pipeline,
        "archive_pipeline",
        "Archive a pipeline",
        None,
        {204: None},
        _VALIDATE_QUERY,
    ),
    _op(
        "GET",
        _ONE + "/audit",
        pipeline_audit,
        "pipeline_audit",
        "The pipeline's changes, newest first",
        None,
        {200: CollectionResponsePublicAuditInfoNoPaging},
    ),
    _op(
        "GET",
        _STAGE + "/audit",
        stage_audit,
        "stage_audit",
        "The stage's changes, newest first",
        None,
        {200: CollectionResponsePublicAuditInfoNoPaging},
    ),
    _op(
        "GET",
        _STAGES,
        list_stages,
        "list_stages",
        "A pipeline's stages",
        None,
        {200: StageCollection},
    ),
    _op("POST", _STAGES, create_stage, "create_stage", "Add a stage", StageIn, {201: StageOut}),
    _op("GET", _STAGE, get_stage, "get_stage", "One stage", None, {200: StageOut}),
    _op(
        "PUT",
        _STAGE,
        replace_stage,
        "replace_stage",
        "Replace a stage's label, order and metadata",
        StageIn,
        {200: StageOut},
    ),
    _op(
        "PATCH",
        _STAGE,
        update_stage,
        "update_stage",
        "Change a stage (metadata is merged)",
        StageIn,
        {200: StageOut},
    ),
    _op(
        "DELETE",
        _STAGE,
        archive_stage,
        "archive_stage",
        "Archive a stage",
        None,
        {204: None},
        _VALIDATE_QUERY,
    ),
)
