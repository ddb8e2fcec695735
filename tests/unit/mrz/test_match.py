"""match_mrz: does this page photo show this expected (chip DG1) MRZ?"""

from __future__ import annotations

from datetime import date

import pytest
from test_reader import OCRB, TD2, TD3, encode, phone_photo, render_page

from leveattest.core.errors import ImageError, MRZError
from leveattest.mrz.compose import MRZFields, compose_td3
from leveattest.mrz.match import compare_lines, edit_distance, match_mrz, similarity

pytestmark = pytest.mark.skipif(not OCRB.is_file(), reason="fonts-ocr-b is not installed")

OTHER = compose_td3(
    MRZFields(
        document_type="P",
        issuing_state="NOR",
        surname="NORDMANN",
        given_names="KARI ANNE",
        document_number="FH1234567",
        nationality="NOR",
        birth_date=date(1945, 8, 12),
        sex="F",
        expiry_date=date(2031, 1, 1),
        optional_data="12345678901",
    )
)


def _same_person_other_birth_date() -> list[str]:
    """TD3 with the birth date changed by one digit, all check digits recomputed."""
    return compose_td3(
        MRZFields(
            document_type="P",
            issuing_state="UTO",
            surname="ERIKSSON",
            given_names="ANNA MARIA",
            document_number="L898902C3",
            nationality="UTO",
            birth_date=date(1974, 8, 13),
            sex="F",
            expiry_date=date(2012, 4, 15),
            optional_data="ZE184226B",
        )
    )


def test_edit_distance_and_similarity() -> None:
    assert edit_distance("KITTEN", "SITTING") == 3
    assert edit_distance("", "ABC") == 3
    assert similarity("ABC", "ABC") == 1.0
    assert similarity("", "") == 1.0


def test_page_showing_the_expected_mrz_matches() -> None:
    result = match_mrz(encode(phone_photo(render_page(TD3), angle=5)), TD3)
    assert result.matched
    assert result.score == pytest.approx(1.0)
    assert result.differing_fields == ()
    assert result.contradicted_fields == ()


def test_page_showing_another_mrz_does_not_match() -> None:
    result = match_mrz(encode(render_page(TD3)), OTHER)
    assert not result.matched
    assert result.score < 0.9
    assert "names" in result.differing_fields


def test_one_digit_changed_birth_date_is_a_contradiction() -> None:
    expected = _same_person_other_birth_date()
    result = match_mrz(encode(render_page(TD3)), expected)
    assert result.score > 0.9  # nearly identical text...
    assert not result.matched  # ...but a check-digit-protected field contradicts
    assert "birth_date" in result.contradicted_fields


def test_expected_mrz_cannot_turn_a_different_page_into_a_match() -> None:
    # the page shows OTHER; even if we expect the ICAO specimen, the reading is OTHER's
    photo = encode(render_page(OTHER))
    assert match_mrz(photo, OTHER).matched
    assert not match_mrz(photo, TD3).matched


def test_expected_format_different_from_page_does_not_match() -> None:
    result = match_mrz(encode(render_page(TD3)), TD2)
    assert not result.matched


def test_expected_lines_without_mrz_shape_are_refused() -> None:
    with pytest.raises(MRZError):
        match_mrz(encode(render_page(TD3)), ["HELLO", "WORLD"])


def test_bad_image_raises_image_error() -> None:
    with pytest.raises(ImageError):
        match_mrz(b"not an image", TD3)


def test_compare_lines_reports_differing_fields_without_values() -> None:
    read = [TD3[0].replace("ANNA", "ANNE"), TD3[1]]
    result = compare_lines(read, TD3)
    assert result.matched  # one letter of a name: OCR noise, not a different document
    assert result.differing_fields == ("names",)
    payload = result.to_json_dict()
    assert "ANNE" not in str(payload)
    assert "ERIKSSON" not in str(payload)


def test_compare_lines_threshold_is_respected() -> None:
    read = [TD3[0].replace("ERIKSSON<<ANNA", "ERIKSSEN<<ANNE"), TD3[1]]
    assert compare_lines(read, TD3, threshold=0.99).matched is False
    assert compare_lines(read, TD3, threshold=0.9).matched is True
