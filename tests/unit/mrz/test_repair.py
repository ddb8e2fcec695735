"""Position-aware repair of OCR'd MRZ lines (layouts from ICAO 9303 parts 4-7)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mrz_specimens import holder_fields

from leveattest.mrz.checkdigit import check_digit
from leveattest.mrz.compose import compose_td1
from leveattest.mrz.repair import (
    LAYOUTS,
    Repair,
    apply_repairs,
    check_passes,
    count_checks,
    detect_format,
    repair_lines,
)

# ICAO 9303 Part 4 specimen
TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]


def _set(line: str, pos: int, char: str) -> str:
    return line[:pos] + char + line[pos + 1 :]


def _whys(repairs: list[Repair]) -> list[str]:
    return [r.why for r in repairs]


def test_clean_lines_need_no_repair() -> None:
    for lines in (TD3, TD2, TD1):
        fixed, repairs = repair_lines(lines)
        assert fixed == lines
        assert repairs == []
        passed, total = count_checks(fixed)
        assert passed == total > 0


def test_letter_in_a_date_becomes_its_digit() -> None:
    damaged = [TD3[0], _set(TD3[1], 14, "A")]  # birth date 740812: the 4 read as A
    fixed, repairs = repair_lines(damaged)
    assert fixed == TD3
    assert repairs == [Repair("birth_date", 1, 14, "A", "4", "digits_only")]


def test_digit_in_a_state_code_becomes_its_letter() -> None:
    damaged = [TD3[0], _set(TD3[1], 12, "0")]  # nationality UTO -> UT0
    fixed, repairs = repair_lines(damaged)
    assert fixed == TD3
    assert repairs == [Repair("nationality", 1, 12, "0", "O", "letters_only")]


def test_digits_in_names_become_letters() -> None:
    damaged = [TD3[0].replace("ERIKSSON", "ERIK55ON"), TD3[1]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == TD3
    assert [(r.field, r.from_, r.to) for r in repairs] == [("names", "5", "S"), ("names", "5", "S")]


def test_filler_misread_as_k_in_filler_run_becomes_filler() -> None:
    damaged = [_set(TD3[0], 35, "K"), TD3[1]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == TD3
    assert _whys(repairs) == ["filler_run"]


def test_single_letter_given_name_is_not_taken_for_a_filler() -> None:
    line = "P<UTOSMITH<<K<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
    fixed, repairs = repair_lines([line, TD3[1]])
    assert fixed[0] == line
    assert repairs == []


def test_document_number_repaired_when_exactly_one_look_alike_passes() -> None:
    # ICAO 9303-3 §4.9 check digit plus the composite: only O -> 0 satisfies both
    damaged = [TD3[0], _set(TD3[1], 5, "O")]
    fixed, repairs = repair_lines(damaged)
    assert fixed == TD3
    assert [(r.field, r.position, r.from_, r.to) for r in repairs] == [
        ("document_number", 5, "O", "0")
    ]
    assert repairs[0].why == "check_digit:document_number+composite"


def test_document_number_of_an_unknown_state_gets_no_d_for_0_guess() -> None:
    # D/0 is no letter/digit look-alike pair: in an alphanumeric field it is not tried
    damaged = [TD3[0], _set(TD3[1], 5, "D")]
    fixed, repairs = repair_lines(damaged)
    assert fixed == damaged
    assert repairs == []


def test_letters_o_in_a_number_of_an_unknown_state_are_not_rewritten_as_a_class() -> None:
    # three O's: no single substitution passes, and Egypt's numbering is not in the table
    line = "A00051376" + "4EGY6002202M1503151<<<<<<<<<<<<<<06"
    damaged = ["P<EGYMABROUK<<ALAAELDIN<ISMAIL<MOHAMED<<<<<<", "AOOO51376" + line[9:]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == damaged
    assert not [r for r in repairs if r.field == "document_number"]


def test_letters_o_in_a_dutch_number_become_zeros_by_its_numbering() -> None:
    # Dutch document numbers never use the letter O: every O is a 0, if the check passes
    number = "XA0000014"
    line2 = number + check_digit(number) + "NLD6002202M1503151<<<<<<<<<<<<<<<"
    line2 = line2[:42] + check_digit(line2[28:42])
    line2 = line2 + check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    lines = ["P<NLDDE<BRUIJN<<WILLEKE<LISELOTTE<<<<<<<<<<<", line2]
    damaged = [lines[0], "XAOO0OO14" + line2[9:]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == lines
    assert {r.why for r in repairs} == {"numbering:NLD"}
    assert [r.position for r in repairs] == [2, 3, 5, 6]
    # five of nine characters would be more than half the field: put back as read
    damaged = [lines[0], "XAOOOOO14" + line2[9:]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == damaged
    assert repairs == []


def test_document_number_with_two_misreads_and_no_passing_substitution_is_left_alone() -> None:
    damaged = [TD3[0], "L89B9O2C3" + TD3[1][9:]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == damaged
    assert repairs == []


def test_digit_misread_as_a_non_look_alike_is_not_repaired_without_ocr_evidence() -> None:
    damaged = [TD3[0], _set(TD3[1], 16, "3")]  # birth date 740812 -> 740312: 8 read as 3
    fixed, repairs = repair_lines(damaged)
    assert fixed == damaged
    assert repairs == []


def test_ocr_alternatives_allow_a_digit_repair() -> None:
    damaged = [TD3[0], _set(TD3[1], 16, "3")]
    alternatives = [[""] * 44, [""] * 44]
    alternatives[1][16] = "8"  # the OCR found 8 nearly as likely as 3
    fixed, repairs = repair_lines(damaged, alternatives=alternatives)
    assert fixed == TD3
    assert [(r.field, r.position, r.to) for r in repairs] == [("birth_date", 16, "8")]


def test_composite_digit_is_repaired_only_when_every_other_check_passes() -> None:
    damaged = [TD3[0], TD3[1][:43] + "O"]  # composite 0 read as O: class fix
    fixed, repairs = repair_lines(damaged)
    assert fixed == TD3
    assert [r.why for r in repairs] == ["digits_only"]


def test_line_length_off_by_one_filler_is_fixed() -> None:
    damaged = [TD3[0] + "<", TD3[1]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == TD3
    assert _whys(repairs) == ["length"]


def test_unknown_state_code_with_one_known_look_alike_is_repaired() -> None:
    damaged = [TD3[0], TD3[1][:10] + "UTD" + TD3[1][13:]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == TD3
    assert [(r.field, r.why) for r in repairs] == [("nationality", "state_code")]


def test_td1_repairs_use_the_td1_layout() -> None:
    damaged = [TD1[0], _set(TD1[1], 2, "O"), TD1[2]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == TD1
    assert repairs[0].field == "birth_date"


def test_detect_format() -> None:
    assert detect_format(TD3) == "TD3"
    assert detect_format(TD2) == "TD2"
    assert detect_format(TD1) == "TD1"
    assert detect_format(["V" + TD3[0][1:], TD3[1]]) == "MRVA"
    assert detect_format(["ABC"]) is None


def test_repair_to_json_uses_from_key() -> None:
    data = Repair("names", 0, 5, "0", "O", "letters_only").to_json_dict()
    assert data == {
        "field": "names",
        "line": 0,
        "position": 5,
        "from": "0",
        "to": "O",
        "why": "letters_only",
    }


_MRZ = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<KC", min_size=0, max_size=50)


@settings(max_examples=200, deadline=None)
@given(st.lists(_MRZ, min_size=0, max_size=4))
def test_repair_never_raises_and_keeps_line_count(lines: list[str]) -> None:
    fixed, repairs = repair_lines(lines)
    assert len(fixed) == len(lines)
    for repair in repairs:
        assert repair.why


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=0, max_value=43), st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
)
def test_repair_never_breaks_a_passing_check_digit(pos: int, char: str) -> None:
    damaged = [TD3[0], _set(TD3[1], pos, char)]
    fixed, _ = repair_lines(damaged)
    layout = LAYOUTS["TD3"]
    for field in layout.checked:
        if check_passes(damaged, field):
            assert check_passes(fixed, field) or field.name == "composite"


def test_unknown_birth_date_parts_written_as_fillers_are_kept() -> None:
    # ICAO 9303-3 §4.10: unknown day/month may be << in the MRZ
    line = TD3[1][:13] + "7408<<" + check_digit("7408<<") + TD3[1][20:]
    fixed, repairs = repair_lines([TD3[0], line])
    assert fixed[1][13:20] == line[13:20]
    assert not [r for r in repairs if r.field == "birth_date"]


def test_state_code_q_for_o_is_repaired_against_the_code_list() -> None:
    damaged = [TD3[0], TD3[1][:10] + "UTQ" + TD3[1][13:]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == TD3
    assert [(r.field, r.from_, r.to, r.why) for r in repairs] == [
        ("nationality", "Q", "O", "state_code")
    ]


def _td1(state: str, number: str, doc_type: str = "I") -> list[str]:
    return compose_td1(holder_fields(state, number, doc_type))


def test_cancelling_letters_o_of_an_unknown_state_stay_as_read() -> None:
    # weights 7 and 3 (positions 7 and 8 of the TD1 number): two O's add 8 + 2 = 10,
    # so the check digit passes with O's and with 0's alike; without the state's
    # numbering nothing justifies a rewrite, so the number stays as read
    lines = _td1("NOR", "EK4737004")
    damaged = [lines[0][:11] + "OO" + lines[0][13:], lines[1], lines[2]]
    assert count_checks(damaged) == count_checks(lines)  # the check cannot tell
    fixed, repairs = repair_lines(damaged)
    assert fixed == damaged
    assert repairs == []


def test_cancelling_letters_o_of_a_digits_only_numbering_become_zeros() -> None:
    # a Danish passport number is nine digits: the O's are read as 0 (class + check)
    lines = _td1("DNK", "204737004", doc_type="P")
    damaged = [lines[0][:11] + "OO" + lines[0][13:], lines[1], lines[2]]
    fixed, repairs = repair_lines(damaged)
    assert fixed == lines
    assert [(r.position, r.from_, r.to, r.why) for r in repairs] == [
        (11, "O", "0", "numbering:DNK"),
        (12, "O", "0", "numbering:DNK"),
    ]


def test_lines_of_a_format_but_the_wrong_count_come_back_unchanged() -> None:
    assert repair_lines(TD3[:1], "TD3") == (TD3[:1], [])


def test_lines_of_no_known_shape_come_back_unchanged() -> None:
    lines = ["NOT AN MRZ", "AT ALL"]
    assert repair_lines(lines) == (lines, [])


def test_repairs_apply_to_the_lines_they_were_made_on_and_nowhere_else() -> None:
    misread = [TD3[0], _set(TD3[1], 15, "O")]  # a letter O in the birth date
    repaired, repairs = repair_lines(misread)
    assert repairs
    assert apply_repairs(misread, repairs) == repaired == TD3
    with pytest.raises(ValueError, match="does not apply"):
        apply_repairs(TD3, repairs)
