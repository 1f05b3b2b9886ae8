"""The CRM configuration services (owners, pipelines, account, merge), built together.

Each service needs only its own storage port; the store object implements them all, and
``crm_services`` checks that it does, once, when the app starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from assocdb.domain.owners import OwnerService, OwnerStore

__all__ = ["CrmServices", "crm_services", "owner_store"]


def _missing(store: object, role: str) -> TypeError:
    return TypeError(f"{type(store).__name__} does not implement the {role} storage port")


def owner_store(store: object) -> OwnerStore:
    if not isinstance(store, OwnerStore):
        raise _missing(store, "OwnerStore")
    return store


@dataclass(frozen=True, slots=True)
class CrmServices:
    owners: OwnerService


def crm_services(store: object) -> CrmServices:
    return CrmServices(owners=OwnerService(owner_store(store)))
