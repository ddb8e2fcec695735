"""The decision policy, exhaustively: every required check × every verdict, combinations,
the retry budget, fail-closed cases, and invariants over random verdict assignments."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from leveattest.core.checks import CheckName, CheckResult, Reason, Verdict
from leveattest.core.settings import PipelineSettings
from leveattest.pipeline import names
from leveattest.pipeline.outcome import Decision
from leveattest.pipeline.policy import decide

POLICY = PipelineSettings()
MAY_BE_ABSENT = {
    names.ACTIVE_AUTH,
    names.FACE_SELFIE_PAGE,
    names.FACE_CHIP_PAGE,
    names.FACE_QUALITY_PAGE,
}
NEGATIVE_BIOMETRIC = {
    (names.FACE_SELFIE_CHIP, Reason.FACE_MISMATCH),
    (names.FACE_SELFIE_PAGE, Reason.FACE_MISMATCH),
    (names.FACE_CHIP_PAGE, Reason.FACE_MISMATCH),
    (names.LIVENESS, Reason.LIVENESS_SPOOF),
    (names.LIVENESS, Reason.REPLAY_DETECTED),
}


def result(name: str, verdict: Verdict, reason: Reason = Reason.OK) -> CheckResult:
    if verdict is not Verdict.PASSED and reason is Reason.OK:
        reason = Reason.NOT_APPLICABLE
    return CheckResult(check=name, verdict=verdict, reason=reason)


def all_passed(**overrides: CheckResult) -> list[CheckResult]:
    return [overrides.get(n, result(n, Verdict.PASSED)) for n in names.REQUIRED_CHECKS]


def with_check(check: CheckResult) -> list[CheckResult]:
    return all_passed(**{check.check: check})


def run(checks: list[CheckResult], attempt: int = 1, policy: PipelineSettings = POLICY):
    return decide(checks, attempt=attempt, settings=policy)


# --- the baseline -------------------------------------------------------------------------


def test_all_required_checks_passed_approves_without_reasons():
    assert run(all_passed()) == (Decision.APPROVE, [])


@pytest.mark.parametrize("name", MAY_BE_ABSENT)
def test_legitimately_absent_checks_still_approve(name):
    assert run(with_check(result(name, Verdict.NOT_PRESENT)))[0] is Decision.APPROVE


# --- every required check × every non-passing verdict -------------------------------------


@pytest.mark.parametrize("verdict", [v for v in Verdict if v is not Verdict.PASSED])
@pytest.mark.parametrize("name", names.REQUIRED_CHECKS)
def test_any_required_check_not_passed_is_never_approved_unless_legitimately_absent(name, verdict):
    decision, reasons = run(with_check(result(name, verdict)))
    if verdict is Verdict.NOT_PRESENT and name in MAY_BE_ABSENT:
        assert decision is Decision.APPROVE
    else:
        assert decision is not Decision.APPROVE
        assert reasons


@pytest.mark.parametrize("name", names.CRYPTO_CHECKS)
def test_failed_cryptographic_check_rejects(name):
    decision, reasons = run(with_check(result(name, Verdict.FAILED, Reason.SIGNATURE_INVALID)))
    assert decision is Decision.REJECT
    assert reasons == [Reason.SIGNATURE_INVALID]


@pytest.mark.parametrize(
    "verdict", [Verdict.INCONCLUSIVE, Verdict.NOT_CHECKED, Verdict.NOT_PRESENT]
)
@pytest.mark.parametrize("name", names.CRYPTO_CHECKS)
def test_cryptographic_check_not_passed_nor_failed_goes_to_review(name, verdict):
    reason = Reason.REVOCATION_UNKNOWN
    assert run(with_check(result(name, verdict, reason))) == (Decision.REVIEW, [reason])


@pytest.mark.parametrize("name", names.CRYPTO_CHECKS)
@pytest.mark.parametrize(("biometric", "reason"), sorted(NEGATIVE_BIOMETRIC))
def test_failed_cryptography_rejects_even_with_a_negative_biometric(name, biometric, reason):
    checks = all_passed(
        **{
            name: result(name, Verdict.FAILED, Reason.HASH_MISMATCH),
            biometric: result(biometric, Verdict.FAILED, reason),
        }
    )
    assert run(checks) == (Decision.REJECT, [Reason.HASH_MISMATCH])


# --- biometrics: negative outcomes go to a person (GDPR art. 22) --------------------------


@pytest.mark.parametrize("attempt", [1, 2, 3, 10])
@pytest.mark.parametrize(("name", "reason"), sorted(NEGATIVE_BIOMETRIC))
def test_negative_biometric_outcome_goes_to_review_never_reject(name, reason, attempt):
    decision, reasons = run(with_check(result(name, Verdict.FAILED, reason)), attempt)
    assert (decision, reasons) == (Decision.REVIEW, [reason])


@pytest.mark.parametrize(("name", "reason"), sorted(NEGATIVE_BIOMETRIC))
def test_negative_biometric_outcome_is_not_laundered_by_a_retry(name, reason):
    selfie = result(names.FACE_QUALITY_SELFIE, Verdict.FAILED, Reason.TOO_DARK)
    checks = all_passed(
        **{name: result(name, Verdict.FAILED, reason), names.FACE_QUALITY_SELFIE: selfie}
    )
    assert run(checks)[0] is Decision.REVIEW


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (names.FACE_SELFIE_CHIP, Reason.FACE_DISTANCE_NEAR_THRESHOLD),
        (names.FACE_SELFIE_CHIP, Reason.FACE_MISMATCH),  # mismatch on a poor capture
        (names.FACE_CHIP_PAGE, Reason.FACE_DISTANCE_NEAR_THRESHOLD),
        (names.LIVENESS, Reason.LIVENESS_UNCERTAIN),
    ],
)
def test_biometric_doubt_goes_to_review(name, reason):
    assert run(with_check(result(name, Verdict.INCONCLUSIVE, reason))) == (
        Decision.REVIEW,
        [reason],
    )


# --- recoverable capture problems: retry within the budget, then review -------------------

RETRYABLE = [
    result(names.CHIP_READ, Verdict.FAILED, Reason.INPUT_MISSING),
    result(names.ACTIVE_AUTH, Verdict.INCONCLUSIVE, Reason.AA_NOT_PERFORMED),
    result(names.ACTIVE_AUTH, Verdict.FAILED, Reason.AA_SIGNATURE_INVALID),
    result(names.MRZ_PAGE_VS_CHIP, Verdict.NOT_PRESENT, Reason.INPUT_MISSING),
    result(names.MRZ_PAGE_VS_CHIP, Verdict.INCONCLUSIVE, Reason.MRZ_UNREADABLE),
    result(names.MRZ_PAGE_VS_CHIP, Verdict.INCONCLUSIVE, Reason.IMAGE_UNREADABLE),
    result(names.FACE_QUALITY_SELFIE, Verdict.FAILED, Reason.TOO_DARK),
    result(names.FACE_QUALITY_SELFIE, Verdict.FAILED, Reason.BLURRED),
    result(names.FACE_QUALITY_SELFIE, Verdict.NOT_PRESENT, Reason.INPUT_MISSING),
    result(names.FACE_QUALITY_PAGE, Verdict.FAILED, Reason.TOO_BRIGHT),
    result(names.LIVENESS, Verdict.FAILED, Reason.FRAMES_COUNT_INVALID),
    result(names.LIVENESS, Verdict.FAILED, Reason.FRAMES_OUT_OF_ORDER),
    result(names.LIVENESS, Verdict.FAILED, Reason.FRAMES_TIMING_IMPLAUSIBLE),
    result(names.LIVENESS, Verdict.FAILED, Reason.CHALLENGE_NOT_FOLLOWED),
    result(names.LIVENESS, Verdict.NOT_PRESENT, Reason.INPUT_MISSING),
]


@pytest.mark.parametrize("check", RETRYABLE, ids=lambda c: f"{c.check}-{c.reason}")
def test_capture_problem_retries_while_the_budget_lasts_then_goes_to_review(check):
    checks = with_check(check)
    budget = POLICY.retry_budget
    for attempt in range(1, budget):
        assert run(checks, attempt) == (Decision.RETRY, [check.reason])
    for attempt in (budget, budget + 1):
        assert run(checks, attempt) == (
            Decision.REVIEW,
            [check.reason, Reason.RETRY_BUDGET_EXHAUSTED],
        )


def test_retry_budget_is_a_setting():
    check = result(names.FACE_QUALITY_SELFIE, Verdict.FAILED, Reason.TOO_DARK)
    assert run(with_check(check), 1, PipelineSettings(retry_budget=1))[0] is Decision.REVIEW
    assert run(with_check(check), 4, PipelineSettings(retry_budget=5))[0] is Decision.RETRY


def test_several_capture_problems_are_all_reported_in_check_order():
    checks = all_passed(
        **{
            names.MRZ_PAGE_VS_CHIP: RETRYABLE[4],
            names.FACE_QUALITY_SELFIE: RETRYABLE[6],
        }
    )
    assert run(checks) == (Decision.RETRY, [Reason.MRZ_UNREADABLE, Reason.TOO_DARK])


def test_a_capture_problem_is_retried_before_a_doubt_is_reviewed():
    checks = all_passed(
        **{
            names.FACE_QUALITY_SELFIE: RETRYABLE[6],
            names.LIVENESS: result(names.LIVENESS, Verdict.INCONCLUSIVE, Reason.LIVENESS_UNCERTAIN),
        }
    )
    assert run(checks)[0] is Decision.RETRY


# --- document policy and the page -------------------------------------------------------


def test_document_expired_beyond_policy_rejects():
    check = result(names.DOCUMENT_EXPIRY, Verdict.FAILED, Reason.DOCUMENT_EXPIRED)
    assert run(with_check(check)) == (Decision.REJECT, [Reason.DOCUMENT_EXPIRED])


def test_expired_passport_awaiting_a_verified_chip_goes_to_review():
    check = result(names.DOCUMENT_EXPIRY, Verdict.INCONCLUSIVE, Reason.DOCUMENT_EXPIRED)
    assert run(with_check(check)) == (Decision.REVIEW, [Reason.DOCUMENT_EXPIRED])


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (names.DOCUMENT_TYPE, Reason.DOCUMENT_TYPE_NOT_ACCEPTED),
        (names.DOCUMENT_ISSUING_STATE, Reason.ISSUING_STATE_NOT_ACCEPTED),
    ],
)
def test_document_not_accepted_rejects(name, reason):
    assert run(with_check(result(name, Verdict.FAILED, reason))) == (Decision.REJECT, [reason])


def test_page_showing_another_mrz_goes_to_review_by_default():
    check = result(names.MRZ_PAGE_VS_CHIP, Verdict.FAILED, Reason.MRZ_MISMATCH)
    assert run(with_check(check)) == (Decision.REVIEW, [Reason.MRZ_MISMATCH])


def test_page_showing_another_mrz_rejects_when_configured():
    check = result(names.MRZ_PAGE_VS_CHIP, Verdict.FAILED, Reason.MRZ_MISMATCH)
    strict = PipelineSettings(page_mismatch_decision="reject")
    assert run(with_check(check), policy=strict) == (Decision.REJECT, [Reason.MRZ_MISMATCH])


def test_page_mismatch_is_not_retried_away():
    checks = all_passed(
        **{
            names.MRZ_PAGE_VS_CHIP: result(
                names.MRZ_PAGE_VS_CHIP, Verdict.FAILED, Reason.MRZ_MISMATCH
            ),
            names.FACE_QUALITY_SELFIE: RETRYABLE[6],
        }
    )
    assert run(checks)[0] is Decision.REVIEW


# --- fail closed ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", names.REQUIRED_CHECKS)
def test_missing_required_check_goes_to_review(name):
    checks = [c for c in all_passed() if c.check != name]
    assert run(checks) == (Decision.REVIEW, [Reason.CHECK_MISSING])


def test_no_checks_at_all_is_never_approved():
    assert run([]) == (Decision.REVIEW, [Reason.CHECK_MISSING])


@pytest.mark.parametrize("name", [*names.REQUIRED_CHECKS, "liveness_reflection"])
def test_unknown_verdict_goes_to_review(name):
    odd = CheckResult.model_construct(
        check=name, verdict="maybe", reason=Reason.OK, evidence={}, detail=""
    )
    checks = [c for c in all_passed() if c.check != name] + [odd]
    decision, reasons = run(checks)
    assert decision is Decision.REVIEW
    assert Reason.VERDICT_UNKNOWN in reasons


@pytest.mark.parametrize("verdict", [Verdict.FAILED, Verdict.INCONCLUSIVE, Verdict.NOT_CHECKED])
def test_an_extra_check_that_did_not_pass_blocks_approval(verdict):
    extra = result(CheckName.MRZ_FORMAT, verdict, Reason.INTERNAL_ERROR)  # not required
    assert run([*all_passed(), extra]) == (Decision.REVIEW, [Reason.INTERNAL_ERROR])


@pytest.mark.parametrize("verdict", [Verdict.FAILED, Verdict.INCONCLUSIVE, Verdict.NOT_CHECKED])
def test_a_check_name_this_version_does_not_know_blocks_approval(verdict):
    # CheckResult refuses such a name; a result built around validation must still fail closed
    extra = CheckResult.model_construct(
        check="some_future_check", verdict=verdict, reason=Reason.INTERNAL_ERROR, detail=""
    )
    assert run([*all_passed(), extra]) == (Decision.REVIEW, [Reason.INTERNAL_ERROR])


def test_an_unknown_check_name_is_refused_where_the_result_is_made():
    with pytest.raises(ValidationError):
        result("some_future_check", Verdict.PASSED)


@pytest.mark.parametrize("verdict", [Verdict.FAILED, Verdict.INCONCLUSIVE, Verdict.NOT_CHECKED])
def test_liveness_signals_count_only_through_the_liveness_summary(verdict):
    signal = result("liveness_passive", verdict, Reason.LIVENESS_UNCERTAIN)
    assert run([*all_passed(), signal]) == (Decision.APPROVE, [])
    summary = result(names.LIVENESS, Verdict.INCONCLUSIVE, Reason.LIVENESS_UNCERTAIN)
    assert run([*with_check(summary), signal])[0] is Decision.REVIEW


def test_a_duplicate_failing_result_is_not_hidden_by_a_passing_one():
    failing = result(names.SOD_SIGNATURE, Verdict.FAILED, Reason.SIGNATURE_INVALID)
    assert run([*all_passed(), failing])[0] is Decision.REJECT


# --- invariants over random verdict assignments -------------------------------------------

_verdicts = st.sampled_from(list(Verdict))
_reasons = st.sampled_from(list(Reason))


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(names.REQUIRED_CHECKS), _verdicts, _reasons),
        min_size=0,
        max_size=25,
    ),
    st.integers(min_value=1, max_value=6),
)
def test_policy_invariants(assignments, attempt):
    overrides = {n: CheckResult(check=n, verdict=v, reason=r) for n, v, r in assignments}
    checks = all_passed(**overrides)
    decision, reasons = run(checks, attempt)
    crypto_failed = any(
        c.check in names.CRYPTO_CHECKS and c.verdict is Verdict.FAILED for c in checks
    )
    acceptable = all(
        c.verdict is Verdict.PASSED
        or (c.verdict is Verdict.NOT_PRESENT and c.check in MAY_BE_ABSENT)
        for c in checks
    )
    if crypto_failed:
        assert decision is Decision.REJECT
    assert (decision is Decision.APPROVE) == acceptable
    assert (decision is Decision.APPROVE) == (reasons == [])
    if decision is Decision.REJECT:  # never on biometrics alone
        rejecting = {*names.CRYPTO_CHECKS, *names.DOCUMENT_CHECKS}
        assert any(c.check in rejecting and c.verdict is Verdict.FAILED for c in checks)
    if decision is Decision.RETRY:
        assert attempt < POLICY.retry_budget
