"""Two-digit years, impossible dates and partially unknown birth dates (ICAO 9303-3 §4.10)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mrz_specimens import TD3, TODAY

from leveattest.core.checks import Reason
from leveattest.mrz import check_digit, parse_mrz
from leveattest.mrz.dates import resolve_birth_date, resolve_expiry_date, yymmdd


def _td3_with(birth: str | None = None, expiry: str | None = None) -> list[str]:
    """The TD3 specimen with other dates and every check digit recomputed."""
    l2 = TD3[1]
    birth = birth or l2[13:19]
    expiry = expiry or l2[21:27]
    body = l2[0:13] + birth + check_digit(birth) + l2[20] + expiry + check_digit(expiry) + l2[28:43]
    return [TD3[0], body + check_digit(body[0:10] + body[13:20] + body[21:43])]


@pytest.mark.parametrize("birth", ["740230", "741301", "740000", "740431", "740100", "990229"])
def test_impossible_birth_date_with_matching_check_digit_is_invalid(birth: str) -> None:
    result = parse_mrz(_td3_with(birth=birth), today=TODAY)
    assert all(c.passed for c in result.checks)
    assert not result.valid
    assert Reason.MRZ_INVALID_DATE in result.reasons()
    assert result.birth_date is None


@pytest.mark.parametrize("expiry", ["300230", "301301", "300931", "290229"])
def test_impossible_expiry_date_with_matching_check_digit_is_invalid(expiry: str) -> None:
    result = parse_mrz(_td3_with(expiry=expiry), today=TODAY)
    assert not result.valid
    assert {p.field for p in result.problems if p.reason is Reason.MRZ_INVALID_DATE} == {
        "expiry_date"
    }


def test_leap_day_is_judged_in_the_resolved_century() -> None:
    # 2000 is a leap year, 1900 is not
    assert resolve_birth_date("000229", TODAY).value == date(2000, 2, 29)
    assert resolve_birth_date("000229", date(2099, 12, 31)).value == date(2000, 2, 29)
    assert resolve_birth_date("000229", date(1999, 1, 1)).error  # would be 1900-02-29


@pytest.mark.parametrize(
    ("raw", "today", "expected"),
    [
        ("261122", date(2026, 11, 22), date(2026, 11, 22)),  # born today
        ("261123", date(2026, 11, 22), date(1926, 11, 23)),  # tomorrow → last century
        ("991231", date(2000, 1, 1), date(1999, 12, 31)),
        ("000101", date(2000, 1, 1), date(2000, 1, 1)),
        ("000102", date(2000, 1, 1), date(1900, 1, 2)),
        ("270101", date(2026, 11, 22), date(1927, 1, 1)),
        ("740812", date(2026, 11, 22), date(1974, 8, 12)),
    ],
)
def test_birth_year_resolves_into_the_past(raw: str, today: date, expected: date) -> None:
    assert resolve_birth_date(raw, today).value == expected


@pytest.mark.parametrize(
    ("raw", "today", "expected"),
    [
        ("460101", date(2026, 11, 22), date(2046, 1, 1)),  # today + 20 years
        ("470101", date(2026, 11, 22), date(1947, 1, 1)),
        ("120415", date(2026, 11, 22), date(2012, 4, 15)),
        ("961210", date(2026, 11, 22), date(1996, 12, 10)),
        ("050101", date(1995, 6, 1), date(2005, 1, 1)),  # across the century
        ("150101", date(1995, 6, 1), date(2015, 1, 1)),
        ("160101", date(1995, 6, 1), date(1916, 1, 1)),
    ],
)
def test_expiry_year_resolves_in_the_validity_window(raw: str, today: date, expected: date) -> None:
    assert resolve_expiry_date(raw, today).value == expected


@pytest.mark.parametrize(
    ("birth", "year", "month", "day"),
    [("74<<<<", 1974, None, None), ("7408<<", 1974, 8, None), ("<<<<<<", None, None, None)],
)
def test_unknown_birth_date_parts_give_a_partial_date(
    birth: str, year: int | None, month: int | None, day: int | None
) -> None:
    # ICAO 9303-3 §4.10: unknown parts of the date of birth are written as fillers
    result = parse_mrz(_td3_with(birth=birth), today=TODAY)
    assert result.birth_date is None
    assert result.birth_date_partial is not None
    assert (
        result.birth_date_partial.year,
        result.birth_date_partial.month,
        result.birth_date_partial.day,
    ) == (year, month, day)
    assert Reason.MRZ_PARTIAL_DATE in result.reasons()
    assert result.valid  # allowed by ICAO: a note, not a failure
    assert result.to_json_dict()["birth_date"] is None


def test_partial_birth_date_with_impossible_known_part_is_invalid() -> None:
    result = parse_mrz(_td3_with(birth="<<1332"), today=TODAY)
    assert Reason.MRZ_INVALID_DATE in result.reasons()


def test_letters_in_a_date_are_invalid() -> None:
    result = parse_mrz(_td3_with(birth="74AB12"), today=TODAY)
    assert Reason.MRZ_INVALID_DATE in result.reasons()
    assert not result.valid


def test_expiry_before_birth_is_implausible() -> None:
    result = parse_mrz(_td3_with(birth="200101", expiry="150101"), today=TODAY)
    assert Reason.MRZ_IMPLAUSIBLE_FIELD in result.reasons()
    assert not result.valid


def test_expired_document_still_parses_valid() -> None:
    # expiry is a policy question (document_expired), not an MRZ defect
    assert parse_mrz(TD3, today=TODAY).valid


@pytest.mark.parametrize("raw", ["7408121", "74081", ""])
def test_birth_date_of_other_than_six_characters_is_not_a_date(raw: str) -> None:
    resolved = resolve_birth_date(raw, TODAY)
    assert (resolved.value, resolved.partial, resolved.error) == (None, None, "not a YYMMDD date")


@pytest.mark.parametrize("raw", ["<<0230", "<<0431", "<<<<32"])
def test_partial_birth_date_whose_known_day_never_exists_is_refused(raw: str) -> None:
    resolved = resolve_birth_date(raw, TODAY)
    assert resolved.partial is None
    assert resolved.error in {"day out of range for the month", "day out of range"}


def test_partial_birth_date_on_a_leap_day_is_kept() -> None:
    resolved = resolve_birth_date("<<0229", TODAY)
    assert resolved.error == ""
    assert resolved.partial is not None
    assert (resolved.partial.month, resolved.partial.day) == (2, 29)


@pytest.mark.parametrize("raw", ["30123", "3012311", "30-231", "３０１２３１"])
def test_expiry_date_that_is_not_six_ascii_digits_is_not_a_date(raw: str) -> None:
    resolved = resolve_expiry_date(raw, TODAY)
    assert (resolved.value, resolved.error) == (None, "not a YYMMDD date")


@given(st.dates(min_value=date(1927, 1, 2), max_value=TODAY))
def test_yymmdd_round_trips_through_birth_date_resolution(day: date) -> None:
    # a birth date in the 100 years up to today comes back as itself
    assert resolve_birth_date(yymmdd(day), TODAY).value == day
