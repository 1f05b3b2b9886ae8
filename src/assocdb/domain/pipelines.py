"""Pipelines and their stages (https://developers.hubspot.com/docs/api/crm/pipelines), and
the check that keeps records' pipeline, stage and owner properties pointing at real ones.

Every portal starts with HubSpot's default deal pipeline (``default``) and default ticket
pipeline (``0``). A portal's pipelines of one object type are one small aggregate (at most
``MAX_PIPELINES`` × ``MAX_STAGES``): every change is a pure function applied to all of them
inside one storage transaction, so checks (unique labels, unique stage ids) never race.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

from assocdb.domain.clock import now_ms
from assocdb.domain.objecttypes import CUSTOM_TYPE, ObjectType
from assocdb.domain.owners import OwnerService
from assocdb.domain.store import StoreTx, UnitOfWork
from assocdb.errors import ObjectNotFound, ValidationError

__all__ = [
    "CHECKED_PROPERTIES",
    "MAX_PIPELINES",
    "MAX_STAGES",
    "Pipeline",
    "PipelineInput",
    "PipelineService",
    "PipelineStore",
    "Stage",
    "StageInput",
    "default_pipelines",
]

MAX_PIPELINES = 100
"""Pipelines per object type and portal: HubSpot's highest plan allows 100 deal pipelines
(https://legal.hubspot.com/hubspot-product-and-services-catalog); a bound on the aggregate."""
MAX_STAGES = 100
"""Stages per pipeline (HubSpot allows 100 deal stages per pipeline, same catalog)."""
MAX_LABEL = 250
"""Label length bound (HubSpot documents none; this keeps rows small)."""

Changes = Callable[[list["Pipeline"]], list["Pipeline"]]

MAX_AUDITS = 1000
"""Audit entries one read returns, newest first: HubSpot's audit endpoints have no paging
(https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/get-pipelines-audit),
so the list is bounded here [inferred]."""


@dataclass(frozen=True, slots=True)
class Audit:
    """One change of a pipeline (``stage_id`` "") or of a stage, as the audit endpoints
    return it. ``raw`` is the pipeline or stage after the change (HubSpot's ``rawObject``)."""

    seq: int
    pipeline_id: str
    stage_id: str
    action: str
    at_ms: int
    raw: dict[str, object]


@dataclass(frozen=True, slots=True)
class Stage:
    stage_id: str
    label: str
    display_order: int
    metadata: dict[str, str]
    created_at_ms: int
    updated_at_ms: int
    archived: bool = False
    archived_at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Pipeline:
    pipeline_id: str
    label: str
    display_order: int
    stages: tuple[Stage, ...]
    created_at_ms: int
    updated_at_ms: int
    archived: bool = False
    archived_at_ms: int | None = None

    def active_stages(self) -> list[Stage]:
        return sorted(
            (s for s in self.stages if not s.archived), key=lambda s: (s.display_order, s.label)
        )

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.stage_id == stage_id and not s.archived), None)


@dataclass(frozen=True, slots=True)
class StageInput:
    label: str | None = None
    display_order: int | None = None
    metadata: Mapping[str, str] | None = None
    stage_id: str | None = None
    archived: bool | None = None


@dataclass(frozen=True, slots=True)
class PipelineInput:
    label: str | None = None
    display_order: int | None = None
    stages: Sequence[StageInput] | None = None
    pipeline_id: str | None = None
    archived: bool | None = None


@runtime_checkable
class PipelineStore(Protocol):
    """Storage port of pipelines (storage/{sqlite,postgres}_pipelines.py): reads. Changes
    run in a unit of work (``StoreTx.pipelines_for_change``/``store_pipelines``)."""

    async def read_pipelines(self, portal_id: int, object_type: str) -> list[Pipeline] | None:
        """Every pipeline of the type (archived too); None until the portal first changed
        them (it then has the defaults)."""
        ...

    async def read_pipeline_audits(
        self, portal_id: int, object_type: str, pipeline_id: str, stage_id: str, limit: int
    ) -> list[Audit]:
        """The newest ``limit`` audit entries of a pipeline (``stage_id`` "") or a stage."""
        ...


# -- HubSpot's defaults ---------------------------------------------------------------------

