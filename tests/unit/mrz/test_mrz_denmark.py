"""Danish CPR numbers and the DNK quirk."""

from __future__ import annotations

from datetime import date

import pytest
from mrz_specimens import TODAY

from leveattest.core.checks import Reason
from leveattest.mrz import MRZFields, compose_td3, parse_mrz
from leveattest.mrz.national.denmark import DanishIdKind, cpr_century, validate_cpr


@pytest.mark.parametrize(
    ("seventh", "yy", "century"),
    [(0, 99, 1900), (3, 10, 1900), (4, 36, 2000), (4, 37, 1900), (9, 5, 2000), (9, 80, 1900),
     (5, 57, 2000), (5, 58, 1800), (8, 99, 1800)],
)  # fmt: skip
def test_century_from_the_seventh_digit(seventh: int, yy: int, century: int) -> None:
    assert cpr_century(seventh, yy) == century


def test_cpr_with_hyphen_and_mod11() -> None:
    result = validate_cpr("070761-4285")  # 7 July 1961, satisfies mod 11
    assert result.valid
    assert result.kind is DanishIdKind.CPR
    assert result.birth_date == date(1961, 7, 7)
    assert result.mod11


def test_cpr_without_mod11_is_still_valid() -> None:
    # since 2007 numbers without the modulus-11 property are issued
    result = validate_cpr("0707614286")
    assert result.valid
    assert not result.mod11


@pytest.mark.parametrize("value", ["", "12345", "3102611234", "07076142851", "abcdefghij"])
def test_malformed_or_impossible_cpr_is_invalid(value: str) -> None:
    assert not validate_cpr(value).valid


def _dk(optional: str) -> list[str]:
    return compose_td3(
        MRZFields("P", "DNK", "Jensen", "Mette", "201234567", "DNK",
                  date(1961, 7, 7), "F", date(2030, 1, 1), optional)
    )  # fmt: skip


def test_cpr_in_a_danish_document_is_checked_against_the_birth_date() -> None:
    result = parse_mrz(_dk("0707614285"), today=TODAY)
    assert result.valid
    assert "danish_cpr" in result.quirks
    assert result.national_id is not None


def test_cpr_of_another_date_is_a_mismatch() -> None:
    result = parse_mrz(_dk("0807614285"), today=TODAY)
    assert Reason.MRZ_MISMATCH in result.reasons()
    assert not result.valid


def test_cpr_json_never_holds_the_number() -> None:
    as_json = validate_cpr("070761-4285").to_json_dict()
    assert as_json == {
        "kind": "cpr",
        "valid": True,
        "birth_date": "1961-07-07",
        "mod11": True,
        "problems": [],
    }
    assert "4285" not in repr(as_json)
