from __future__ import annotations

import pytest

from leveattest.mrz import char_value, check_digit


@pytest.mark.parametrize(
    ("char", "value"),
    [("<", 0), ("0", 0), ("9", 9), ("A", 10), ("K", 20), ("Z", 35)],
)
def test_char_values_follow_icao_9303_3_4_9(char: str, value: int) -> None:
    assert char_value(char) == value


@pytest.mark.parametrize("char", ["a", " ", "Ø", "-", "", "AB"])
def test_char_value_rejects_non_mrz_characters(char: str) -> None:
    with pytest.raises(ValueError):
        char_value(char)


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        # ICAO 9303-3 §4.9 worked example and the specimen fields
        ("520727", "3"),
        ("L898902C3", "6"),
        ("740812", "2"),
        ("120415", "9"),
        ("ZE184226B<<<<<", "1"),
        ("D23145890", "7"),
        ("D23145890734", "9"),
        ("<<<<<<<<<", "0"),
        ("", "0"),
    ],
)
def test_check_digit_uses_weights_7_3_1(field: str, digit: str) -> None:
    assert check_digit(field) == digit


def test_check_digit_rejects_lowercase() -> None:
    with pytest.raises(ValueError):
        check_digit("l898902c3")
