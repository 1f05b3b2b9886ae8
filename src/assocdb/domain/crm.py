"""The CRM configuration services (owners, pipelines, account, merge), built together.

Each service needs only its own storage port; the store object implements them all, and
``crm_services`` checks that it does, once, when the app starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from assocdb.domain.associations import AssociationService
from assocdb.domain.merge import MergeService, MergeStore
from assocdb.domain.objects import ObjectService
from assocdb.domain.owners import OwnerService, owner_store
from assocdb.domain.pipelines import CHECKED_PROPERTIES, PipelineService, PipelineStore
from assocdb.domain.schemas import SchemaService, SchemaStore
from assocdb.domain.store import Store

__all__ = [
    "CrmServices",
    "crm_services",
    "merge_store",
    "owner_store",
    "pipeline_store",
    "schema_store",
]


def _missing(store: object, role: str) -> TypeError:
    return TypeError(f"{type(store).__name__} does not implement the {role} storage port")


def pipeline_store(store: object) -> PipelineStore:
    if not isinstance(store, PipelineStore):
        raise _missing(store, "PipelineStore")
    return store


def merge_store(store: object) -> MergeStore:
    if not isinstance(store, MergeStore):
        raise _missing(store, "MergeStore")
    return store


def schema_store(store: object) -> SchemaStore:
    if not isinstance(store, SchemaStore):
        raise _missing(store, "SchemaStore")
    return store


@dataclass(frozen=True, slots=True)
class CrmServices:
    owners: OwnerService
    pipelines: PipelineService
    merges: MergeService
    schemas: SchemaService


def crm_services(
    store: Store, objects: ObjectService, associations: AssociationService
) -> CrmServices:
    """The services, hooked into ``objects``: record writes are checked against pipelines
    and owners, and reads of a merged id resolve to the record it was merged into."""
    owners = OwnerService(owner_store(store))
    pipelines = PipelineService(pipeline_store(store), owners, store)
    merges = MergeService(store, merge_store(store), objects, associations)
    objects.record_checks.append(pipelines.check_records)
    objects.checked_properties |= CHECKED_PROPERTIES
    objects.resolve_merged = merges.resolve
    schemas = SchemaService(store, schema_store(store))
    return CrmServices(owners=owners, pipelines=pipelines, merges=merges, schemas=schemas)
