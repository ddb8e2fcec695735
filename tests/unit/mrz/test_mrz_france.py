"""The French identity card of 1988-2021 (``IDFRA``, 2 x 36): its own layout, not TD2."""

from __future__ import annotations

from datetime import date

import pytest
from test_reader import OCRB, encode, phone_photo, render_page

from leveattest.core.checks import Reason
from leveattest.mrz import MRZFormat, parse_mrz
from leveattest.mrz.checkdigit import check_digit
from leveattest.mrz.compose import compose_fra_id
from leveattest.mrz.reader import read_mrz
from leveattest.mrz.repair import apply_repairs, count_checks, detect_format, repair_lines

TODAY = date(2026, 11, 22)
CARD = compose_fra_id(
    surname="MARTIN",
    given_names=["PIERRE", "JEAN"],
    issued=date(2013, 6, 1),
    department="075",
    office="123",
    sequence="04567",
    birth_date=date(1948, 2, 29),
    sex="M",
)


def test_composed_card_has_the_national_layout_and_check_digits() -> None:
    line1, line2 = CARD
    assert (len(line1), len(line2)) == (36, 36)
    assert line1 == "IDFRAMARTIN<<<<<<<<<<<<<<<<<<<075123"
    assert line2[:12] == "130607504567"
    assert line2[12] == check_digit(line2[:12])
    assert line2[13:27] == "PIERRE<<JEAN<<"
    assert line2[27:35] == "480229" + check_digit("480229") + "M"
    assert line2[35] == check_digit(line1 + line2[:35])


def test_french_identity_card_is_parsed_by_its_own_layout() -> None:
    result = parse_mrz(CARD, today=TODAY)
    assert result.format is MRZFormat.FRA_ID
    assert result.valid, result.problems
    assert result.document_number == "130607504567"
    assert (result.surname, result.given_names) == ("MARTIN", "PIERRE JEAN")
    assert result.birth_date == date(1948, 2, 29)
    assert result.issue_date == date(2013, 6, 1)
    assert result.expiry_date is None  # the card does not print it
    assert (result.issuing_state, result.nationality, result.sex) == ("FRA", "FRA", "M")
    assert result.optional_data == "075123"
    assert [c.name for c in result.checks] == ["document_number", "birth_date", "composite"]


def test_french_card_with_a_wrong_number_check_digit_is_invalid() -> None:
    line2 = CARD[1][:12] + str((int(CARD[1][12]) + 1) % 10) + CARD[1][13:]
    result = parse_mrz([CARD[0], line2], today=TODAY)
    assert result.format is MRZFormat.FRA_ID
    assert not result.valid
    check = result.check("document_number")
    assert check is not None
    assert not check.passed


def test_french_card_issued_in_the_future_or_month_13_is_an_invalid_date() -> None:
    for yymm in ("2801", "1313"):
        number = yymm + CARD[1][4:12]
        head = number + check_digit(number) + CARD[1][13:35]
        line2 = head + check_digit(CARD[0] + head)
        result = parse_mrz([CARD[0], line2], today=TODAY)
        assert Reason.MRZ_INVALID_DATE in result.reasons()
        assert not result.valid


def test_repair_uses_the_french_layout_and_leaves_given_names_alone() -> None:
    # a TD2 layout would read given names as birth date and turn their letters to digits
    assert detect_format(CARD) == "FRAID"
    fixed, repairs = repair_lines(CARD)
    assert fixed == CARD
    assert repairs == []
    assert count_checks(CARD) == (3, 3)


def test_french_card_misreads_are_repaired_and_listed() -> None:
    damaged = ["1DFRAMART1N" + CARD[0][11:], CARD[1][:29] + "O" + CARD[1][30:]]
    assert detect_format(damaged) == "FRAID"
    fixed, repairs = repair_lines(damaged)
    assert fixed == CARD
    assert apply_repairs(damaged, repairs) == fixed
    assert [(r.field, r.from_, r.to) for r in repairs] == [
        ("document_type", "1", "I"),
        ("names", "1", "I"),
        ("birth_date", "O", "0"),
    ]


@pytest.mark.skipif(not OCRB.is_file(), reason="fonts-ocr-b is not installed")
def test_photo_of_a_french_card_is_located_and_read_by_its_layout() -> None:
    photo = phone_photo(render_page(CARD), angle=4)
    read = read_mrz(encode(photo, "JPEG", quality=85), today=TODAY)
    assert list(read.result.lines) == CARD
    assert read.result.format is MRZFormat.FRA_ID
    assert read.result.valid
    assert read.result.document_number == "130607504567"