# The default deal pipeline's stage ids and probabilities: HubSpot's "Sales Pipeline"
# (https://knowledge.hubspot.com/object-settings/set-up-and-customize-pipelines and the
# pipelines API guide, https://developers.hubspot.com/docs/api/crm/pipelines).
_DEAL_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2", "false"),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", "false"),
    ("presentationscheduled", "Presentation Scheduled", "0.6", "false"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", "false"),
    ("contractsent", "Contract Sent", "0.9", "false"),
    ("closedwon", "Closed Won", "1.0", "true"),
    ("closedlost", "Closed Lost", "0.0", "true"),
)
# The default ticket pipeline "0" ("Support Pipeline") with stages "1"–"4".
_TICKET_STAGES = (
    ("1", "New", "OPEN"),
    ("2", "Waiting on contact", "OPEN"),
    ("3", "Waiting on us", "OPEN"),
    ("4", "Closed", "CLOSED"),
)
DEAL, TICKET = "0-3", "0-5"
# Object types with pipelines (https://developers.hubspot.com/docs/api/crm/pipelines):
# deals, tickets, leads, orders, appointments/courses/listings/services (not modelled
# here) and custom objects.
_WITH_PIPELINES = frozenset({DEAL, TICKET, "0-123", "0-136"})


def default_pipelines(object_type: str, at_ms: int = 0) -> list[Pipeline]:
    """The pipelines a portal starts with for ``object_type``."""
    if object_type == DEAL:
        stages = tuple(
            Stage(sid, label, i, {"isClosed": closed, "probability": p}, at_ms, at_ms)
            for i, (sid, label, p, closed) in enumerate(_DEAL_STAGES)
        )
        return [Pipeline("default", "Sales Pipeline", 0, stages, at_ms, at_ms)]
    if object_type == TICKET:
        stages = tuple(
            Stage(sid, label, i, {"ticketState": state}, at_ms, at_ms)
            for i, (sid, label, state) in enumerate(_TICKET_STAGES)
        )
        return [Pipeline("0", "Support Pipeline", 0, stages, at_ms, at_ms)]
    return []


def check_type(object_type: ObjectType) -> None:
    if object_type.type_id in _WITH_PIPELINES or CUSTOM_TYPE.fullmatch(object_type.type_id):
        return
    raise ValidationError(
        f"Object type {object_type.name} does not support pipelines.",
        context={"objectType": [object_type.name]},
    )


# -- validation of inputs ---------------------------------------------------------------


def _label(text: str | None, what: str) -> str:
    value = (text or "").strip()
    if not value or len(value) > MAX_LABEL:
        raise ValidationError(
            f"A {what} needs a label of 1 to {MAX_LABEL} characters.", context={"label": [value]}
        )
    return value


