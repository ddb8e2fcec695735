"""``dsc_validity`` without a signing time: the reference-time rules, each on its own.

9303-12 §5.3 (chain model): the DSC must have been valid when the SOD was signed. The
reference is the signingTime attribute, else the authenticated DG12 date of issue
(9303-10 §4.7.12, tag 5F26), else the DSC's private key usage period (2.5.29.16), else
there is none and the check is inconclusive (``no_reference_time``) — never a pass by
comparing the DSC with itself.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta

import pytest
from dsc_builder import make_dg12, reissue_dsc
from emrtd_builder import AT, T0, Pki, build_sod, make_dg1, make_dg2
from hypothesis import given, settings
from hypothesis import strategies as st

from leveattest.core.checks import CheckResult, Reason, Verdict
from leveattest.core.errors import ChipUnexpectedContentError, LeveattestError
from leveattest.core.settings import ChipSettings, PipelineSettings
from leveattest.emrtd.certs import load_certificate
from leveattest.emrtd.lds import parse_dg12_date_of_issue
from leveattest.emrtd.trust import FileTrustStore
from leveattest.emrtd.verify import ChipResult, verify_chip
from leveattest.emrtd.verify import decide as decide_chip
from leveattest.pipeline import names
from leveattest.pipeline.outcome import Decision
from leveattest.pipeline.policy import decide
from leveattest.samples.pki import build_test_pki

# the DSC of these tests is valid from T0 + 30 days for 400 days
DSC_FROM = T0 + timedelta(days=30)
DSC_TO = T0 + timedelta(days=430)


def _store(pki: Pki, tmp_path) -> FileTrustStore:
    return FileTrustStore([pki.write_store(tmp_path, crl=pki.crl())])


def _pki(cn: str, pkup: tuple[datetime | None, datetime | None] | None = None) -> Pki:
    pki = Pki(kind="ec", csca_cn=cn, dsc_not_after=DSC_TO, dsc_pkup_days=None)
    if pkup is not None:
        pki.dsc = reissue_dsc(pki, pkup=pkup)
    return pki


def _groups(dg12: bytes | None = None) -> dict[int, bytes]:
    groups = {1: make_dg1(), 2: make_dg2()}
    if dg12 is not None:
        groups[12] = dg12
    return groups


def _validity(pki, groups, tmp_path, *, sod_groups=None, settings=None, **sod_options):
    sod = build_sod(pki, sod_groups or groups, scheme="ecdsa", **sod_options)
    result = verify_chip(sod, groups, _store(pki, tmp_path), at=AT, settings=settings)
    return result, result.check("dsc_validity")


def _ymd(day: datetime) -> bytes:
    return day.strftime("%Y%m%d").encode()


# ---- rule 1: the signing time ------------------------------------------------------------
def test_signing_time_is_the_reference_when_present(tmp_path):
    pki = _pki("RT signing")
    result, validity = _validity(pki, _groups(), tmp_path, signing_time=T0 + timedelta(days=60))
    assert validity.verdict is Verdict.PASSED
    assert validity.evidence.reference_time_source == "signing_time_attribute"
    assert result.result is ChipResult.ACCEPTED


def test_signing_time_before_the_dsc_existed_fails_not_yet_valid(tmp_path):
    pki = _pki("RT early")
    _result, validity = _validity(pki, _groups(), tmp_path, signing_time=T0 + timedelta(days=5))
    assert (validity.verdict, validity.reason) == (Verdict.FAILED, Reason.CERTIFICATE_NOT_YET_VALID)


# ---- rule 2: the DG12 date of issue ------------------------------------------------------
def test_without_signing_time_the_authenticated_dg12_date_of_issue_is_the_reference(tmp_path):
    pki = _pki("RT dg12")
    groups = _groups(make_dg12(_ymd(T0 + timedelta(days=100))))
    result, validity = _validity(pki, groups, tmp_path)
    assert validity.verdict is Verdict.PASSED, validity
    assert validity.evidence.reference_time_source == "dg12_date_of_issue"
    assert validity.evidence.dg12_issue_days_after_dsc_not_before == 70
    assert (
        "reference_time" not in validity.evidence.model_fields_set
    )  # the date of issue is document data
    assert result.result is ChipResult.ACCEPTED


def test_dg12_date_of_issue_in_packed_bcd_is_read(tmp_path):
    pki = _pki("RT bcd")
    groups = _groups(make_dg12(bytes.fromhex((T0 + timedelta(days=100)).strftime("%Y%m%d"))))
    _result, validity = _validity(pki, groups, tmp_path)
    assert validity.verdict is Verdict.PASSED
    assert validity.evidence.reference_time_source == "dg12_date_of_issue"


def test_dsc_issued_on_the_day_of_issue_is_valid_that_day(tmp_path):
    pki = _pki("RT same day")  # DSC from T0 + 30 days 00:00 UTC; issued that day, local time
    _result, validity = _validity(pki, _groups(make_dg12(_ymd(DSC_FROM))), tmp_path)
    assert validity.verdict is Verdict.PASSED


@pytest.mark.parametrize(
    ("issued", "reason"),
    [
        (DSC_TO + timedelta(days=3), Reason.CERTIFICATE_EXPIRED),
        (DSC_FROM - timedelta(days=3), Reason.CERTIFICATE_NOT_YET_VALID),
    ],
)
def test_dg12_date_of_issue_outside_the_dsc_validity_fails(tmp_path, issued, reason):
    pki = _pki(f"RT dg12 {reason.value}")
    result, validity = _validity(pki, _groups(make_dg12(_ymd(issued))), tmp_path)
    assert (validity.verdict, validity.reason) == (Verdict.FAILED, reason)
    assert result.result is ChipResult.REJECTED


def test_dg12_date_of_issue_is_ignored_unless_its_hash_matches(tmp_path):
    pki = _pki("RT dg12 unsigned")
    signed = _groups(make_dg12(_ymd(T0 + timedelta(days=100))))
    presented = _groups(make_dg12(_ymd(DSC_TO + timedelta(days=30))))
    result, validity = _validity(pki, presented, tmp_path, sod_groups=signed)
    assert result.check("dg_hashes").reason is Reason.HASH_MISMATCH
    assert validity.evidence.reference_sources["dg12_date_of_issue"] == "not_authenticated"
    assert (validity.verdict, validity.reason) == (Verdict.INCONCLUSIVE, Reason.NO_REFERENCE_TIME)


@pytest.mark.parametrize(
    ("dg12", "seen"),
    [
        (make_dg12(None), "no_date_of_issue"),
        (make_dg12(b"2024-1-5"), "malformed"),
        (make_dg12(b"20241305"), "malformed"),
    ],
)
def test_dg12_without_a_usable_date_falls_through_to_the_usage_period(tmp_path, dg12, seen):
    pki = _pki(f"RT fall {seen}", pkup=(DSC_FROM, DSC_FROM + timedelta(days=92)))
    _result, validity = _validity(pki, _groups(dg12), tmp_path)
    assert validity.evidence.reference_sources["dg12_date_of_issue"] == seen
    assert validity.evidence.reference_time_source == "dsc_private_key_usage_period"
    assert validity.verdict is Verdict.PASSED


# ---- rule 3: the DSC's private key usage period ------------------------------------------
def test_without_signing_time_or_dg12_the_private_key_usage_period_is_the_reference(tmp_path):
    pki = _pki("RT pkup", pkup=(DSC_FROM, DSC_FROM + timedelta(days=92)))
    result, validity = _validity(pki, _groups(), tmp_path)
    assert validity.verdict is Verdict.PASSED
    assert validity.evidence.reference_time_source == "dsc_private_key_usage_period"
    assert validity.evidence.reference_window == [
        DSC_FROM.isoformat(),
        (DSC_FROM + timedelta(days=92)).isoformat(),
    ]
    assert result.result is ChipResult.ACCEPTED


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        (DSC_TO + timedelta(days=1), DSC_TO + timedelta(days=90), Reason.CERTIFICATE_EXPIRED),
        (T0 - timedelta(days=90), T0, Reason.CERTIFICATE_NOT_YET_VALID),
    ],
)
def test_usage_period_wholly_outside_the_dsc_validity_fails(tmp_path, start, end, reason):
    pki = _pki(f"RT pkup {reason.value}", pkup=(start, end))
    result, validity = _validity(pki, _groups(), tmp_path)
    assert (validity.verdict, validity.reason) == (Verdict.FAILED, reason)
    assert result.result is ChipResult.REJECTED


@pytest.mark.parametrize(
    ("pkup", "seen"),
    [
        ((DSC_FROM - timedelta(days=10), DSC_FROM + timedelta(days=80)), "used"),  # partly out
        ((None, DSC_FROM + timedelta(days=92)), "incomplete"),
        ((DSC_FROM + timedelta(days=92), DSC_FROM), "inverted"),
    ],
)
def test_usage_period_that_cannot_date_the_signature_is_inconclusive(tmp_path, pkup, seen):
    pki = _pki(f"RT pkup {seen}", pkup=pkup)
    result, validity = _validity(pki, _groups(), tmp_path)
    assert validity.evidence.reference_sources["dsc_private_key_usage_period"] == seen
    assert (validity.verdict, validity.reason) == (Verdict.INCONCLUSIVE, Reason.NO_REFERENCE_TIME)
    assert result.result is ChipResult.INCONCLUSIVE


# ---- rule 4: nothing dates the signature ---------------------------------------------------
def test_without_any_reference_time_validity_is_inconclusive_not_passed(tmp_path):
    pki = _pki("RT none")
    result, validity = _validity(pki, _groups(), tmp_path)
    assert (validity.verdict, validity.reason) == (Verdict.INCONCLUSIVE, Reason.NO_REFERENCE_TIME)
    assert validity.evidence.reference_sources == {
        "signing_time_attribute": "absent",
        "dg12_date_of_issue": "not_presented",
        "dsc_private_key_usage_period": "absent",
    }
    assert validity.evidence.reference_time_source is None
    for name in ("sod_signature", "dg_hashes", "trust_chain", "revocation"):
        assert result.check(name).verdict is Verdict.PASSED, name  # still verified
    assert result.result is ChipResult.INCONCLUSIVE


def test_without_reference_time_a_dsc_expired_now_still_fails_when_policy_refuses_it(tmp_path):
    pki = _pki("RT none strict")
    strict = ChipSettings(accept_expired_certificates_now=False)
    _result, validity = _validity(pki, _groups(), tmp_path, settings=strict)
    assert (validity.verdict, validity.reason) == (Verdict.FAILED, Reason.CERTIFICATE_EXPIRED)


def test_without_reference_time_the_csca_is_still_judged_at_the_dsc_issuance(tmp_path):
    pki = Pki(kind="ec", csca_cn="RT short CSCA", csca_not_after=T0 + timedelta(days=10),
              dsc_pkup_days=None)  # fmt: skip
    _result, validity = _validity(pki, _groups(), tmp_path)
    assert (validity.verdict, validity.reason) == (Verdict.FAILED, Reason.CERTIFICATE_EXPIRED)


def test_sample_pki_dscs_carry_a_usage_period_inside_their_validity():
    # the synthetic samples' SODs carry a signing time; their DSCs also date them by PKUP
    pki = build_test_pki(7, date(2026, 1, 1))
    for authority in pki.dscs.values():
        record = load_certificate(authority.der)
        period = record.cert.private_key_usage_period_value.native
        assert record.not_before <= period["not_before"] <= period["not_after"]
        assert period["not_after"] <= record.not_after or authority.name in pki.expired


# ---- DG12 date parser ----------------------------------------------------------------------
def test_dg12_date_of_issue_parser_reads_ascii_and_bcd_and_refuses_the_rest():
    assert parse_dg12_date_of_issue(make_dg12(b"20240115")) == date(2024, 1, 15)
    assert parse_dg12_date_of_issue(make_dg12(bytes.fromhex("20240115"))) == date(2024, 1, 15)
    assert parse_dg12_date_of_issue(make_dg12(None)) is None
    for bad in (b"240115", b"2024011A", b"20240230", bytes.fromhex("2024011f")):
        with pytest.raises(ChipUnexpectedContentError):
            parse_dg12_date_of_issue(make_dg12(bad))


@settings(max_examples=300, deadline=None)
@given(value=st.binary(max_size=12), garbage=st.binary(max_size=40))
def test_dg12_date_of_issue_parser_raises_only_our_errors(value, garbage):
    for data in (make_dg12(value), garbage):
        with contextlib.suppress(LeveattestError):
            parsed = parse_dg12_date_of_issue(data)
            assert parsed is None or isinstance(parsed, date)


# ---- policy: what inconclusive means -------------------------------------------------------
def _no_reference() -> CheckResult:
    return CheckResult.inconclusive(names.DSC_VALIDITY, Reason.NO_REFERENCE_TIME)


def test_chip_policy_without_reference_time_is_inconclusive_never_accepted():
    checks = [CheckResult.passed(n) for n in ("sod_parse", "sod_signature", "dg_hashes",
              "trust_chain", "revocation", "active_auth")] + [_no_reference()]  # fmt: skip
    assert decide_chip(checks) is ChipResult.INCONCLUSIVE


@pytest.mark.parametrize("attempt", [1, 2, 3, 4])
def test_pipeline_without_reference_time_goes_to_review_never_reject_nor_retry(attempt):
    policy = PipelineSettings()
    checks = [
        _no_reference() if n == names.DSC_VALIDITY else CheckResult.passed(n)
        for n in names.REQUIRED_CHECKS
    ]
    assert decide(checks, attempt=attempt, settings=policy) == (
        Decision.REVIEW,
        [Reason.NO_REFERENCE_TIME],
    )


def test_pipeline_retries_a_capture_problem_before_reviewing_a_missing_reference_time():
    policy = PipelineSettings()
    checks = [
        _no_reference() if n == names.DSC_VALIDITY else CheckResult.passed(n)
        for n in names.REQUIRED_CHECKS
        if n != names.ACTIVE_AUTH
    ] + [CheckResult.failed(names.ACTIVE_AUTH, Reason.AA_SIGNATURE_INVALID)]
    assert decide(checks, attempt=1, settings=policy)[0] is Decision.RETRY
    last = decide(checks, attempt=policy.retry_budget, settings=policy)
    assert last == (
        Decision.REVIEW,
        [Reason.AA_SIGNATURE_INVALID, Reason.RETRY_BUDGET_EXHAUSTED],
    )


def test_reference_time_comes_from_the_document_never_from_the_dsc_itself(tmp_path):
    # the old rule (reference = the DSC's own notBefore) could not fail: a SOD with no
    # signing time, DG12 or usage period once passed whatever the DSC's dates were
    pki = _pki("RT tautology")
    _result, validity = _validity(pki, _groups(), tmp_path)
    assert validity.verdict is not Verdict.PASSED
    assert validity.evidence.reference_time_source != "dsc_not_before"
