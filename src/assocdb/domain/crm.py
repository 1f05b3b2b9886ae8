"""The CRM configuration services (owners, pipelines, account, merge), built together.

Each service needs only its own storage port; the store object implements them all, and
``crm_services`` checks that it does, once, when the app starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from assocdb.domain.objects import ObjectService
from assocdb.domain.owners import OwnerService, OwnerStore
from assocdb.domain.pipelines import PipelineService, PipelineStore

__all__ = ["CrmServices", "crm_services", "owner_store", "pipeline_store"]


def _missing(store: object, role: str) -> TypeError:
    return TypeError(f"{type(store).__name__} does not implement the {role} storage port")


def owner_store(store: object) -> OwnerStore:
    if not isinstance(store, OwnerStore):
        raise _missing(store, "OwnerStore")
    return store


def pipeline_store(store: object) -> PipelineStore:
    if not isinstance(store, PipelineStore):
        raise _missing(store, "PipelineStore")
    return store


@dataclass(frozen=True, slots=True)
class CrmServices:
    owners: OwnerService
    pipelines: PipelineService


def crm_services(store: object, objects: ObjectService) -> CrmServices:
    """The services, with the pipeline/owner check registered on ``objects``' writes."""
    owners = OwnerService(owner_store(store))
    pipelines = PipelineService(pipeline_store(store), owners)
    objects.record_checks.append(pipelines.check_records)
    return CrmServices(owners=owners, pipelines=pipelines)
