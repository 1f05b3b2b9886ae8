"""Object types, the type registry, cursors and id parsing."""

from __future__ import annotations

import pytest

from assocdb.domain.objecttypes import STANDARD_TYPES, resolve_object_type
from assocdb.domain.paging import CursorCodec
from assocdb.domain.registry import defined_pair, defined_pairs
from assocdb.errors import ValidationError
from assocdb.http.call import parse_object_id


@pytest.mark.parametrize(
    ("text", "type_id"),
    [
        ("contacts", "0-1"),
        ("Contact", "0-1"),
        ("0-1", "0-1"),
        ("COMPANIES", "0-2"),
        ("deal", "0-3"),
        ("tickets", "0-5"),
        ("line_items", "0-8"),
        ("lineitems", "0-8"),
        ("notes", "0-46"),
        ("0-48", "0-48"),
        ("2-116144011", "2-116144011"),
        ("postal_mail", "0-116"),
    ],
)
def test_object_types_resolve_by_name_or_id(text: str, type_id: str) -> None:
    assert resolve_object_type(text).type_id == type_id


@pytest.mark.parametrize("text", ["", "contactz", "2-", "2-0", "3-1", "0-999", "2-abc"])
def test_unknown_object_types_are_validation_errors(text: str) -> None:
    with pytest.raises(ValidationError, match="Unable to infer object type from"):
        resolve_object_type(text)


def test_scopes_follow_hubspots_rules() -> None:
    assert resolve_object_type("tickets").read_scopes[0] == "tickets"
    assert resolve_object_type("2-5").read_scopes[0] == "crm.objects.custom.read"
    assert resolve_object_type("deals").write_scopes[0] == "crm.objects.deals.write"
    assert len({t.type_id for t in STANDARD_TYPES}) == len(STANDARD_TYPES)


def test_every_defined_type_has_an_inverse_that_maps_back() -> None:
    for (from_type, to_type), pair in defined_pairs().items():
        back = defined_pair(to_type, from_type)
        assert back is not None, (from_type, to_type)
        assert pair.types[pair.default_id].label is None
        for type_id, defined in pair.types.items():
            assert back.types[defined.inverse_id].inverse_id == type_id, (from_type, to_type)
            assert back.types[defined.inverse_id].one_per_to == defined.one_per_from


@pytest.mark.parametrize(
    ("pair", "default", "primary"),
    [
        (("0-1", "0-2"), 279, 1),
        (("0-2", "0-1"), 280, 2),
        (("0-3", "0-2"), 341, 5),
        (("0-2", "0-3"), 342, 6),
        (("0-5", "0-2"), 339, 26),
        (("0-2", "0-5"), 340, 25),
    ],
)
def test_core_unlabeled_and_primary_types(
    pair: tuple[str, str], default: int, primary: int
) -> None:
    found = defined_pair(*pair)
    assert found is not None
    assert found.default_id == default
    assert found.types[primary].label == "Primary"
    assert found.types[primary].primary


def test_cursors_round_trip_and_are_bound_to_their_scope() -> None:
    codec = CursorCodec(b"k" * 32)
    cursor = codec.encode("1|0-2|5|0-1", "0-1", 7502)

    assert codec.decode("1|0-2|5|0-1", cursor) == 7502
    assert codec.decode("1|0-2|5|0-1", cursor.replace("%3D", "=")) == 7502
    with pytest.raises(ValidationError):
        codec.decode("1|0-2|6|0-1", cursor)
    with pytest.raises(ValidationError):
        CursorCodec(b"x" * 32).decode("1|0-2|5|0-1", cursor)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        (42, 42),
        ("9223372036854775807", 2**63 - 1),
    ],
)
def test_object_ids_parse(value: object, expected: int) -> None:
    assert parse_object_id(value) == expected


@pytest.mark.parametrize("value", ["", "0", "-1", "1.0", " 1", "١", True, None, 2**63, 1.5])
def test_bad_object_ids_are_rejected(value: object) -> None:
    with pytest.raises(ValidationError):
        parse_object_id(value)
