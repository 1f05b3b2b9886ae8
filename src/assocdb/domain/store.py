"""The Store protocol: the only way the domain reaches persistent state.

It lives in the domain (a port) so that dependencies point one way: storage/ implements
it, the domain only names it.

Every call takes (or is bound to) a portal id first, so tables can be sharded by portal.
Associations are stored in both directions; ``StoreTx.put_pairs`` writes an edge and its
inverse together so no half edge can ever be observed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol

from assocdb.domain.history import SOURCE_API, HistoryStore
from assocdb.domain.models import CrmObject, LabelDef, LimitDef, Portal, TokenRecord, TypeSet

if TYPE_CHECKING:  # only a type here: CLI commands that import the ports stay light
    from assocdb.domain.pipelines import Audit, Pipeline
    from assocdb.domain.webhooks import EventSink

__all__ = [
    "AdminStore",
    "ArchivedRecords",
    "AssociationStore",
    "AuthStore",
    "EdgeWrite",
    "GraphStore",
    "LabelStore",
    "Lifecycle",
    "ObjectStore",
    "PageRequest",
    "PageRows",
    "RecordStore",
    "RemovedEdge",
    "Store",
    "StoreTx",
    "UniqueViolation",
    "UnitOfWork",
    "UpdatedRecord",
]

PageRequest = tuple[int, int]
"""(from_id, after_to_id): read edges of from_id with to_id > after_to_id (-1: from the start)."""

PageRows = list[tuple[int, TypeSet]]
"""(to_id, types) ordered by to_id."""

EdgeWrite = tuple[int, int, TypeSet, TypeSet]
"""(from_id, to_id, forward types, inverse types); empty types delete the pair."""


class UpdatedRecord(NamedTuple):
    """A record an update wrote, and its properties before (for propertyChange events)."""

    record: CrmObject
    before: Mapping[str, str]


class RemovedEdge(NamedTuple):
    """An association an archive removed, seen from the archived record."""

    object_id: int
    to_type: str
    to_id: int
    types: TypeSet


@dataclass(slots=True)
class ArchivedRecords:
    """What ``StoreTx.archive_objects`` did: the ids that existed, and (when asked) the
    associations they lost."""

    ids: list[int]
    edges: list[RemovedEdge]


class UniqueViolation(Exception):
    """A write broke a uniqueness the schema holds (e.g. a label name per pair).

    Storage raises it instead of its driver's error so the domain can answer with the same
    HubSpot-shaped error a sequential duplicate gets. The transaction is then unusable (on
    PostgreSQL it is aborted): the caller must let it roll back."""


class StoreTx(Protocol):
    """Operations inside one write transaction (the unit of work), bound to one portal.

    Every check-then-write of the domain runs on one of these, so the check sees what the
    write will change. Locking, in the order every writer takes it:

    1. ``lock_pairs``: per portal and unordered object-type pair. Association writes take
       it shared, label and limit changes exclusive. On PostgreSQL it is a fair
       (queued) lock, so a label change waits for the writers already running, not for
       those that come after it; on SQLite ``BEGIN IMMEDIATE`` already serialises.
    2. ``lock_records``: the records whose edges are read and rewritten.
    """

    async def lock_pairs(self, pairs: Sequence[tuple[str, str]], *, exclusive: bool) -> None:
        """Hold the (from type, to type) pairs (either direction) until the transaction
        ends; take every pair a transaction needs in one call (sorted inside)."""
        ...

    events: EventSink | None
    """Webhook events of this transaction (domain/webhooks.py): storage sets it when the
    transaction opens (None when no installed app has an active subscription in the
    portal), the domain adds changes, and storage writes them to the outbox before COMMIT."""

    async def lock_records(self, records: Sequence[tuple[str, int]]) -> None:
        """Hold these (object type, id) records until the transaction ends, so concurrent
        writers touching the same records run one after the other."""
        ...

    async def existing_object_ids(self, object_type: str, ids: Sequence[int]) -> set[int]: ...

    async def get_pairs(
        self, from_type: str, to_type: str, pairs: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], TypeSet]: ...

    async def edges_from(
        self, from_type: str, to_type: str, from_ids: Sequence[int]
    ) -> list[tuple[int, int, TypeSet]]: ...

    async def put_pairs(self, from_type: str, to_type: str, edges: Sequence[EdgeWrite]) -> None: ...

    async def add_labels(self, labels: Sequence[LabelDef]) -> None:
        """Raises ``UniqueViolation`` if a name or typeId is taken on the pair."""
        ...

    async def labels_for_write(self, from_type: str, to_type: str) -> list[LabelDef]:
        """The portal's labels of one direction, as this transaction sees them; with the
        pair locked (``lock_pairs``) they cannot change before it ends."""
        ...

    async def update_labels(self, labels: Sequence[LabelDef]) -> None:
        """Set the display ``label`` of existing definitions; names and ids never change."""
        ...

    async def delete_label(self, label: LabelDef) -> bool:
        """Both directions and their limits; False (nothing changed) if an edge uses it."""
        ...

    async def allocate_type_ids(self, count: int) -> int: ...

    async def list_limits(self, from_type: str, to_type: str) -> list[LimitDef]: ...

    async def put_limits(self, limits: Sequence[LimitDef]) -> None: ...

    async def delete_limits(
        self, from_type: str, to_type: str, keys: Sequence[tuple[int, int]]
    ) -> None: ...

    async def create_objects(
        self,
        object_type: str,
        properties: Sequence[Mapping[str, str]],
        now_ms: int,
        *,
        source: str = SOURCE_API,
    ) -> list[CrmObject]:
        """New records with ids allocated per portal (gaps are fine: a rolled-back
        transaction gives its ids back to nobody), and the first version of each value
        in the property history with ``sourceType`` ``source`` (default ``API``)."""
        ...

    async def update_objects(
        self,
        object_type: str,
        updates: Sequence[tuple[int, Mapping[str, str | None]]],
        now_ms: int,
    ) -> list[UpdatedRecord]:
        """Merge property changes (None removes a property), locking each record; returns
        the records that exist, updated, with their properties before."""
        ...

    async def archive_objects(
        self,
        object_type: str,
        ids: Sequence[int],
        now_ms: int,
        *,
        purge: bool = False,
        with_edges: bool = False,
    ) -> ArchivedRecords:
        """Archive records (``purge``: delete them outright) and remove every association
        of each, both directions; ``with_edges`` also returns the removed associations
        (read anyway to delete the inverse rows), for associationChange events."""
        ...

    async def purge_objects(self, object_type: str, ids: Sequence[int]) -> None:
        """Delete records for good, with their property history and every association of
        each, both directions (no webhook events: the caller emits what it must). Merge
        and GDPR delete use it for existing records; creates for records that must not
        be kept."""
        ...

    # -- merge and GDPR delete (domain/merge.py) ------------------------------------------

    async def edge_to_types(self, object_type: str, object_id: int) -> list[str]:
        """The object types a record has associations to, sorted."""
        ...

    async def get_object(self, object_type: str, object_id: int) -> CrmObject | None:
        """A live record as this transaction sees it (lock it first to hold it)."""
        ...

    async def write_properties(
        self, object_type: str, object_id: int, properties: Mapping[str, str], now_ms: int
    ) -> None:
        """Replace a live record's properties (the whole set) and its modification time;
        each changed value is a new version in the property history."""
        ...

    async def add_merge(
        self, object_type: str, merged_id: int, primary_id: int, now_ms: int
    ) -> None:
        """``merged_id`` (and every id merged into it before) now resolves to ``primary_id``."""
        ...

    async def archived_object_ids(self, object_type: str, ids: Sequence[int]) -> set[int]:
        """The ids among ``ids`` that have an archived copy."""
        ...

    async def forget_objects(self, object_type: str, ids: Sequence[int]) -> None:
        """GDPR: delete the archived copies, the property history and every merge alias
        naming the records."""
        ...

    # -- record writes and their checks (domain/objects.py, id_property.py, pipelines.py) -

    async def get_objects(self, object_type: str, ids: Sequence[int]) -> list[CrmObject]:
        """The live records among ``ids`` as this transaction sees them, by ascending id."""
        ...

    async def value_owners(
        self, object_type: str, name: str, keys: Sequence[str]
    ) -> dict[str, int]:
        """value key (lower-cased, search index) → the live record holding it, for the
        keys some record holds (``idProperty`` look-ups of an upsert)."""
        ...

    async def values_in_use(self, object_type: str, name: str, keys: Sequence[str]) -> set[str]:
        """The keys among ``keys`` that some live record holds for property ``name``."""
        ...

    async def active_owner_ids(self, ids: Sequence[int]) -> set[int]:
        """The active owners among ``ids``; an archive of one of them waits for this
        transaction (PostgreSQL: ``FOR SHARE``)."""
        ...

    async def pipelines_for_records(self, object_type: str) -> list[Pipeline] | None:
        """The type's stored pipelines (None: never changed, the defaults), held against
        pipeline changes until this transaction ends (a shared lock)."""
        ...

    async def pipelines_for_change(self, object_type: str) -> list[Pipeline] | None:
        """The type's stored pipelines (None: never changed, the defaults), held
        exclusively until this transaction ends; a ValidationError if no such portal."""
        ...

    async def store_pipelines(self, object_type: str, pipelines: Sequence[Pipeline]) -> None:
        """Replace the type's pipelines (after ``pipelines_for_change``)."""
        ...

    async def add_pipeline_audits(self, object_type: str, audits: Sequence[Audit]) -> None:
        """Append audit entries of the type's pipelines, numbered after the last one (after
        ``pipelines_for_change``, which serialises the type's changes)."""
        ...


