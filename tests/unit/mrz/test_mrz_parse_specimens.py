"""The ICAO 9303 specimens parse to their exact printed values."""

from __future__ import annotations

from datetime import date

import pytest
from mrz_specimens import MRVA, MRVB, TD1, TD1_LONG_NUMBER, TD2, TD3, TODAY

from leveattest.core.checks import Reason
from leveattest.mrz import MRZFormat, parse_mrz


def test_td3_specimen_parses_exactly() -> None:
    result = parse_mrz(TD3, today=TODAY)
    assert result.to_json_dict() == {
        "format": "TD3",
        "document_type": "P",
        "issuing_state": "UTO",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "document_number": "L898902C3",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "sex": "F",
        "expiry_date": "2012-04-15",
        "issue_date": None,
        "optional_data": "ZE184226B",
        "personal_number": "ZE184226B",
        "lines": TD3,
        "checks": {
            "document_number": "passed",
            "birth_date": "passed",
            "expiry_date": "passed",
            "personal_number": "passed",
            "composite": "passed",
        },
        "repairs": [],
        "valid": True,
        "problems": [],
        "national_id": None,
    }


def test_td1_specimen_parses_exactly() -> None:
    result = parse_mrz(TD1, today=TODAY)
    assert result.format is MRZFormat.TD1
    assert result.valid
    assert (result.document_type, result.issuing_state, result.nationality) == ("I", "UTO", "UTO")
    assert (result.surname, result.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert result.document_number == "D23145890"
    assert result.birth_date == date(1974, 8, 12)
    assert result.expiry_date == date(2012, 4, 15)
    assert result.sex == "F"
    assert result.optional_data == result.optional_data_2 == ""
    assert [c.name for c in result.checks] == [
        "document_number",
        "birth_date",
        "expiry_date",
        "composite",
    ]


def test_td1_long_document_number_uses_the_overflow_rule() -> None:
    # ICAO 9303-5 §4.2.4 note j
    result = parse_mrz(TD1_LONG_NUMBER, today=TODAY)
    assert result.valid
    assert result.document_number == "D23145890734"
    assert result.optional_data == ""
    assert "long_document_number" in result.quirks


def test_td2_specimen_parses_exactly() -> None:
    result = parse_mrz(TD2, today=TODAY)
    assert result.format is MRZFormat.TD2
    assert result.valid
    assert result.document_number == "D23145890"
    assert (result.surname, result.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert result.birth_date == date(1974, 8, 12)
    assert result.expiry_date == date(2012, 4, 15)


@pytest.mark.parametrize(
    ("lines", "fmt", "optional"),
    [(MRVA, MRZFormat.MRV_A, "6ZE184226B"), (MRVB, MRZFormat.MRV_B, "")],
)
def test_visa_specimens_parse_without_composite(
    lines: list[str], fmt: MRZFormat, optional: str
) -> None:
    # ICAO 9303-7: visas carry no composite check digit
    result = parse_mrz(lines, today=TODAY)
    assert result.format is fmt
    assert result.valid
    assert result.document_type == "V"
    assert result.document_number == "L8988901C"
    assert result.nationality == "XXX"
    assert result.birth_date == date(1940, 9, 7)
    assert result.expiry_date == date(1996, 12, 10)
    assert result.optional_data == optional
    assert result.check("composite") is None


def test_text_with_blank_lines_and_surrounding_whitespace_is_accepted() -> None:
    text = "\n\n   " + TD3[0] + "  \n\n\t" + TD3[1] + "\n   \n"
    assert parse_mrz(text, today=TODAY).valid


def test_a_single_joined_line_is_split() -> None:
    assert parse_mrz("".join(TD1), today=TODAY).format is MRZFormat.TD1
    assert parse_mrz("".join(TD3), today=TODAY).format is MRZFormat.TD3


def test_lowercase_input_is_read_but_rejected_as_invalid_characters() -> None:
    result = parse_mrz([line.lower() for line in TD3], today=TODAY)
    assert result.surname == "ERIKSSON"
    assert not result.valid
    assert Reason.MRZ_INVALID_CHARACTERS in result.reasons()


@pytest.mark.parametrize(
    "lines",
    [
        [],
        ["hello world"],
        [TD3[0]],
        [TD3[0], TD3[1][:-1]],
        [TD1[0], TD1[1]],
        TD3 + TD3,
    ],
)
def test_input_that_is_no_mrz_gives_unknown_format(lines: list[str]) -> None:
    result = parse_mrz(lines, today=TODAY)
    assert result.format is MRZFormat.UNKNOWN
    assert not result.valid
    assert result.problems
