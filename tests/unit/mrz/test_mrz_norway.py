"""Norwegian fødselsnummer, D-nummer, H-nummer and the control rule from 2032."""

from __future__ import annotations

from datetime import date

import pytest
from mrz_specimens import number_2032 as _number_2032

from leveattest.mrz import NorwegianIdKind, make_norwegian_id, validate_norwegian_id
from leveattest.mrz.national.norway import ControlRule, control_digit

W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def _usable(birth: date, individual: int) -> bool:
    try:
        make_norwegian_id(birth, individual)
    except ValueError:
        return False
    return True


def test_known_fodselsnummer_is_valid() -> None:
    result = validate_norwegian_id("31129956715")  # worked example of the classic rule
    assert result.valid
    assert result.kind is NorwegianIdKind.FODSELSNUMMER
    assert result.birth_date == date(1899, 12, 31)  # individual 567 with YY ≥ 54
    assert result.rule is ControlRule.CLASSIC


@pytest.mark.parametrize(
    ("birth", "individual"),
    [
        (date(1956, 3, 1), 123),
        (date(1899, 12, 31), 600),
        (date(1945, 7, 8), 912),
        (date(2005, 1, 15), 510),
        (date(2024, 2, 29), 999),
    ],
)
@pytest.mark.parametrize("kind", ["fodselsnummer", "d_number", "h_number", "synthetic"])
def test_generated_numbers_validate_with_their_birth_date(
    birth: date, individual: int, kind: str
) -> None:
    for offset in range(0, 40):  # some individual numbers are unusable on a given day
        try:
            number = make_norwegian_id(
                birth, individual - offset if individual > 500 else individual + offset, kind=kind
            )
        except ValueError:
            continue
        break
    result = validate_norwegian_id(number)
    assert result.valid, result.problems
    assert result.kind is NorwegianIdKind(kind)
    assert result.birth_date == birth


def test_d_number_adds_four_to_the_first_digit() -> None:
    fnr = make_norwegian_id(date(1956, 3, 1), 123)
    d = make_norwegian_id(date(1956, 3, 1), 123, kind="d_number")
    assert d[0] == str(int(fnr[0]) + 4)
    assert d[1:9] == fnr[1:9]


def test_h_number_adds_four_to_the_third_digit() -> None:
    fnr = make_norwegian_id(date(1956, 3, 1), 123)
    h = make_norwegian_id(date(1956, 3, 1), 123, kind="h_number")
    assert h[2] == str(int(fnr[2]) + 4)
    assert h[:2] + h[3:9] == fnr[:2] + fnr[3:9]


@pytest.mark.parametrize("position", [9, 10, 0, 4, 7])
def test_wrong_control_digits_are_rejected(position: int) -> None:
    number = make_norwegian_id(date(1956, 3, 1), 123)
    wrong = number[:position] + str((int(number[position]) + 1) % 10) + number[position + 1 :]
    result = validate_norwegian_id(wrong)
    assert not result.valid
    assert "control_digits" in result.problems


@pytest.mark.parametrize(
    "value", ["", "1234567890", "123456789012", "0103561238X", "01035612382 x"]
)
def test_malformed_values_are_invalid_not_errors(value: str) -> None:
    assert not validate_norwegian_id(value).valid


def test_individual_number_outside_every_series_is_invalid() -> None:
    # 750-899 with YY 40-99 belongs to no century
    base = "010145800"
    k1 = control_digit(base, W1)
    k2 = control_digit(base + str(k1), W2)
    result = validate_norwegian_id(f"{base}{k1}{k2}")
    assert "individual_number_out_of_range" in result.problems


def test_impossible_date_is_invalid() -> None:
    base = "300256123"  # 30 February
    k1 = control_digit(base, W1)
    k2 = control_digit(base + str(k1), W2)
    assert "invalid_birth_date" in validate_norwegian_id(f"{base}{k1}{k2}").problems


def test_generator_refuses_individual_number_from_another_series() -> None:
    with pytest.raises(ValueError, match="series"):
        make_norwegian_id(date(1956, 3, 1), 600)
    with pytest.raises(ValueError):
        make_norwegian_id(date(1956, 3, 1), 1000)
    with pytest.raises(ValueError):
        make_norwegian_id(date(1956, 3, 1), 1, kind="passport")


def test_generator_refuses_control_digit_ten() -> None:
    # about one in six individual numbers is unusable on a given day
    unusable = [i for i in range(500) if not _usable(date(1956, 3, 1), i)]
    assert unusable
    with pytest.raises(ValueError, match="control digit"):
        make_norwegian_id(date(1956, 3, 1), unusable[0])


@pytest.mark.parametrize("remainder", [1, 2, 3])
def test_2032_rule_accepts_first_remainder_1_2_3_only_when_allowed(remainder: int) -> None:
    # Skatteetaten: the new control calculation accepts 0, 1, 2 and 3
    number = _number_2032(remainder)
    assert not validate_norwegian_id(number).valid
    result = validate_norwegian_id(number, allow_2032_rules=True)
    assert result.valid
    assert result.rule is ControlRule.RULE_2032
    assert result.sex is None  # new numbers are gender neutral


@pytest.mark.parametrize("remainder", [4, 5, 10])
def test_2032_rule_still_rejects_other_remainders(remainder: int) -> None:
    number = _number_2032(remainder)
    assert not validate_norwegian_id(number, allow_2032_rules=True).valid


def test_2032_rule_still_requires_the_second_control_digit() -> None:
    number = _number_2032(2)
    wrong = number[:10] + str((int(number[10]) + 1) % 10)
    assert not validate_norwegian_id(wrong, allow_2032_rules=True).valid


def test_classic_numbers_stay_valid_under_the_2032_rule() -> None:
    number = make_norwegian_id(date(1956, 3, 1), 123)
    result = validate_norwegian_id(number, allow_2032_rules=True)
    assert result.valid
    assert result.rule is ControlRule.CLASSIC
    assert result.sex == "M"


def test_json_dict_leaves_out_the_number() -> None:
    number = make_norwegian_id(date(1956, 3, 1), 123)
    assert number not in str(validate_norwegian_id(number).to_json_dict())
