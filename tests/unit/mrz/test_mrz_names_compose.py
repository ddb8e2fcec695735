"""Transliteration (ICAO 9303-3 §6), name fields (§4.6) and compose → parse."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from mrz_specimens import MRVA, MRVB, TD1, TD1_LONG_NUMBER, TD2, TD3, TODAY

from leveattest.core.checks import Reason
from leveattest.mrz import (
    MRZFields,
    compose_mrva,
    compose_mrvb,
    compose_td1,
    compose_td2,
    compose_td3,
    parse_mrz,
    transliterate_name,
)
from leveattest.mrz.names import name_field, split_name

ANNA = MRZFields(
    document_type="P",
    issuing_state="UTO",
    surname="Eriksson",
    given_names="Anna Maria",
    document_number="L898902C3",
    nationality="UTO",
    birth_date=date(1974, 8, 12),
    sex="F",
    expiry_date=date(2012, 4, 15),
    optional_data="ZE184226B",
)


@pytest.mark.parametrize(
    ("name", "mrz"),
    [
        ("Nordmann", "NORDMANN"),
        ("Østby", "OESTBY"),
        ("Åse", "AASE"),
        ("Brænde", "BRAENDE"),
        ("Müller", "MUELLER"),
        ("Öberg", "OEBERG"),
        ("Bäckström", "BAECKSTROEM"),
        ("Straße", "STRASSE"),
        ("José María", "JOSE<MARIA"),
        ("Anne-Marie", "ANNE<MARIE"),
        ("O'Neill", "ONEILL"),  # §4.6: apostrophes are omitted
        ("Þórdís", "THORDIS"),
        ("Łukasz", "LUKASZ"),
        ("  van  der Berg ", "VAN<DER<BERG"),
        ("Çelik", "CELIK"),
    ],
)
def test_transliteration_follows_icao_9303_3_section_6(name: str, mrz: str) -> None:
    assert transliterate_name(name) == mrz


def test_name_field_pads_with_fillers() -> None:
    assert name_field("Eriksson", "Anna Maria", 30) == "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
    assert name_field("Eriksson", "", 10) == "ERIKSSON<<"


def test_long_secondary_identifier_is_truncated_and_detected() -> None:
    field = name_field("Eriksson", "Anna Maria Charlotte Josefine", 30)
    assert field == "ERIKSSON<<ANNA<MARIA<CHARLOTTE"
    assert split_name(field).truncated


def test_long_primary_identifier_keeps_an_initial() -> None:
    field = name_field("Abcdefghijklmnopqrstuvwxyzabcdefgh", "Anna", 30)
    assert len(field) == 30
    assert field.endswith("<<A")
    split = split_name(field)
    assert (split.given_names, split.truncated) == ("A", True)


def test_truncated_name_is_a_note_not_a_failure() -> None:
    lines = compose_td1(
        MRZFields("I", "UTO", "Eriksson", "Anna Maria Charlotte Josefine", "D23145890",
                  "UTO", date(1974, 8, 12), "F", date(2030, 1, 1))
    )  # fmt: skip
    result = parse_mrz(lines, today=TODAY)
    assert result.name_truncated
    assert Reason.MRZ_NAME_TRUNCATED in result.reasons()
    assert result.valid


@pytest.mark.parametrize(
    ("surname", "given", "mrz_surname", "mrz_given"),
    [
        ("Nordmann", "Ola", "NORDMANN", "OLA"),
        ("Østby", "Kari Åse", "OESTBY", "KARI AASE"),
        ("Brænde", "Åse", "BRAENDE", "AASE"),
        ("Håkonsen-Øye", "Bjørn", "HAAKONSEN OEYE", "BJOERN"),
    ],
)
@pytest.mark.parametrize("compose", [compose_td1, compose_td2, compose_td3])
def test_nordic_names_round_trip(
    compose: object, surname: str, given: str, mrz_surname: str, mrz_given: str
) -> None:
    fields = MRZFields("P" if compose is compose_td3 else "I", "NOR", surname, given, "AB1234567",
                       "NOR", date(1950, 5, 17), "M", date(2030, 5, 16))  # fmt: skip
    result = parse_mrz(compose(fields), today=TODAY)  # type: ignore[operator]
    assert result.valid
    assert (result.surname, result.given_names) == (mrz_surname, mrz_given)


def test_compose_reproduces_the_specimens() -> None:
    assert compose_td3(ANNA) == TD3
    card = MRZFields("I", "UTO", "Eriksson", "Anna Maria", "D23145890", "UTO",
                     date(1974, 8, 12), "F", date(2012, 4, 15))  # fmt: skip
    assert compose_td1(card) == TD1
    assert compose_td2(card) == TD2
    long_number = MRZFields("I", "UTO", "Eriksson", "Anna Maria", "D23145890734", "UTO",
                            date(1974, 8, 12), "F", date(2012, 4, 15))  # fmt: skip
    assert compose_td1(long_number) == TD1_LONG_NUMBER
    visa = MRZFields("V", "UTO", "Eriksson", "Anna Maria", "L8988901C", "XXX",
                     date(1940, 9, 7), "F", date(1996, 12, 10), "6ZE184226B")  # fmt: skip
    assert compose_mrva(visa) == MRVA
    assert compose_mrvb(replace(visa, optional_data="")) == MRVB


def test_td2_long_document_number_round_trips() -> None:
    fields = MRZFields("I", "UTO", "Eriksson", "Anna", "D2314589073", "UTO",
                       date(1974, 8, 12), "F", date(2030, 4, 15))  # fmt: skip
    result = parse_mrz(compose_td2(fields), today=TODAY)
    assert result.valid
    assert result.document_number == "D2314589073"


@pytest.mark.parametrize(
    "bad",
    [
        {"sex": "Q"},
        {"issuing_state": "UTOPIA"},
        {"document_number": "ÆØÅ"},
        {"optional_data": "X" * 15},
    ],
)
def test_compose_refuses_fields_that_do_not_fit(bad: dict[str, Any]) -> None:
    fields = replace(ANNA, **bad)
    with pytest.raises(ValueError):
        compose_td3(fields)


def test_td3_refuses_a_document_number_longer_than_nine() -> None:
    fields = replace(ANNA, document_number="L898902C3XX")
    with pytest.raises(ValueError):
        compose_td3(fields)


def test_only_td1_takes_a_second_optional_field() -> None:
    with pytest.raises(ValueError, match="TD1"):
        compose_td3(replace(ANNA, optional_data_2="X"))


@pytest.mark.parametrize(("name", "expected"), [("ǾRSTED", "OERSTED"), ("ǼSIR", "AESIR")])
def test_a_letter_with_an_accent_over_a_transliterated_base_takes_the_base_transliteration(
    name: str, expected: str
) -> None:
    # Ǿ is Ø with an acute: the accent goes, Ø becomes OE (ICAO 9303-3 §6, table of
    # transliterations)
    assert transliterate_name(name) == expected
