"""One mutation per test: every check digit failure is detected (asserted on Reason)."""

from __future__ import annotations

import pytest
from mrz_specimens import MRVA, MRVB, TD1, TD2, TD3, TODAY

from leveattest.core.checks import Reason
from leveattest.mrz import MRZFields, check_digit, compose_td3, parse_mrz


def _mutate(lines: list[str], line: int, pos: int, char: str | None = None) -> list[str]:
    out = list(lines)
    old = out[line][pos]
    # default: the next character (value +1, or 9→0 / Z→A), which always moves a check digit
    if char is not None:
        new = char
    elif old == "<":
        new = "1"
    elif old.isdigit():
        new = str((int(old) + 1) % 10)
    else:
        new = chr((ord(old) - ord("A") + 1) % 26 + ord("A"))
    out[line] = out[line][:pos] + new + out[line][pos + 1 :]
    return out


def _failed(lines: list[str]) -> set[str]:
    result = parse_mrz(lines, today=TODAY)
    assert not result.valid
    mismatches = {p.field for p in result.problems if p.reason is Reason.MRZ_CHECK_DIGIT_MISMATCH}
    assert mismatches == {c.name for c in result.checks if not c.passed}
    return mismatches


# (specimen, line, position of the check digit, check name); the composite check digit
# covers the other check digits, so changing one of those fails the composite too.
CHECK_DIGITS = [
    (TD3, 1, 9, "document_number"),
    (TD3, 1, 19, "birth_date"),
    (TD3, 1, 27, "expiry_date"),
    (TD3, 1, 42, "personal_number"),
    (TD1, 0, 14, "document_number"),
    (TD1, 1, 6, "birth_date"),
    (TD1, 1, 14, "expiry_date"),
    (TD2, 1, 9, "document_number"),
    (TD2, 1, 19, "birth_date"),
    (TD2, 1, 27, "expiry_date"),
    (MRVA, 1, 9, "document_number"),
    (MRVA, 1, 19, "birth_date"),
    (MRVA, 1, 27, "expiry_date"),
    (MRVB, 1, 9, "document_number"),
    (MRVB, 1, 19, "birth_date"),
    (MRVB, 1, 27, "expiry_date"),
]


@pytest.mark.parametrize(("lines", "line", "pos", "name"), CHECK_DIGITS)
def test_wrong_check_digit_is_detected(lines: list[str], line: int, pos: int, name: str) -> None:
    failed = _failed(_mutate(lines, line, pos))
    composite = {"composite"} if lines[0][0] != "V" else set()
    assert failed == {name} | composite


@pytest.mark.parametrize(
    ("lines", "line", "pos"),
    [(TD3, 1, 43), (TD1, 1, 29), (TD2, 1, 35)],
)
def test_wrong_composite_check_digit_is_detected(lines: list[str], line: int, pos: int) -> None:
    assert _failed(_mutate(lines, line, pos)) == {"composite"}


# (specimen, line, position inside the protected field, check name)
FIELDS = [
    (TD3, 1, 0, "document_number"),
    (TD3, 1, 18, "birth_date"),
    (TD3, 1, 26, "expiry_date"),
    (TD3, 1, 30, "personal_number"),
    (TD1, 0, 6, "document_number"),
    (TD1, 1, 5, "birth_date"),
    (TD1, 1, 13, "expiry_date"),
    (TD2, 1, 3, "document_number"),
    (TD2, 1, 18, "birth_date"),
    (TD2, 1, 26, "expiry_date"),
    (MRVA, 1, 4, "document_number"),
    (MRVB, 1, 18, "birth_date"),
]


@pytest.mark.parametrize(("lines", "line", "pos", "name"), FIELDS)
def test_changed_field_fails_its_check_digit(
    lines: list[str], line: int, pos: int, name: str
) -> None:
    failed = _failed(_mutate(lines, line, pos))
    composite = {"composite"} if lines[0][0] != "V" else set()
    assert failed == {name} | composite


@pytest.mark.parametrize(("line", "pos"), [(0, 20), (1, 20)])
def test_td1_optional_data_is_covered_by_the_composite(line: int, pos: int) -> None:
    # ICAO 9303-5: composite over line 1 positions 6-30 and line 2 positions 1-7, 9-15, 19-29
    assert _failed(_mutate(TD1, line, pos, "B")) == {"composite"}


def test_td3_personal_number_all_fillers_may_have_filler_check_digit() -> None:
    # ICAO 9303-4 §4.2.2: check digit of an empty personal number may be < (or 0)
    fields = MRZFields(
        "P", "UTO", "ERIKSSON", "ANNA", "L898902C3", "UTO",
        TODAY.replace(year=1974), "F", TODAY.replace(year=2030),
    )  # fmt: skip
    lines = compose_td3(fields)
    assert lines[1][28:43] == "<" * 15
    filler = parse_mrz(lines, today=TODAY)
    assert filler.valid
    assert "filler_check_digit" in filler.quirks
    # the same with 0 as check digit: composite must be recomputed, so compose by hand
    zero = lines[1][:42] + "0"
    zero += check_digit(zero[0:10] + zero[13:20] + zero[21:43])
    assert parse_mrz([lines[0], zero], today=TODAY).valid


def test_non_filler_personal_number_with_filler_check_digit_fails() -> None:
    lines = _mutate(TD3, 1, 42, "<")
    assert "personal_number" in _failed(lines)


def test_foreign_character_in_a_field_fails_its_check_and_is_reported() -> None:
    lines = _mutate(TD3, 1, 2, "-")
    result = parse_mrz(lines, today=TODAY)
    assert Reason.MRZ_INVALID_CHARACTERS in result.reasons()
    assert result.check("document_number") is not None
    assert not result.check("document_number").passed  # type: ignore[union-attr]
