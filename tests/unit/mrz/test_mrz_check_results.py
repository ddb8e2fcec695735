"""MRZ results as pipeline CheckResults."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from mrz_specimens import TD3, TODAY

from leveattest.core.checks import Reason, Verdict
from leveattest.mrz import MRZFields, compose_td3, make_norwegian_id, mrz_check_results, parse_mrz


def _by_name(lines: list[str]) -> dict[str, object]:
    return {r.check: r for r in mrz_check_results(parse_mrz(lines, today=TODAY))}


def test_valid_specimen_passes_every_check() -> None:
    results = mrz_check_results(parse_mrz(TD3, today=TODAY))
    assert [r.check for r in results] == [
        "mrz_format",
        "mrz_check_digits",
        "mrz_dates",
        "mrz_fields",
        "mrz_national_id",
    ]
    verdicts = {r.check: r.verdict for r in results}
    assert verdicts.pop("mrz_national_id") is Verdict.NOT_PRESENT
    assert set(verdicts.values()) == {Verdict.PASSED}


def test_check_digit_failure_fails_mrz_check_digits() -> None:
    results = mrz_check_results(parse_mrz([TD3[0], TD3[1][:19] + "0" + TD3[1][20:]], today=TODAY))
    digits = next(r for r in results if r.check == "mrz_check_digits")
    assert digits.verdict is Verdict.FAILED
    assert digits.reason is Reason.MRZ_CHECK_DIGIT_MISMATCH
    assert digits.evidence.checks["birth_date"] == "failed"
    dates = next(r for r in results if r.check == "mrz_dates")
    assert dates.verdict is Verdict.PASSED


def test_unknown_format_fails_mrz_format_and_skips_the_rest() -> None:
    results = mrz_check_results(parse_mrz("nothing here", today=TODAY))
    assert results[0].verdict is Verdict.FAILED
    assert results[0].reason is Reason.MRZ_UNKNOWN_FORMAT
    assert {r.verdict for r in results[1:]} == {Verdict.NOT_CHECKED}


def test_invalid_date_fails_mrz_dates() -> None:
    fields = MRZFields("P", "UTO", "A", "B", "X1", "QQQ", date(1974, 8, 12), "F", date(2030, 1, 1))
    results = mrz_check_results(parse_mrz(compose_td3(fields), today=TODAY))
    by = {r.check: r for r in results}
    assert by["mrz_fields"].reason is Reason.MRZ_IMPLAUSIBLE_FIELD
    assert by["mrz_dates"].verdict is Verdict.PASSED


def test_national_id_mismatch_fails_mrz_national_id_without_leaking_the_number() -> None:
    other = make_norwegian_id(date(1956, 3, 2), 123)
    fields = MRZFields("P", "NOR", "Nordmann", "Ola", "FH1234567", "NOR", date(1956, 3, 1), "M",
                       date(2030, 1, 1), other)  # fmt: skip
    results = mrz_check_results(parse_mrz(compose_td3(fields), today=TODAY))
    national = next(r for r in results if r.check == "mrz_national_id")
    assert national.verdict is Verdict.FAILED
    assert national.reason is Reason.MRZ_MISMATCH
    assert other not in str([r.model_dump() for r in results])
    valid = replace(fields, optional_data=make_norwegian_id(date(1956, 3, 1), 123))
    ok = {r.check: r for r in mrz_check_results(parse_mrz(compose_td3(valid), today=TODAY))}
    assert ok["mrz_national_id"].verdict is Verdict.PASSED
