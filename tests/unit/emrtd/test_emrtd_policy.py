"""The chip policy, exhaustively: every combination of verdicts for the seven checks."""

from __future__ import annotations

import itertools

from leveattest.core.checks import CheckResult, Reason, Verdict
from leveattest.emrtd.verify import CHECK_NAMES, PASSIVE_CHECKS, ChipResult, decide


def _expected(verdicts: dict[str, Verdict]) -> ChipResult:
    # the rule as written in docs/verification.md, independently of the implementation
    passive = [verdicts[n] for n in PASSIVE_CHECKS]
    if Verdict.FAILED in passive:
        return ChipResult.REJECTED
    if all(v is Verdict.PASSED for v in passive) and verdicts["active_auth"] in (
        Verdict.PASSED,
        Verdict.NOT_PRESENT,
    ):
        return ChipResult.ACCEPTED
    return ChipResult.INCONCLUSIVE


def test_every_verdict_combination_follows_the_policy():
    pool = {
        name: {v: CheckResult(check=name, verdict=v, reason=Reason.OK) for v in Verdict}
        for name in CHECK_NAMES
    }
    count = 0
    for combo in itertools.product(list(Verdict), repeat=len(CHECK_NAMES)):
        verdicts = dict(zip(CHECK_NAMES, combo, strict=True))
        checks = [pool[n][verdicts[n]] for n in CHECK_NAMES]
        assert decide(checks) is _expected(verdicts), verdicts
        count += 1
    assert count == 5**7


def test_failed_signature_is_never_rescued_by_matching_hashes():
    checks = [CheckResult.passed(n) for n in CHECK_NAMES]
    checks[1] = CheckResult.failed("sod_signature", Reason.SIGNATURE_INVALID)
    assert decide(checks) is ChipResult.REJECTED


def test_missing_check_is_inconclusive_never_accepted():
    checks = [CheckResult.passed(n) for n in CHECK_NAMES if n != "revocation"]
    assert decide(checks) is ChipResult.INCONCLUSIVE


def test_unknown_revocation_is_inconclusive():
    checks = [CheckResult.passed(n) for n in CHECK_NAMES]
    checks[5] = CheckResult.inconclusive("revocation", Reason.REVOCATION_UNKNOWN)
    assert decide(checks) is ChipResult.INCONCLUSIVE


def test_aa_failure_is_inconclusive_to_allow_a_retry():
    checks = [CheckResult.passed(n) for n in CHECK_NAMES]
    checks[6] = CheckResult.failed("active_auth", Reason.AA_SIGNATURE_INVALID)
    assert decide(checks) is ChipResult.INCONCLUSIVE