class UnitOfWork(Protocol):
    """Every service that writes opens its unit of work here."""

    def transaction(self, portal_id: int) -> AbstractAsyncContextManager[StoreTx]: ...


class Lifecycle(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None: ...

    async def secret(self) -> bytes: ...


class AuthStore(Protocol):
    """Portals, tokens and per-portal rate-limit policies (domain/auth.py, http/ratelimit.py)."""

    async def create_portal(self, portal_id: int | None, name: str, now_ms: int) -> Portal: ...

    async def get_portal(self, portal_id: int) -> Portal | None: ...

    async def add_token(self, token: TokenRecord) -> None: ...

    async def find_token(self, token_hash: str) -> TokenRecord | None: ...

    async def revoke_token(self, token_hash: str) -> bool:
        """Mark a token revoked; False if no such token (revoking twice is not an error)."""
        ...

    # -- rate limits (assocdb portal set-rate-limit) --------------------------------

    async def set_portal_rate_limit(self, portal_id: int, policy: str | None) -> bool:
        """Store a portal's own policy text (None: follow the server); False: no such portal."""
        ...

    async def list_portal_rate_limits(self) -> dict[int, str]:
        """Every portal with a policy of its own."""
        ...


class ObjectStore(UnitOfWork, HistoryStore, Protocol):
    """CRM records (domain/objects.py) and their property history (domain/history.py).
    Every write below also writes the versions of the values it changes, in its own
    transaction."""

    async def create_objects(
        self,
        portal_id: int,
        object_type: str,
        properties: Sequence[Mapping[str, str]],
        now_ms: int,
    ) -> list[CrmObject]: ...

    async def get_objects(
        self, portal_id: int, object_type: str, ids: Sequence[int]
    ) -> list[CrmObject]:
        """The live records among ``ids``, by ascending id; missing ids are left out."""
        ...

    async def list_objects(
        self, portal_id: int, object_type: str, start_id: int, limit: int
    ) -> list[CrmObject]:
        """Up to ``limit`` live records with ``object_id >= start_id``, by ascending id."""
        ...

    async def get_archived_objects(
        self, portal_id: int, object_type: str, ids: Sequence[int]
    ) -> list[tuple[CrmObject, int]]:
        """Archived records among ``ids`` with when each was archived (epoch ms)."""
        ...

    async def list_archived_objects(
        self, portal_id: int, object_type: str, start_id: int, limit: int
    ) -> list[tuple[CrmObject, int]]: ...

    async def update_objects(
        self,
        portal_id: int,
        object_type: str,
        updates: Sequence[tuple[int, Mapping[str, str | None]]],
        now_ms: int,
    ) -> list[CrmObject]:
        """Merge property changes (None removes a property) in one transaction; returns
        the records that exist, updated."""
        ...

    async def archive_objects(
        self,
        portal_id: int,
        object_type: str,
        ids: Sequence[int],
        now_ms: int,
        *,
        purge: bool = False,
    ) -> list[int]:
        """Archive records (``purge``: delete them outright) and remove every association
        of each, both directions, in one transaction; returns the ids that existed."""
        ...

    async def find_label(
        self, portal_id: int, from_type: str, category: int, type_id: int
    ) -> LabelDef | None:
        """The portal's label with this (category, typeId) from ``from_type``, any to-type."""
        ...


class LabelStore(UnitOfWork, Protocol):
    """A portal's own labels and limits (domain/labels.py, domain/limits.py)."""

    async def list_labels(self, portal_id: int, from_type: str, to_type: str) -> list[LabelDef]: ...

    async def update_labels(self, portal_id: int, labels: Sequence[LabelDef]) -> None: ...

    async def delete_label(self, portal_id: int, label: LabelDef) -> bool:
        """Both directions and their limits; False (nothing changed) if an association uses it."""
        ...

    async def list_limits(self, portal_id: int, from_type: str, to_type: str) -> list[LimitDef]: ...

    async def list_all_limits(self, portal_id: int) -> list[LimitDef]: ...

    async def put_limits(self, portal_id: int, limits: Sequence[LimitDef]) -> None: ...

    async def delete_limits(
        self, portal_id: int, from_type: str, to_type: str, keys: Sequence[tuple[int, int]]
    ) -> None: ...


class GraphStore(UnitOfWork, Protocol):
    """Association edges (domain/associations.py)."""

    async def read_pages(
        self,
        portal_id: int,
        from_type: str,
        to_type: str,
        requests: Sequence[PageRequest],
        limit: int,
    ) -> list[PageRows]: ...

    async def count_edges(self, portal_id: int) -> int: ...


class AdminStore(UnitOfWork, Protocol):
    """The test harness and imports: reset, export scans, statistics (seed.py, http/admin.py)."""

    async def reset_portal(self, portal_id: int) -> None:
        """Delete every record (live and archived), association, label and limit of a
        portal and restart its id counters; the portal and its tokens stay."""
        ...

    async def scan_objects(
        self, portal_id: int, after: tuple[str, int] | None, limit: int
    ) -> list[CrmObject]:
        """Live records ordered by (object type, id), after the key ``after``."""
        ...

    async def scan_edges(
        self, portal_id: int, after: tuple[str, int, str, int] | None, limit: int
    ) -> list[tuple[str, int, str, int, TypeSet]]:
        """Directed edge rows ordered by (from type, from id, to type, to id) after ``after``."""
        ...

    async def list_all_labels(self, portal_id: int) -> list[LabelDef]: ...

    async def count_rows(self, table: str) -> int: ...
    async def analyze(self) -> None:
        """Refresh the query planner's statistics (after bulk loads)."""
        ...


class AssociationStore(GraphStore, LabelStore, Protocol):
    """What the associations service uses: edges, and labels to describe them."""


class RecordStore(ObjectStore, GraphStore, LabelStore, Protocol):
    """What the objects service uses: records, their edges (v3 ``associations``) and labels."""


class Store(Lifecycle, AuthStore, RecordStore, AdminStore, Protocol):
    """Every role at once: what a backend implements and what the app wires up. Services
    take only the role they use (``AssociationStore``, ``LabelStore``, ``RecordStore``…);
    new roles add a Protocol here and a storage mixin per backend."""