def _probability(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise ValidationError(
            f"Invalid probability '{text[:40]}': a deal stage's probability is a number from"
            " 0.0 to 1.0.",
            context={"probability": [text[:40]]},
        )
    return str(value)


def _metadata(object_type: str, raw: Mapping[str, str] | None) -> dict[str, str]:
    """Deal stages need ``probability`` (0.0–1.0), ticket stages ``ticketState`` (OPEN or
    CLOSED): HubSpot refuses stages without them (pipelines API guide)."""
    metadata = {k: str(v) for k, v in (raw or {}).items()}
    if object_type == DEAL:
        if "probability" not in metadata:
            raise ValidationError(
                "Deal stages require the metadata property 'probability' (0.0 to 1.0).",
                context={"metadata": ["probability"]},
            )
        metadata["probability"] = _probability(metadata["probability"])
        metadata.setdefault("isClosed", "false")
    elif object_type == TICKET:
        state = metadata.get("ticketState", "").upper()
        if state not in ("OPEN", "CLOSED"):
            raise ValidationError(
                "Ticket stages require the metadata property 'ticketState': OPEN or CLOSED.",
                context={"metadata": ["ticketState"]},
            )
        metadata["ticketState"] = state
    return metadata


def _not_found(what: str, ident: str) -> ObjectNotFound:
    return ObjectNotFound(f"No {what} with id {ident} exists.", context={"id": [ident]})


def _find(pipelines: Sequence[Pipeline], pipeline_id: str) -> Pipeline:
    found = next((p for p in pipelines if p.pipeline_id == pipeline_id and not p.archived), None)
    if found is None:
        raise _not_found("pipeline", pipeline_id)
    return found


def _replace(pipelines: list[Pipeline], new: Pipeline) -> list[Pipeline]:
    return [new if p.pipeline_id == new.pipeline_id else p for p in pipelines]


@dataclass
class _Ids:
    """Ids for new pipelines and stages: numeric strings, as HubSpot's, unused in the type."""

    taken: set[str] = field(default_factory=set)
    next_value: int = 1000

    @classmethod
    def of(cls, pipelines: Sequence[Pipeline]) -> _Ids:
        taken = {p.pipeline_id for p in pipelines}
        taken |= {s.stage_id for p in pipelines for s in p.stages}
        numbers = [int(t) for t in taken if t.isdigit() and len(t) < 12]
        return cls(taken, max([1000, *numbers]) + 1)

    def take(self, wanted: str | None, what: str) -> str:
        if wanted:
            if wanted in self.taken:
                raise ValidationError(
                    f"The {what} id '{wanted}' is already in use.", context={"id": [wanted]}
                )
        else:
            wanted = str(self.next_value)
            self.next_value += 1
        self.taken.add(wanted)
        return wanted


def _check_unique_labels(labels: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for label in labels:
        if label.lower() in seen:
            raise ValidationError(
                f"Duplicate {what} label '{label}': labels must be unique.",
                context={"label": [label]},
            )
        seen.add(label.lower())


def _new_stages(
    object_type: str, inputs: Sequence[StageInput], ids: _Ids, at: int
) -> tuple[Stage, ...]:
    if not inputs:
        raise ValidationError("A pipeline needs at least one stage.")
    if len(inputs) > MAX_STAGES:
        raise ValidationError(f"A pipeline has at most {MAX_STAGES} stages.")
    stages = tuple(
        Stage(
            ids.take(s.stage_id, "stage"),
            _label(s.label, "stage"),
            s.display_order if s.display_order is not None else i,
            _metadata(object_type, s.metadata),
            at,
            at,
        )
        for i, s in enumerate(inputs)
    )
    _check_unique_labels([s.label for s in stages], "stage")
    return stages


# -- the service -----------------------------------------------------------------------


class PipelineService:
    def __init__(self, store: PipelineStore, owners: OwnerService, uow: UnitOfWork) -> None:
        self.store = store
        self.owners = owners
        self.uow = uow

    async def _all(self, portal_id: int, object_type: ObjectType) -> list[Pipeline]:
        check_type(object_type)
        stored = await self.store.read_pipelines(portal_id, object_type.type_id)
        return stored if stored is not None else default_pipelines(object_type.type_id)

    async def _change(
        self, portal_id: int, object_type: ObjectType, change: Changes, *, validate: bool = False
    ) -> list[Pipeline]:
        """Apply ``change`` to the type's pipelines in one transaction that holds them
        (record writes that set a pipeline or stage wait for it, and it for them). With
        ``validate``, a pipeline or stage that records are still in refuses to go."""
        check_type(object_type)
        type_id = object_type.type_id
        async with self.uow.transaction(portal_id) as tx:
            stored = await tx.pipelines_for_change(type_id)
            current = stored if stored is not None else default_pipelines(type_id, now_ms())
            changed = change(current)
            if validate:
                await _check_unused(tx, object_type, current, changed)
            await tx.store_pipelines(type_id, changed)
            # The audit commits with the change, or not at all.
            await tx.add_pipeline_audits(type_id, audits(current, changed, now_ms()))
        return changed

    async def audit(
        self, portal_id: int, object_type: ObjectType, pipeline_id: str, stage_id: str = ""
    ) -> list[Audit]:
        """A pipeline's audit, or one of its stages' (archived ones too: their deletion is
        part of it); 404 for a pipeline or stage that never existed."""
        every = await self._all(portal_id, object_type)
        pipeline = next((p for p in every if p.pipeline_id == pipeline_id), None)
        if pipeline is None:
            raise _not_found("pipeline", pipeline_id)
        if stage_id and not any(s.stage_id == stage_id for s in pipeline.stages):
            raise _not_found("stage", stage_id)
        return await self.store.read_pipeline_audits(
            portal_id, object_type.type_id, pipeline_id, stage_id, MAX_AUDITS
        )

    # -- pipelines ----------------------------------------------------------------------

    async def list_pipelines(self, portal_id: int, object_type: ObjectType) -> list[Pipeline]:
        live = [p for p in await self._all(portal_id, object_type) if not p.archived]
        return sorted(live, key=lambda p: (p.display_order, p.label))

    async def get(self, portal_id: int, object_type: ObjectType, pipeline_id: str) -> Pipeline:
        return _find(await self._all(portal_id, object_type), pipeline_id)

    async def create(
        self, portal_id: int, object_type: ObjectType, data: PipelineInput
    ) -> Pipeline:
        made: list[Pipeline] = []

        def change(pipelines: list[Pipeline]) -> list[Pipeline]:
            live = [p for p in pipelines if not p.archived]
            if len(live) >= MAX_PIPELINES:
                raise ValidationError(f"A portal has at most {MAX_PIPELINES} pipelines per type.")
            at = now_ms()
            ids = _Ids.of(pipelines)
            label = _label(data.label, "pipeline")
            _check_unique_labels([*(p.label for p in live), label], "pipeline")
            pipeline_id = ids.take(data.pipeline_id, "pipeline")
            stages = _new_stages(object_type.type_id, data.stages or (), ids, at)
            order = data.display_order if data.display_order is not None else len(live)
            made.append(Pipeline(pipeline_id, label, order, stages, at, at))
            return [*pipelines, made[0]]

        await self._change(portal_id, object_type, change)
        return made[0]

    async def replace(
        self,
        portal_id: int,
        object_type: ObjectType,
        pipeline_id: str,
        data: PipelineInput,
        *,
        validate: bool = False,
    ) -> Pipeline:
        """PUT: new label, order and stage list; stages left out are removed, stages named by
        an existing id keep it (and their creation time)."""
        result: list[Pipeline] = []

        def change(pipelines: list[Pipeline]) -> list[Pipeline]:
            old = _find(pipelines, pipeline_id)
            others = [p for p in pipelines if p.pipeline_id != pipeline_id]
            ids = _Ids.of(others)
            at = now_ms()
            label = _label(data.label, "pipeline")
            _check_unique_labels([*(p.label for p in others if not p.archived), label], "pipeline")
            kept = {s.stage_id: s for s in old.stages}
            stages = _new_stages(object_type.type_id, data.stages or (), ids, at)
            stages = tuple(
                replace(s, created_at_ms=kept[s.stage_id].created_at_ms)
                if s.stage_id in kept
                else s
                for s in stages
            )
            order = data.display_order if data.display_order is not None else old.display_order
            new = replace(old, label=label, display_order=order, stages=stages, updated_at_ms=at)
            result.append(new)
            return _replace(pipelines, new)

        await self._change(portal_id, object_type, change, validate=validate)
        return result[0]

    async def update(
        self,
        portal_id: int,
        object_type: ObjectType,
        pipeline_id: str,
        data: PipelineInput,
        *,
        validate: bool = False,
    ) -> Pipeline:
        """PATCH: label, displayOrder; ``archived: false`` restores an archived pipeline."""
        result: list[Pipeline] = []

        def change(pipelines: list[Pipeline]) -> list[Pipeline]:
            restoring = data.archived is False
            old = next(
                (
                    p
                    for p in pipelines
                    if p.pipeline_id == pipeline_id and (restoring or not p.archived)
                ),
                None,
            )
            if old is None:
                raise _not_found("pipeline", pipeline_id)
            label = old.label if data.label is None else _label(data.label, "pipeline")
            others = [p.label for p in pipelines if p.pipeline_id != pipeline_id and not p.archived]
            _check_unique_labels([*others, label], "pipeline")
            new = replace(
                old,
                label=label,
                display_order=old.display_order
                if data.display_order is None
                else data.display_order,
                updated_at_ms=now_ms(),
            )
            if data.archived is not None:
                new = replace(
                    new,
                    archived=data.archived,
                    archived_at_ms=new.updated_at_ms if data.archived else None,
                )
            result.append(new)
            return _replace(pipelines, new)

        await self._change(portal_id, object_type, change, validate=validate)
        return result[0]

    async def archive(
        self, portal_id: int, object_type: ObjectType, pipeline_id: str, *, validate: bool = False
    ) -> None:
        """DELETE: the pipeline is archived (kept, hidden, restorable with PATCH)."""
        await self.update(
            portal_id, object_type, pipeline_id, PipelineInput(archived=True), validate=validate
        )

    # -- stages -------------------------------------------------------------------------

    async def stages(
        self, portal_id: int, object_type: ObjectType, pipeline_id: str
    ) -> list[Stage]:
        return (await self.get(portal_id, object_type, pipeline_id)).active_stages()

    async def stage(
        self, portal_id: int, object_type: ObjectType, pipeline_id: str, stage_id: str
    ) -> Stage:
        found = (await self.get(portal_id, object_type, pipeline_id)).stage(stage_id)
        if found is None:
            raise _not_found("stage", stage_id)
        return found

    async def create_stage(
        self, portal_id: int, object_type: ObjectType, pipeline_id: str, data: StageInput
    ) -> Stage:
        made: list[Stage] = []

        def change(pipelines: list[Pipeline]) -> list[Pipeline]:
            old = _find(pipelines, pipeline_id)
            if len(old.active_stages()) >= MAX_STAGES:
                raise ValidationError(f"A pipeline has at most {MAX_STAGES} stages.")
            at = now_ms()
            stage = Stage(
                _Ids.of(pipelines).take(data.stage_id, "stage"),
                _label(data.label, "stage"),
                data.display_order if data.display_order is not None else len(old.stages),
                _metadata(object_type.type_id, data.metadata),
                at,
                at,
            )
            _check_unique_labels([*(s.label for s in old.active_stages()), stage.label], "stage")
            made.append(stage)
            return _replace(pipelines, replace(old, stages=(*old.stages, stage), updated_at_ms=at))

        await self._change(portal_id, object_type, change)
        return made[0]

    async def change_stage(
        self,
        portal_id: int,
        object_type: ObjectType,
        pipeline_id: str,
        stage_id: str,
        data: StageInput,
        *,
        full: bool,
        validate: bool = False,
    ) -> Stage:
        """PUT (``full``: label, displayOrder and metadata replaced) or PATCH (given fields;
        metadata merged)."""
        result: list[Stage] = []

        def change(pipelines: list[Pipeline]) -> list[Pipeline]:
            old_pipeline = _find(pipelines, pipeline_id)
            old = next((s for s in old_pipeline.stages if s.stage_id == stage_id), None)
            if old is None or (old.archived and data.archived is not False):
                raise _not_found("stage", stage_id)
            at = now_ms()
            merged = (
                dict(data.metadata or {}) if full else {**old.metadata, **(data.metadata or {})}
            )
            new = replace(
                old,
                label=old.label if data.label is None and not full else _label(data.label, "stage"),
                display_order=old.display_order
                if data.display_order is None
                else data.display_order,
                metadata=_metadata(object_type.type_id, merged),
                updated_at_ms=at,
            )
            if data.archived is not None:
                new = replace(
                    new, archived=data.archived, archived_at_ms=at if data.archived else None
                )
            others = [s.label for s in old_pipeline.active_stages() if s.stage_id != stage_id]
            _check_unique_labels([*others, new.label], "stage")
            stages = tuple(new if s.stage_id == stage_id else s for s in old_pipeline.stages)
            if not any(not s.archived for s in stages):
                raise ValidationError("A pipeline needs at least one stage.")
            result.append(new)
            return _replace(pipelines, replace(old_pipeline, stages=stages, updated_at_ms=at))

        await self._change(portal_id, object_type, change, validate=validate)
        return result[0]

    async def archive_stage(
        self,
        portal_id: int,
        object_type: ObjectType,
        pipeline_id: str,
        stage_id: str,
        *,
        validate: bool = False,
    ) -> None:
        await self.change_stage(
            portal_id,
            object_type,
            pipeline_id,
            stage_id,
            StageInput(archived=True),
            full=False,
            validate=validate,
        )

    # -- the record check (wired into domain/objects.py) --------------------------------

    async def check_records(
        self,
        tx: StoreTx,
        object_type: ObjectType,
        writes: Sequence[tuple[Mapping[str, str | None], Mapping[str, str] | None]],
    ) -> None:
        """Refuse writes whose pipeline, stage or owner does not exist, as HubSpot does.

        ``writes`` holds (new values, the record's current properties or None on create).
        A stage is checked against the pipeline the record will be in: the one written,
        else the record's, else the type's default (HubSpot puts deals and tickets without a
        pipeline in the default one). Raises one ValidationError listing every problem.
        """
        problems: list[dict[str, object]] = []
        fields = _PIPELINE_FIELDS.get(object_type.type_id)
        if fields is not None and any(fields[0] in w or fields[1] in w for w, _ in writes):
            stored = await tx.pipelines_for_records(object_type.type_id)
            every = stored if stored is not None else default_pipelines(object_type.type_id)
            pipelines = sorted(
                (p for p in every if not p.archived), key=lambda p: (p.display_order, p.label)
            )
            for values, current in writes:
                problems += _stage_problems(fields, pipelines, values, current or {})
        owner_ids = [(w, w.get("hubspot_owner_id")) for w, _ in writes]
        wanted = [v for _, v in owner_ids if v]
        if wanted:
            numeric = [int(v) for v in wanted if v.isascii() and v.isdigit() and len(v) < 19]
            missing = set(numeric) - await tx.active_owner_ids(numeric)
            for value in wanted:
                if (
                    not (value.isascii() and value.isdigit())
                    or len(value) >= 19
                    or int(value) in missing
                ):
                    problems.append(
                        _invalid(
                            "hubspot_owner_id",
                            value,
                            f"{value} is not a valid owner id",
                            "INVALID_OWNER_ID",
                        )
                    )
        if problems:
            raise ValidationError(
                "Property values were not valid: " + json.dumps(problems),
                context={"properties": sorted({str(p["name"]) for p in problems})},
            )


# (pipeline property, stage property) per object type.
_PIPELINE_FIELDS = {DEAL: ("pipeline", "dealstage"), TICKET: ("hs_pipeline", "hs_pipeline_stage")}
CHECKED_PROPERTIES = frozenset(
    {"hubspot_owner_id", *(name for pair in _PIPELINE_FIELDS.values() for name in pair)}
)
"""Every property ``check_records`` looks at."""


def _pipeline_raw(p: Pipeline) -> dict[str, object]:
    return {
        "id": p.pipeline_id,
        "label": p.label,
        "displayOrder": p.display_order,
        "archived": p.archived,
    }


def _stage_raw(s: Stage) -> dict[str, object]:
    return {
        "id": s.stage_id,
        "label": s.label,
        "displayOrder": s.display_order,
        "metadata": dict(s.metadata),
        "archived": s.archived,
    }


def _action(before_live: bool | None, after_live: bool, changed: bool) -> str | None:
    """CREATE, UPDATE or DELETE (archive) from the state before (None: did not exist)
    and after [inferred: HubSpot documents ``action`` as a string without its values]."""
    if before_live is None:
        return "CREATE" if after_live else None
    if before_live and not after_live:
        return "DELETE"
    if not before_live and after_live:
        return "CREATE"  # a restored pipeline or stage
    return "UPDATE" if changed and after_live else None


def audits(before: Sequence[Pipeline], after: Sequence[Pipeline], at_ms: int) -> list[Audit]:
    """The audit entries of one change: every pipeline and stage that it created, changed
    or deleted (``seq`` is given by storage)."""
    old = {p.pipeline_id: p for p in before}
    entries: list[Audit] = []
    for new in after:
        prev = old.get(new.pipeline_id)
        head = _pipeline_raw(new)
        action = _action(
            None if prev is None else not prev.archived,
            not new.archived,
            prev is not None and (prev != new),
        )
        if action is not None:
            entries.append(Audit(0, new.pipeline_id, "", action, at_ms, head))
        prev_stages = {s.stage_id: s for s in prev.stages} if prev is not None else {}
        prev_archived = prev.archived if prev is not None else False
        kept = {s.stage_id for s in new.stages}
        for stage in new.stages:
            was = prev_stages.get(stage.stage_id)
            live = not stage.archived and not new.archived
            was_live = None if was is None else not was.archived and not prev_archived
            step = _action(was_live, live, was is not None and was != stage)
            if step is not None:
                entries.append(
                    Audit(0, new.pipeline_id, stage.stage_id, step, at_ms, _stage_raw(stage))
                )
        for gone in prev_stages.values():
            if gone.stage_id not in kept and not gone.archived:
                raw = {**_stage_raw(gone), "archived": True}
                entries.append(Audit(0, new.pipeline_id, gone.stage_id, "DELETE", at_ms, raw))
    return entries


def _fields(object_type: ObjectType) -> tuple[str, str]:
    """The (pipeline, stage) properties of a type's records; custom objects use the
    ticket names (https://developers.hubspot.com/docs/api/crm/pipelines) [inferred]."""
    return _PIPELINE_FIELDS.get(object_type.type_id, ("hs_pipeline", "hs_pipeline_stage"))


def _removed(before: Sequence[Pipeline], after: Sequence[Pipeline]) -> tuple[set[str], set[str]]:
    """(pipeline ids, stage ids) live in ``before`` and archived or gone in ``after``. A
    pipeline that goes takes its stages with it. Stage ids are unique per type (``_Ids``)."""
    now = {p.pipeline_id: p for p in after}
    pipelines: set[str] = set()
    stages: set[str] = set()
    for old in before:
        if old.archived:
            continue
        new = now.get(old.pipeline_id)
        live = {s.stage_id for s in old.stages if not s.archived}
        if new is None or new.archived:
            pipelines.add(old.pipeline_id)
            stages |= live
        else:
            stages |= {sid for sid in live if new.stage(sid) is None}
    return pipelines, stages


async def _check_unused(
    tx: StoreTx, object_type: ObjectType, before: Sequence[Pipeline], after: Sequence[Pipeline]
) -> None:
    """HubSpot's ``validateReferencesBeforeDelete`` / ``validateDealStageUsagesBeforeDelete``:
    a pipeline or stage that records are in is not deleted ("If a pipeline or stage is in use
    (e.g., the pipeline has records ...), the delete request will be blocked and return a
    validation error", https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/guide).
    Records are found through the search index (live records only); the message and its
    context are [inferred]."""
    pipelines, stages = _removed(before, after)
    pipeline_field, stage_field = _fields(object_type)
    type_id = object_type.type_id
    busy_pipelines = await tx.values_in_use(type_id, pipeline_field, _keys(pipelines))
    busy_stages = await tx.values_in_use(type_id, stage_field, _keys(stages))
    busy = sorted(p for p in pipelines if p.lower() in busy_pipelines)
    busy += sorted(s for s in stages if s.lower() in busy_stages)
    if busy:
        shown = ", ".join(busy[:10])
        raise ValidationError(
            f"Cannot delete: records of this {object_type.name} pipeline are still in"
            f" pipeline or stage [{shown}]. Move them first, or pass"
            " validateReferencesBeforeDelete=false.",
            context={"id": busy[:10]},
            sub_category="PIPELINE_IN_USE",
        )


def _keys(ids: set[str]) -> list[str]:
    """Search index keys: lower-cased, cut to 500 characters (migration 0011)."""
    return sorted({i[:500].lower() for i in ids})


def _invalid(
    name: str, value: str, message: str, error: str = "INVALID_OPTION"
) -> dict[str, object]:
    # The item shape of HubSpot's "Property values were not valid" message.
    return {"isValid": False, "message": message, "error": error, "name": name}


def _stage_problems(
    fields: tuple[str, str],
    pipelines: Sequence[Pipeline],
    values: Mapping[str, str | None],
    current: Mapping[str, str],
) -> list[dict[str, object]]:
    pipeline_field, stage_field = fields
    by_id = {p.pipeline_id: p for p in pipelines}
    pipeline_id = values.get(pipeline_field) or current.get(pipeline_field)
    if pipeline_id is None and pipelines:
        pipeline_id = pipelines[0].pipeline_id
    stage_id = values.get(stage_field) or current.get(stage_field)
    pipeline = by_id.get(pipeline_id) if pipeline_id else None
    if pipeline_id and pipeline is None:
        allowed = ", ".join(by_id)
        return [
            _invalid(
                pipeline_field,
                pipeline_id,
                f"{pipeline_id} was not one of the allowed options: [{allowed}]",
            )
        ]
    if stage_id and (pipeline is None or pipeline.stage(stage_id) is None):
        allowed = ", ".join(s.stage_id for s in pipeline.active_stages()) if pipeline else ""
        return [
            _invalid(
                stage_field, stage_id, f"{stage_id} was not one of the allowed options: [{allowed}]"
            )
        ]
    return []
