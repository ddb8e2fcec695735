"""A Norwegian passport's personal number is its fødselsnummer: digits only, 11 of them.

Found on a generated page photo (issue 11's soak run): the OCR read ``O5O96424258`` for
``05096424258``; the bounded repairs refused the O→0 rewrite in the alphanumeric field,
the tesseract fallback then dropped a digit and the line-length repair padded it back, and
that line passed every check digit by chance — a "valid" MRZ with a wrong number.
"""

from __future__ import annotations

from leveattest.mrz.checkdigit import check_digit
from leveattest.mrz.parse import parse_mrz
from leveattest.mrz.repair import Repair, repair_lines

LINE_1 = "P<NORBERG<LOEVAAS<<RAGNHILD<<<<<<<<<<<<<<<<<"


def _td3(personal: str) -> list[str]:
    """Line 2 with ``personal`` (≤ 14) as the personal number, check digits recomputed."""
    field = personal.ljust(14, "<")
    head = "UX63466855NOR6409052F3211245"
    line = head + field + check_digit(field)
    composite = check_digit(line[0:10] + line[13:20] + line[21:43])
    return [LINE_1, line + composite]


def test_letter_o_in_a_norwegian_personal_number_becomes_zero_as_a_listed_repair():
    truth = _td3("05096424258")
    read = [truth[0], truth[1][:28] + "O5O96424258" + truth[1][39:]]
    fixed, repairs = repair_lines(read)
    assert fixed == truth
    assert repairs == [
        Repair("personal_number", 1, 28, "O", "0", "national_number:NOR"),
        Repair("personal_number", 1, 30, "O", "0", "national_number:NOR"),
    ]


def test_a_ten_digit_norwegian_personal_number_is_a_misread_even_when_check_digits_pass():
    result = parse_mrz(_td3("0509626258"))
    assert all(value == "passed" for value in result.to_json_dict()["checks"].values())
    assert not result.valid
    assert [p.reason.value for p in result.problems] == ["national_id_invalid"]


def test_text_in_the_optional_data_of_another_state_is_not_read_as_digits():
    truth = [
        "P<SWEBERG<LOEVAAS<<RAGNHILD<<<<<<<<<<<<<<<<<",
        "UX63466855SWE6409052F3211245O5O96424258<<<76",
    ]
    _fixed, repairs = repair_lines(truth)
    assert not [r for r in repairs if r.why.startswith("national_number")]


def test_an_empty_norwegian_personal_number_is_no_problem():
    result = parse_mrz(_td3(""))
    assert result.valid
