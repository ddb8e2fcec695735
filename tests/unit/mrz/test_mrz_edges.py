"""Edges of the MRZ engine that the specimen tests do not reach."""

from __future__ import annotations

from datetime import date

import pytest
from mrz_specimens import TD3, TODAY

from leveattest.core.checks import Reason
from leveattest.mrz import MRZFormat, make_norwegian_id, parse, parse_mrz, quirks
from leveattest.mrz.compose import compose_fra_id
from leveattest.mrz.layouts import LAYOUTS
from leveattest.mrz.numbering import numbering_for


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


def _french_card(*, issued: date, birth_date: date) -> list[str]:
    return compose_fra_id(
        surname="DUPONT",
        given_names=["MARIE"],
        issued=issued,
        department="750",
        office="123",
        sequence="12345",
        birth_date=birth_date,
        sex="F",
    )


def test_french_card_holder_born_after_the_two_digit_issue_year_is_a_century_older() -> None:
    result = parse_mrz(
        _french_card(issued=date(2015, 3, 1), birth_date=date(1920, 2, 29)), today=TODAY
    )
    assert result.valid
    assert result.birth_date == date(1920, 2, 29)


def test_french_card_issued_in_the_month_of_the_two_digit_birth_is_a_centenarians() -> None:
    # born 1 January 1921, card issued January 2021: both print "21" and the month "01"
    result = parse_mrz(
        _french_card(issued=date(2021, 1, 1), birth_date=date(1921, 1, 1)), today=TODAY
    )
    assert result.valid, result.problems
    assert result.birth_date == date(1921, 1, 1)
    later_month = _french_card(issued=date(2021, 2, 1), birth_date=date(2021, 1, 31))
    assert parse_mrz(later_month, today=TODAY).birth_date == date(2021, 1, 31)  # a baby's


def test_french_card_leap_day_that_does_not_exist_a_century_earlier_is_invalid() -> None:
    # 29 February 2000 printed as 000229 on a card issued in 1995: born 1900, no such day
    result = parse_mrz(
        _french_card(issued=date(1995, 1, 1), birth_date=date(2000, 2, 29)), today=TODAY
    )
    assert not result.valid
    assert ("birth_date", Reason.MRZ_INVALID_DATE) in {(p.field, p.reason) for p in result.problems}


def test_a_numbering_fits_only_numbers_of_its_length_and_classes() -> None:
    danish = numbering_for("DNK", "P")
    assert danish is not None
    assert danish.fits("123456789<")
    assert not danish.fits("12345678")
    assert not danish.fits("12345678A")


def test_a_numbering_conforms_look_alikes_and_refuses_what_has_no_reading() -> None:
    finnish = numbering_for("FIN", "P")
    assert finnish is not None
    assert finnish.conform("A81234567") == "AB1234567"
    assert finnish.conform("AB123456") is None  # one position short
    assert finnish.conform("AB12345X7") is None  # X has no digit look-alike


@pytest.mark.parametrize(
    ("check", "optional", "expected"),
    [
        ("<", "1234<<<<<<<<<<<", quirks.Overflow("D23456789123", "4", "<<<<<<<<<<")),
        ("<", "4<<<<<<<<<<<<<<", None),  # a check digit alone: nothing overflows
        ("<", "<<<<<<<<<<<<<<<", None),
        ("7", "1234<<<<<<<<<<<", None),
    ],
    ids=["overflow", "check-digit-only", "no-optional-data", "printed-check-digit"],
)
def test_long_document_number_is_read_only_from_its_layout(
    check: str, optional: str, expected: quirks.Overflow | None
) -> None:
    # ICAO 9303-5 §4.2.4 note j: "<" for the check digit, the rest of the number and its
    # check digit at the start of the optional data, then a filler
    assert quirks.split_long_document_number("D23456789", check, optional) == expected
