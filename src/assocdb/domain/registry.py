"""Association types: categories, the HUBSPOT_DEFINED table and its inverses.

Type identity is the pair (category, typeId): typeId 1 is HUBSPOT_DEFINED "Primary" for
contact→company, while USER_DEFINED 1 may be a portal's own label. Per-portal labels
(USER_DEFINED) live in storage; this module holds only what every portal shares.

HubSpot ("Association type ID values"): https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "Category",
    "DefinedType",
    "PairTypes",
    "TypeKey",
    "defined_pair",
    "defined_pairs",
]


class Category(IntEnum):
    """Association categories; the values are HubSpot's ordinals.

    HubSpot renders a type as ``{categoryOrdinal}-{typeId}`` in some errors (``0-5`` for
    HUBSPOT_DEFINED 5, observed in HubSpot's responses), which fixes HUBSPOT_DEFINED at 0.

    HubSpot: https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/create-associations-limits
    """

    HUBSPOT_DEFINED = 0
    USER_DEFINED = 1
    INTEGRATOR_DEFINED = 2
    WORK = 3


TypeKey = tuple[int, int]
"""(category ordinal, typeId): the identity of an association type."""


@dataclass(frozen=True, slots=True)
class DefinedType:
    type_id: int
    label: str | None
    inverse_id: int
    one_per_from: bool = False
    """At most one edge of this type per from-record: "contact → primary company" (1)."""
    one_per_to: bool = False
    """At most one per to-record: the inverse of a primary type (company → contact, 2)."""

    @property
    def primary(self) -> bool:
        return self.one_per_from or self.one_per_to


@dataclass(frozen=True, slots=True)
class PairTypes:
    """The HUBSPOT_DEFINED types from one object type to another."""

    default_id: int
    """The unlabeled type, always present on an associated pair."""
    types: dict[int, DefinedType]


_PAIRS: dict[tuple[str, str], PairTypes] = {}


def _add(
    from_type: str,
    to_type: str,
    type_id: int,
    inverse_id: int,
    label: str | None,
    inverse_label: str | None = None,
    *,
    primary: bool = False,
) -> None:
    """Register a type and its inverse. The first unlabeled type of a pair is its default."""
    for a, b, tid, inv, lab, per_from, per_to in (
        (from_type, to_type, type_id, inverse_id, label, primary, False),
        (to_type, from_type, inverse_id, type_id, inverse_label or label, False, primary),
    ):
        pair = _PAIRS.get((a, b))
        if pair is None:
            if lab is not None:
                raise AssertionError(f"register the unlabeled type of {a}->{b} first")
            pair = _PAIRS[(a, b)] = PairTypes(default_id=tid, types={})
        pair.types[tid] = DefinedType(tid, lab, inv, per_from, per_to)
        if a == b and tid == inv:
            break  # self-inverse type on a self-pair: registered once


def _unlabeled(from_type: str, to_type: str, type_id: int, inverse_id: int) -> None:
    _add(from_type, to_type, type_id, inverse_id, None)


CONTACT, COMPANY, DEAL, TICKET = "0-1", "0-2", "0-3", "0-5"
PRODUCT, LINE_ITEM, QUOTE = "0-7", "0-8", "0-14"
CALL, EMAIL, MEETING, NOTE, TASK = "0-48", "0-49", "0-47", "0-46", "0-27"
COMMUNICATION, POSTAL_MAIL = "0-18", "0-116"
INVOICE, ORDER, LEAD, CART = "0-53", "0-123", "0-136", "0-142"

# Core CRM objects. Inverses of ids 1–28 come from HubSpot's v1 table; the rest are
# [inferred] from consecutive numbering. HubSpot:
# https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
_unlabeled(CONTACT, COMPANY, 279, 280)
_add(CONTACT, COMPANY, 1, 2, "Primary", primary=True)
_unlabeled(CONTACT, DEAL, 4, 3)
_unlabeled(CONTACT, TICKET, 15, 16)
_unlabeled(DEAL, COMPANY, 341, 342)
_add(DEAL, COMPANY, 5, 6, "Primary", primary=True)
_unlabeled(TICKET, COMPANY, 339, 340)
_add(TICKET, COMPANY, 26, 25, "Primary", primary=True)
_unlabeled(DEAL, TICKET, 27, 28)
_unlabeled(CONTACT, CONTACT, 449, 449)
_unlabeled(COMPANY, COMPANY, 450, 450)
# 13 is "parent company to child company": from the parent, the record read is its child.
# [inferred] label strings; third-party code uses "Parent Company" / "Child Company".
_add(COMPANY, COMPANY, 13, 14, "Child Company", "Parent Company")
_unlabeled(DEAL, DEAL, 451, 451)
_unlabeled(TICKET, TICKET, 452, 452)
# [inferred] labels: a test fixture copied from a real read shows 930 "Billing Contact".
_add(COMPANY, CONTACT, 930, 931, "Billing Contact", "Billing Company")

# Activities. Forward is object→activity, inverse in brackets. HubSpot:
# https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
_ACTIVITY_IDS: dict[str, dict[str, tuple[int, int]]] = {
    CONTACT: {
        CALL: (193, 194),
        EMAIL: (197, 198),
        MEETING: (199, 200),
        NOTE: (201, 202),
        TASK: (203, 204),
        COMMUNICATION: (82, 81),
        POSTAL_MAIL: (454, 453),
    },
    COMPANY: {
        CALL: (181, 182),
        EMAIL: (185, 186),
        MEETING: (187, 188),
        NOTE: (189, 190),
        TASK: (191, 192),
        COMMUNICATION: (88, 87),
        POSTAL_MAIL: (460, 459),
    },
    DEAL: {
        CALL: (205, 206),
        EMAIL: (209, 210),
        MEETING: (211, 212),
        NOTE: (213, 214),
        TASK: (215, 216),
        COMMUNICATION: (86, 85),
        POSTAL_MAIL: (458, 457),
    },
    TICKET: {
        CALL: (219, 220),
        EMAIL: (223, 224),
        MEETING: (225, 226),
        NOTE: (227, 228),
        TASK: (229, 230),
        COMMUNICATION: (84, 83),
        POSTAL_MAIL: (456, 455),
    },
}
for _obj, _acts in _ACTIVITY_IDS.items():
    for _act, (_fwd, _inv) in _acts.items():
        _unlabeled(_obj, _act, _fwd, _inv)

# Other documented ids; inverses [inferred] where the table gives one side. HubSpot:
# https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
_unlabeled(DEAL, LINE_ITEM, 19, 20)
_unlabeled(DEAL, QUOTE, 63, 64)
_unlabeled(QUOTE, LINE_ITEM, 67, 68)
_unlabeled(QUOTE, CONTACT, 69, 70)
_unlabeled(QUOTE, COMPANY, 71, 72)
_unlabeled(LEAD, CONTACT, 608, 609)
_unlabeled(LEAD, COMPANY, 610, 611)
_unlabeled(LEAD, DEAL, 1037, 1038)
_unlabeled(CONTACT, INVOICE, 178, 177)
_unlabeled(COMPANY, INVOICE, 180, 179)
_unlabeled(DEAL, INVOICE, 176, 175)
_unlabeled(CONTACT, ORDER, 508, 507)
_unlabeled(DEAL, ORDER, 511, 512)
_unlabeled(CONTACT, CART, 587, 586)


def defined_pair(from_type: str, to_type: str) -> PairTypes | None:
    """The HUBSPOT_DEFINED types from ``from_type`` to ``to_type`` (type ids), if any."""
    return _PAIRS.get((from_type, to_type))


def defined_pairs() -> dict[tuple[str, str], PairTypes]:
    """Every (from, to) pair with HUBSPOT_DEFINED types (a copy, for docs and tests)."""
    return dict(_PAIRS)
