"""Edges of the MRZ engine that the specimen tests do not reach."""

from __future__ import annotations

from datetime import date

import pytest
from mrz_specimens import TD3, TODAY

from leveattest.core.checks import Reason
from leveattest.mrz import MRZFormat, make_norwegian_id, parse, parse_mrz
from leveattest.mrz.layouts import LAYOUTS
from leveattest.mrz.national.france import compose_fra_id


def test_a_bug_in_the_parser_is_reported_as_an_internal_error_never_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(parse, "_parse", broken)
    result = parse_mrz(TD3, today=TODAY)
    assert result.format is MRZFormat.UNKNOWN
    assert not result.valid
    assert [p.reason for p in result.problems] == [Reason.INTERNAL_ERROR]
    assert "KeyError" in result.problems[0].detail


def test_layout_positions_outside_every_field_have_no_kind_and_no_name() -> None:
    layout = LAYOUTS["TD3"]
    assert layout.kind_at(0, 44) == "X"
    assert layout.field_at(0, 44) == "unknown"
    assert layout.field_at(5, 0) == "unknown"


@pytest.mark.parametrize(
    ("kind", "message"),
    [("unknown", "cannot make a number of kind"), ("passport", "not a valid NorwegianIdKind")],
)
def test_making_a_norwegian_number_of_an_unknown_kind_is_refused(kind: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_norwegian_id(date(1974, 8, 12), 123, kind=kind)


@pytest.mark.parametrize(
    ("department", "office", "sequence"),
    [("75", "123", "12345"), ("750", "1234", "12345"), ("750", "123", "1234")],
)
def test_french_card_with_wrong_office_fields_is_refused(
    department: str, office: str, sequence: str
) -> None:
    with pytest.raises(ValueError, match="3 characters"):
        compose_fra_id(
            surname="DUPONT",
            given_names=["MARIE"],
            issued=date(2015, 3, 1),
            department=department,
            office=office,
            sequence=sequence,
            birth_date=date(1950, 1, 1),
            sex="F",
        )
