"""National quirks and field plausibility, each named in ``leveattest.mrz.quirks``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from mrz_specimens import TODAY, number_2032

from leveattest.core.checks import Reason
from leveattest.mrz import (
    MRZFields,
    NorwegianIdKind,
    compose_td1,
    compose_td2,
    compose_td3,
    make_norwegian_id,
    parse_mrz,
)
from leveattest.mrz.countries import ICAO_EXTRAS, display_alpha3, is_known_code

OLA = MRZFields(
    document_type="P",
    issuing_state="NOR",
    surname="Nordmann",
    given_names="Ola",
    document_number="FH1234567",
    nationality="NOR",
    birth_date=date(1956, 3, 1),
    sex="M",
    expiry_date=date(2030, 6, 30),
)
FNR = make_norwegian_id(date(1956, 3, 1), 123)


def test_german_d_filler_filler_reads_as_d_and_displays_as_deu() -> None:
    # ICAO 9303-3 §5: Germany's code is D, written D<<
    lines = compose_td1(replace(OLA, document_type="ID", issuing_state="D", nationality="D"))
    assert lines[0][2:5] == "D<<"
    result = parse_mrz(lines, today=TODAY)
    assert result.valid
    assert (result.issuing_state, result.nationality) == ("D", "D")
    assert (result.issuing_state_alpha3, result.nationality_alpha3) == ("DEU", "DEU")
    assert "german_d" in result.quirks


@pytest.mark.parametrize(
    "code", ["UTO", "XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "UNK", "EUE", "D"]
)
def test_icao_codes_that_are_not_states_are_accepted(code: str) -> None:
    result = parse_mrz(
        compose_td3(replace(OLA, issuing_state="NOR", nationality=code)), today=TODAY
    )
    assert result.valid
    assert is_known_code(code)


@pytest.mark.parametrize("code", ["QQQ", "ABC", "NO", "ZZZ"])
def test_unknown_state_code_is_implausible(code: str) -> None:
    result = parse_mrz(compose_td3(replace(OLA, nationality=code)), today=TODAY)
    assert not result.valid
    assert {p.field for p in result.problems if p.reason is Reason.MRZ_IMPLAUSIBLE_FIELD} == {
        "nationality"
    }


def test_country_table_has_iso_and_icao_codes() -> None:
    assert all(is_known_code(code) for code in ("NOR", "DNK", "DEU"))
    assert "XOM" in ICAO_EXTRAS
    assert display_alpha3("NOR") == "NOR"


@pytest.mark.parametrize(("printed", "read"), [("M", "M"), ("F", "F"), ("X", "X"), ("<", "X")])
def test_sex_codes(printed: str, read: str) -> None:
    result = parse_mrz(compose_td3(replace(OLA, sex=printed)), today=TODAY)
    assert result.valid
    assert result.sex == read


def test_unknown_sex_code_is_implausible() -> None:
    lines = compose_td3(OLA)
    body = lines[1][:20] + "Q" + lines[1][21:]  # sex is outside every check digit
    result = parse_mrz([lines[0], body], today=TODAY)
    assert Reason.MRZ_IMPLAUSIBLE_FIELD in result.reasons()
    assert not result.valid


def test_unusual_document_code_is_a_note() -> None:
    result = parse_mrz(compose_td3(replace(OLA, document_type="I")), today=TODAY)
    assert result.valid
    assert any(p.field == "document_type" and not p.fatal for p in result.problems)


def test_document_code_must_start_with_a_letter() -> None:
    lines = compose_td3(OLA)
    result = parse_mrz(["1" + lines[0][1:], lines[1]], today=TODAY)
    assert not result.valid


def test_norwegian_passport_personal_number_is_validated() -> None:
    result = parse_mrz(compose_td3(replace(OLA, optional_data=FNR)), today=TODAY)
    assert result.valid
    assert result.personal_number == FNR
    assert result.national_id is not None
    assert result.national_id.kind is NorwegianIdKind.FODSELSNUMMER
    assert "norwegian_personal_number" in result.quirks


def test_norwegian_id_card_number_in_td1_optional_data_is_validated() -> None:
    dnr = make_norwegian_id(date(1956, 3, 1), 123, kind="d_number")
    lines = compose_td1(replace(OLA, document_type="ID", optional_data=dnr))
    result = parse_mrz(lines, today=TODAY)
    assert result.valid
    assert result.national_id is not None
    assert result.national_id.kind is NorwegianIdKind.D_NUMBER
    assert result.personal_number == dnr


def test_norwegian_number_with_wrong_control_digits_fails() -> None:
    wrong = FNR[:10] + str((int(FNR[10]) + 1) % 10)
    result = parse_mrz(compose_td3(replace(OLA, optional_data=wrong)), today=TODAY)
    assert all(c.passed for c in result.checks)
    assert not result.valid
    assert Reason.NATIONAL_ID_INVALID in result.reasons()


def test_norwegian_number_of_another_birth_date_is_a_mismatch() -> None:
    other = make_norwegian_id(date(1956, 3, 2), 123)
    result = parse_mrz(compose_td3(replace(OLA, optional_data=other)), today=TODAY)
    assert not result.valid
    assert Reason.MRZ_MISMATCH in result.reasons()


def test_norwegian_number_settles_the_century_of_a_centenarian() -> None:
    # born 1925: the MRZ's "25" alone resolves to 2025; individual number 123 says 1900s
    born = date(1925, 1, 5)
    fnr = make_norwegian_id(born, 123)
    result = parse_mrz(compose_td3(replace(OLA, birth_date=born, optional_data=fnr)), today=TODAY)
    assert result.valid
    assert result.birth_date == born


def test_number_in_other_countries_documents_is_ignored() -> None:
    result = parse_mrz(
        compose_td3(replace(OLA, issuing_state="SWE", optional_data=FNR)), today=TODAY
    )
    assert result.national_id is None


def test_2032_rule_defaults_on_from_2032() -> None:
    # a number valid only under the 2032 rule, found in a passport
    number = number_2032(1)
    fields = replace(
        OLA, birth_date=date(2032, 1, 1), expiry_date=date(2037, 1, 1), optional_data=number
    )
    lines = compose_td3(fields)
    assert parse_mrz(lines, today=date(2032, 6, 1)).valid
    assert not parse_mrz(lines, today=date(2032, 6, 1), allow_2032_rules=False).valid


def test_td2_long_document_number_quirk() -> None:
    result = parse_mrz(
        compose_td2(replace(OLA, document_type="I", document_number="AB123456789")), today=TODAY
    )
    assert result.valid
    assert result.document_number == "AB123456789"
    assert "long_document_number" in result.quirks


def test_german_id_card_specimen_with_unspecified_sex() -> None:
    # German ID card specimen (Erika Mustermann): D<< and sex written as <
    lines = [
        "IDD<<T220001293<<<<<<<<<<<<<<<",
        "6408125<2010315D<<<<<<<<<<<<<4",
        "MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
    ]
    result = parse_mrz(lines, today=TODAY)
    assert result.valid
    assert (result.document_type, result.issuing_state, result.nationality) == ("ID", "D", "D")
    assert result.document_number == "T22000129"
    assert result.sex == "X"
    assert result.birth_date == date(1964, 8, 12)
    assert result.expiry_date == date(2020, 10, 31)
