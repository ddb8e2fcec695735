"""Steps and advice without models or sample files: document policy, chip input handling,
liveness summaries, advice, and the runner's error contract."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leveattest.core.checks import CheckResult, Reason, Verdict
from leveattest.core.clock import FixedClock
from leveattest.core.errors import TrustStoreError
from leveattest.core.settings import PipelineSettings, Settings
from leveattest.emrtd.verify import CHECK_NAMES, ChipResult
from leveattest.face.liveness.fuse import LivenessLabel, LivenessResult
from leveattest.mrz.model import MRZFormat, MRZResult
from leveattest.pipeline import Decision, Pipeline, SessionInputs, names
from leveattest.pipeline.advice import advise
from leveattest.pipeline.steps.chip import run_chip_step
from leveattest.pipeline.steps.document import check_document, document_facts
from leveattest.pipeline.steps.liveness import check_liveness, summarise
from leveattest.pipeline.steps.liveness_engine import EngineLivenessVerifier, summary
from leveattest.sessions.decision import identity_of

TODAY = date(2026, 1, 1)
AT = datetime(2026, 1, 1, 12, tzinfo=UTC)


def mrz(document_type: str = "P", expiry: date | None = date(2030, 1, 1), state: str = "NOR"):
    return MRZResult(
        format=MRZFormat.TD3,
        document_type=document_type,
        issuing_state=state,
        surname="TESTER",
        given_names="ANNA",
        document_number="AB1234567",
        nationality=state,
        birth_date=date(1950, 5, 5),
        sex="F",
        expiry_date=expiry,
    )


def by_name(results):
    return {r.check: r for r in results}


# --- document policy -----------------------------------------------------------------------


def test_valid_passport_passes_every_document_check():
    results = check_document(mrz(), ChipResult.ACCEPTED, today=TODAY, settings=PipelineSettings())
    assert [r.check for r in results] == list(names.DOCUMENT_CHECKS)
    assert all(r.verdict is Verdict.PASSED for r in results)


def test_passport_valid_on_its_expiry_day_is_not_expired():
    results = check_document(
        mrz(expiry=TODAY), ChipResult.ACCEPTED, today=TODAY, settings=PipelineSettings()
    )
    assert by_name(results)[names.DOCUMENT_EXPIRY].evidence.expired is False


def test_expired_passport_with_verified_chip_is_accepted_within_the_window():
    expired = mrz(expiry=date(2025, 7, 6))
    result = by_name(
        check_document(expired, ChipResult.ACCEPTED, today=TODAY, settings=PipelineSettings())
    )[names.DOCUMENT_EXPIRY]
    assert result.verdict is Verdict.PASSED
    assert result.evidence.accepted_by_policy is True
    assert result.evidence.days_since_expiry == 179


def test_expired_passport_is_rejected_when_the_policy_is_off():
    policy = PipelineSettings(accept_expired_passport_with_valid_chip=False)
    result = by_name(
        check_document(
            mrz(expiry=date(2025, 7, 6)), ChipResult.ACCEPTED, today=TODAY, settings=policy
        )
    )[names.DOCUMENT_EXPIRY]
    assert (result.verdict, result.reason) == (Verdict.FAILED, Reason.DOCUMENT_EXPIRED)


def test_passport_expired_longer_than_the_window_fails():
    policy = PipelineSettings(max_days_since_expiry=100)
    result = by_name(
        check_document(
            mrz(expiry=date(2025, 7, 6)), ChipResult.ACCEPTED, today=TODAY, settings=policy
        )
    )[names.DOCUMENT_EXPIRY]
    assert (result.verdict, result.reason) == (Verdict.FAILED, Reason.DOCUMENT_EXPIRED)


def test_expired_passport_with_an_unverified_chip_is_inconclusive():
    result = by_name(
        check_document(
            mrz(expiry=date(2025, 7, 6)),
            ChipResult.INCONCLUSIVE,
            today=TODAY,
            settings=PipelineSettings(),
        )
    )[names.DOCUMENT_EXPIRY]
    assert (result.verdict, result.reason) == (Verdict.INCONCLUSIVE, Reason.DOCUMENT_EXPIRED)


def test_expired_identity_card_is_not_covered_by_the_passport_exception():
    card = mrz(document_type="ID", expiry=date(2025, 7, 6))
    result = by_name(
        check_document(card, ChipResult.ACCEPTED, today=TODAY, settings=PipelineSettings())
    )[names.DOCUMENT_EXPIRY]
    assert result.reason is Reason.DOCUMENT_EXPIRED


def test_document_type_and_issuing_state_follow_the_settings():
    policy = PipelineSettings(accepted_document_types=["P"], accepted_issuing_states=["SWE"])
    results = by_name(
        check_document(mrz(document_type="ID"), ChipResult.ACCEPTED, today=TODAY, settings=policy)
    )
    assert results[names.DOCUMENT_TYPE].reason is Reason.DOCUMENT_TYPE_NOT_ACCEPTED
    assert results[names.DOCUMENT_ISSUING_STATE].reason is Reason.ISSUING_STATE_NOT_ACCEPTED


def test_without_authenticated_dg1_the_document_checks_are_not_checked():
    results = check_document(None, None, today=TODAY, settings=PipelineSettings())
    assert {r.verdict for r in results} == {Verdict.NOT_CHECKED}


def test_document_facts_keep_only_a_keyed_fingerprint_of_the_number():
    facts = document_facts(mrz(), fingerprint_key=b"k" * 32)
    # without a national id on the chip, the number is how the register knows the person
    assert facts.foreign_id == "AB1234567"
    assert "AB1234567" not in facts.model_dump_json(exclude={"foreign_id"})
    assert len(facts.document_number_fp) == 16
    # not a plain hash that could be reversed by trying every document number
    assert facts.document_number_fp != hashlib.sha256(b"AB1234567").hexdigest()[:16]
    other_key = document_facts(mrz(), fingerprint_key=b"j" * 32)
    assert other_key.document_number_fp != facts.document_number_fp
    assert (facts.issuing_state, facts.birth_date) == ("NOR", date(1950, 5, 5))


# --- chip input handling -------------------------------------------------------------------


class _Trust:
    anchor_count = 1

    def issuer_candidates(self, cert):
        return []

    def crls_for(self, issuer):
        return []


def test_missing_sod_is_a_retryable_chip_read_failure_not_an_exception():
    step = run_chip_step(
        SessionInputs("s", chip_files={"DG1": b"x"}), _Trust(), at=AT, settings=Settings()
    )
    results = by_name(step.checks)
    assert (results[names.CHIP_READ].verdict, results[names.CHIP_READ].reason) == (
        Verdict.FAILED,
        Reason.INPUT_MISSING,
    )
    assert all(results[n].verdict is Verdict.NOT_CHECKED for n in CHECK_NAMES)
    assert step.dg1 is None


def test_unknown_chip_file_name_is_refused():
    files = {"EF_SOD": b"\x77\x00", "DG99": b""}
    step = run_chip_step(SessionInputs("s", chip_files=files), _Trust(), at=AT, settings=Settings())
    assert by_name(step.checks)[names.CHIP_READ].reason is Reason.DATA_GROUP_MALFORMED


def test_garbage_sod_fails_parsing_and_nothing_later_is_trusted():
    files = {"EF_SOD": b"\x30\x03abc", "DG1": b"\x61\x00"}
    step = run_chip_step(SessionInputs("s", chip_files=files), _Trust(), at=AT, settings=Settings())
    results = by_name(step.checks)
    assert results[names.SOD_PARSE].verdict is Verdict.FAILED
    assert results[names.DG1_PARSE].verdict is Verdict.NOT_CHECKED
    assert step.portrait is None


# --- liveness ------------------------------------------------------------------------------


def test_without_a_liveness_verifier_the_result_is_inconclusive_never_passed():
    [result] = check_liveness(None, SessionInputs("s"))
    assert (result.check, result.verdict, result.reason) == (
        names.LIVENESS,
        Verdict.INCONCLUSIVE,
        Reason.LIVENESS_UNCERTAIN,
    )


class _Verifier:
    def __init__(self, results):
        self.results = results

    def check_liveness(
        self, *, session_id, challenge, frames, selfie, selfie_embedding=None, replay_scope=None
    ):
        return self.results


def test_missing_frames_are_a_retryable_absence():
    [result] = check_liveness(_Verifier([]), SessionInputs("s", liveness_challenge={"a": 1}))
    assert (result.verdict, result.reason) == (Verdict.NOT_PRESENT, Reason.INPUT_MISSING)


def test_verifier_details_are_summarised_when_it_gives_no_summary():
    details = [CheckResult.passed("liveness_reflection"), CheckResult.passed("liveness_active")]
    inputs = SessionInputs("s", liveness_challenge={}, liveness_frames=[(0, b"x")])
    results = check_liveness(_Verifier(details), inputs)
    assert results[-1].check == names.LIVENESS
    assert results[-1].verdict is Verdict.PASSED


@pytest.mark.parametrize(
    ("details", "verdict", "reason"),
    [
        ([], Verdict.INCONCLUSIVE, Reason.LIVENESS_UNCERTAIN),
        (
            [CheckResult.not_present("liveness_frames")],
            Verdict.INCONCLUSIVE,
            Reason.LIVENESS_UNCERTAIN,
        ),
        (
            [CheckResult.failed("liveness_passive", Reason.LIVENESS_SPOOF)],
            Verdict.FAILED,
            Reason.LIVENESS_SPOOF,
        ),
        (
            [
                CheckResult.passed("liveness_frames"),
                CheckResult.inconclusive("liveness_reflection", Reason.CRL_STALE),
            ],
            Verdict.INCONCLUSIVE,
            Reason.CRL_STALE,
        ),
    ],
)
def test_generic_summary_fails_closed(details, verdict, reason):
    result = summarise(details)
    assert (result.verdict, result.reason) == (verdict, reason)


def _engine_result(label, *checks):
    return LivenessResult(label=label, score=0.5, signals={}, checks=tuple(checks))


@pytest.mark.parametrize(
    ("label", "checks", "verdict", "reason"),
    [
        (LivenessLabel.LIVE, [], Verdict.PASSED, Reason.OK),
        (
            LivenessLabel.SPOOF,
            [CheckResult.failed("liveness_reflection", Reason.CHALLENGE_NOT_FOLLOWED)],
            Verdict.FAILED,
            Reason.LIVENESS_SPOOF,
        ),
        (
            LivenessLabel.SPOOF,
            [CheckResult.failed("liveness_active", Reason.CHALLENGE_NOT_FOLLOWED)],
            Verdict.FAILED,
            Reason.CHALLENGE_NOT_FOLLOWED,
        ),
        (
            LivenessLabel.SPOOF,
            [
                CheckResult.failed("liveness_active", Reason.CHALLENGE_NOT_FOLLOWED),
                CheckResult.failed("liveness_replay", Reason.REPLAY_DETECTED),
            ],
            Verdict.FAILED,
            Reason.REPLAY_DETECTED,
        ),
        (
            LivenessLabel.UNCERTAIN,
            [CheckResult.failed("liveness_frames", Reason.FRAMES_OUT_OF_ORDER)],
            Verdict.FAILED,
            Reason.FRAMES_OUT_OF_ORDER,
        ),
        (LivenessLabel.UNCERTAIN, [], Verdict.INCONCLUSIVE, Reason.LIVENESS_UNCERTAIN),
    ],
)
def test_engine_label_becomes_the_liveness_summary(label, checks, verdict, reason):
    result = summary(_engine_result(label, *checks))
    assert (result.check, result.verdict, result.reason) == (names.LIVENESS, verdict, reason)


# --- advice --------------------------------------------------------------------------------


def test_retry_advice_comes_from_the_face_engine_for_a_dark_selfie():
    dark = CheckResult.failed(
        names.FACE_QUALITY_SELFIE,
        Reason.TOO_DARK,
        checks={"luminance": {"status": "failed", "advice": "the photo is too dark — move"}},
    )
    assert advise(Decision.RETRY, [Reason.TOO_DARK], [dark]) == ["The photo is too dark — move."]


def test_retry_advice_for_an_unreadable_page_names_the_page():
    page = CheckResult.inconclusive(names.MRZ_PAGE_VS_CHIP, Reason.MRZ_UNREADABLE)
    [advice] = advise(Decision.RETRY, [Reason.MRZ_UNREADABLE], [page])
    assert "passport page" in advice


@pytest.mark.parametrize("decision", [Decision.REVIEW, Decision.REJECT])
def test_review_and_reject_give_one_plain_sentence(decision):
    assert len(advise(decision, [Reason.FACE_MISMATCH], [])) == 1


def test_approval_needs_no_advice():
    assert advise(Decision.APPROVE, [], []) == []


# --- the runner's error contract -----------------------------------------------------------


def test_empty_trust_store_is_an_error_not_a_verdict():
    class Empty(_Trust):
        anchor_count = 0

    pipeline = Pipeline(settings=Settings(), trust=Empty(), clock=FixedClock.on(TODAY))
    files = {"EF_SOD": b"\x77\x00", "DG1": b"\x61\x00"}
    with pytest.raises(TrustStoreError):
        pipeline.run(SessionInputs("s", chip_files=files))


def test_an_empty_session_asks_to_retry_and_never_raises():
    pipeline = Pipeline(settings=Settings(), trust=_Trust(), clock=FixedClock.on(TODAY))
    outcome = pipeline.run(SessionInputs("s"))
    assert outcome.decision is Decision.RETRY
    assert outcome.document is None
    assert outcome.advice
    assert Reason.INPUT_MISSING in outcome.reasons
    assert outcome.timings_ms["total"] >= 0


def test_an_empty_session_after_the_budget_goes_to_review():
    pipeline = Pipeline(settings=Settings(), trust=_Trust(), clock=FixedClock.on(TODAY))
    outcome = pipeline.run(SessionInputs("s", attempt=3))
    assert outcome.decision is Decision.REVIEW
    assert Reason.RETRY_BUDGET_EXHAUSTED in outcome.reasons


# --- malformed input never escapes as anything but an outcome ------------------------------

_blob = st.one_of(st.none(), st.binary(max_size=64))


@settings(max_examples=60, deadline=None)
@given(
    sod=st.binary(max_size=64),
    dg1=_blob,
    dg2=_blob,
    page=_blob,
    selfie=_blob,
    challenge=st.one_of(st.none(), st.binary(min_size=1, max_size=8)),
    attempt=st.integers(min_value=1, max_value=5),
)
def test_malformed_uploads_give_an_outcome_never_an_exception_nor_an_approval(
    sod, dg1, dg2, page, selfie, challenge, attempt
):
    files = {"EF_SOD": sod, **({"DG1": dg1} if dg1 is not None else {})}
    if dg2 is not None:
        files["DG2"] = dg2
    inputs = SessionInputs(
        "s",
        chip_files=files,
        aa_challenge=challenge,
        aa_signature=b"\x01" * 8 if challenge else None,
        page_image=page,
        selfie=selfie,
        attempt=attempt,
    )
    pipeline = Pipeline(settings=Settings(), trust=_Trust(), clock=FixedClock.on(TODAY))
    outcome = pipeline.run(inputs)
    assert outcome.decision is not Decision.APPROVE
    assert outcome.reasons


def test_a_malformed_liveness_challenge_asks_to_start_the_video_again():
    verifier = EngineLivenessVerifier(engine=None)  # the challenge is refused before any use
    inputs = SessionInputs("s", liveness_challenge={"nonsense": 1}, liveness_frames=[(0, b"x")])
    [result] = check_liveness(verifier, inputs)
    assert (result.verdict, result.reason) == (Verdict.FAILED, Reason.CHALLENGE_INVALID)


def test_a_rejected_chip_stops_all_biometric_processing():
    pipeline = Pipeline(settings=Settings(), trust=_Trust(), clock=FixedClock.on(TODAY))
    files = {"EF_SOD": b"\x30\x03abc", "DG1": b"\x61\x00"}
    outcome = pipeline.run(SessionInputs("s", chip_files=files, selfie=b"not looked at"))
    assert outcome.decision is Decision.REJECT
    skipped = {c.check: c.verdict for c in outcome.checks}
    for name in (*names.FACE_PAIRS, *names.FACE_QUALITY, names.LIVENESS):
        assert skipped[name] is Verdict.NOT_CHECKED
    assert "faces" not in outcome.timings_ms


def test_the_register_identity_of_a_holder_with_and_without_a_national_id():
    swede = document_facts(mrz(state="SWE"), fingerprint_key=b"k" * 32).model_dump(mode="json")
    assert identity_of(swede) == {"foreign_id": "AB1234567", "issuing_state": "SWE"}
    norwegian = {**swede, "issuing_state": "NOR", "national_id": "01015012345"}
    norwegian.update(national_id_kind="fnr", foreign_id=None)
    assert identity_of(norwegian) == {"national_id": "01015012345"}
    assert identity_of({**swede, "foreign_id": None}) is None
