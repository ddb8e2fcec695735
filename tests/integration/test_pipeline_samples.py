"""The whole pipeline on the generated synthetic sample set (tests/samples_fixture.py).

Sessions are built like the phone builds them: chip files, an AA signature over a fresh
random challenge made with the sample's ``aa_key.pem``, the phone photo of the data page,
the selfie, and liveness frames rendered by the phone simulator (``mobile_stub.capture``)
under an issued challenge. The reference date is the samples' ``evaluate_at``.

Negatives map to decisions like this (expected.json's ``expected_result`` is the final
outcome): ``rejected`` → REJECT; ``review`` for a cloned chip (clone detection failed)
→ RETRY on the first attempt (read the chip again), REVIEW once the budget is spent.
``expired_document`` is approvable while ``accept_expired_passport_with_valid_chip`` is on
(expired 2025-07-06, checked 2026-01-01: within the window) and rejected when it is off.
"""

from __future__ import annotations

import io
import json
import random
import secrets
import zlib
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from PIL import Image, ImageEnhance

from leveattest.core.checks import Reason, Verdict
from leveattest.core.clock import FixedClock
from leveattest.core.evidence import MatchDecision, evidence_model, read_evidence
from leveattest.core.settings import PipelineSettings, Settings
from leveattest.emrtd.trust import FileTrustStore
from leveattest.face import FaceEngine
from leveattest.face.liveness.challenge import issue_challenge
from leveattest.face.liveness.replay import InMemoryReplayIndex
from leveattest.face.liveness.verify import LivenessEngine
from leveattest.pipeline import Decision, Pipeline, PipelineOutcome, SessionInputs, names
from leveattest.pipeline.steps.liveness_engine import EngineLivenessVerifier
from leveattest.samples.aa import sign_aa_challenge
from mobile_stub.capture.attacks import simulate_capture
from mobile_stub.capture.render import RenderOptions, encode_frames

REFERENCE = date(2026, 1, 1)
NEGATIVES = [
    "cloned_chip_ec",
    "cloned_chip_rsa",
    "expired_document",
    "expired_dsc",
    "revoked_dsc",
    "swapped_dg2",
    "tampered_dg1",
    "unknown_csca",
]


@pytest.fixture(scope="module")
def samples(generated_samples: Path) -> Path:
    return generated_samples


@pytest.fixture(scope="module")
def trust(samples: Path) -> FileTrustStore:
    pki = samples / "pki"
    return FileTrustStore([pki / "trust", pki / "crl", pki / "link"])


@pytest.fixture(scope="module")
def face_engine() -> FaceEngine:
    engine = FaceEngine(Settings().face)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def liveness_engine(face_engine):
    return LivenessEngine(face_engine)


def make_pipeline(trust, face_engine, liveness_engine, policy: PipelineSettings | None = None):
    settings = Settings(pipeline=policy or PipelineSettings())
    verifier = None
    if liveness_engine is not None:
        verifier = EngineLivenessVerifier(liveness_engine, InMemoryReplayIndex())
    return Pipeline(
        settings=settings,
        trust=trust,
        clock=FixedClock.on(REFERENCE),
        face_engine=face_engine,
        liveness=verifier,
    )


def chip_session(
    folder: Path,
    *,
    selfie: bytes | None = None,
    page: bytes | None = None,
    live_from: bytes | None = None,
    attempt: int = 1,
) -> SessionInputs:
    """A session with ``folder``'s chip (AA signed with its key over a fresh challenge)."""
    chip = {f.stem: f.read_bytes() for f in sorted((folder / "chip").glob("*.bin"))}
    key = load_pem_private_key((folder / "aa_key.pem").read_bytes(), None)
    challenge = secrets.token_bytes(8)
    session_id = f"test-{folder.name}-{attempt}"
    frames: list[tuple[int, bytes]] = []
    liveness_challenge = None
    if live_from is not None:
        # fixed per sample: the simulator's renders are reproducible, the test is not flaky
        seed = zlib.crc32(session_id.encode())
        clock = FixedClock.on(REFERENCE)
        liveness_challenge = issue_challenge(
            session_id, clock=clock, rng=random.Random(seed)
        ).to_dict()
        portrait = np.asarray(Image.open(io.BytesIO(live_from)).convert("RGB"))
        rendered = simulate_capture(
            portrait, liveness_challenge, "genuine", RenderOptions(seed=seed)
        )
        frames = encode_frames(rendered)
    return SessionInputs(
        session_id=session_id,
        chip_files=chip,
        aa_challenge=challenge,
        aa_signature=sign_aa_challenge(key, challenge),
        page_image=page,
        selfie=selfie,
        liveness_frames=frames,
        liveness_challenge=liveness_challenge,
        attempt=attempt,
    )


def person_session(samples: Path, pid: str, **overrides) -> SessionInputs:
    folder = samples / "persons" / pid
    selfie = (folder / "selfie.jpg").read_bytes()
    kwargs = {
        "selfie": selfie,
        "page": (folder / "page_phone.jpg").read_bytes(),
        "live_from": selfie,
    }
    kwargs.update(overrides)
    return chip_session(folder, **kwargs)


def check(outcome: PipelineOutcome, name: str):
    return next(c for c in outcome.checks if c.check == name)


def darker(data: bytes, factor: float) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    ImageEnhance.Brightness(image).enhance(factor).save(out, format="JPEG", quality=92)
    return out.getvalue()


# --- genuine -------------------------------------------------------------------------------


@pytest.mark.parametrize("pid", ["p01", "p02"])  # a TD3 passport (RSA AA), a TD1 card (EC AA)
def test_genuine_person_with_a_genuine_capture_is_approved(
    samples, trust, face_engine, liveness_engine, pid
):
    outcome = make_pipeline(trust, face_engine, liveness_engine).run(person_session(samples, pid))
    assert check(outcome, names.MRZ_PAGE_VS_CHIP).verdict is Verdict.PASSED
    assert check(outcome, names.FACE_SELFIE_CHIP).verdict is Verdict.PASSED
    assert check(outcome, names.ACTIVE_AUTH).verdict is Verdict.PASSED
    assert (outcome.decision, outcome.reasons, outcome.advice) == (Decision.APPROVE, [], [])
    assert outcome.document is not None
    person = json.loads((samples / "persons" / pid / "person.json").read_text())
    assert outcome.document.birth_date.isoformat() == person["birth_date"]
    assert person["document"]["number"] not in outcome.model_dump_json()
    assert_typed_evidence(outcome)


def assert_typed_evidence(outcome: PipelineOutcome) -> None:
    """Every check carries its own evidence model, with no key the model does not declare,
    and reads back from its stored JSON as the same typed evidence."""
    for result in outcome.checks:
        assert type(result.evidence) is evidence_model(result.check), result.check
        assert result.evidence.undeclared == (), (result.check, result.evidence.undeclared)
        stored = json.loads(json.dumps(result.evidence.to_json()))
        assert read_evidence(result.check, stored).unreadable == (), result.check
        assert read_evidence(result.check, stored).to_json() == stored


def test_genuine_person_without_a_liveness_verifier_goes_to_review(samples, trust, face_engine):
    outcome = make_pipeline(trust, face_engine, None).run(person_session(samples, "p03"))
    assert (outcome.decision, outcome.reasons) == (Decision.REVIEW, [Reason.LIVENESS_UNCERTAIN])
    assert check(outcome, names.LIVENESS).evidence.available is False


# --- impostor and wrong page ---------------------------------------------------------------


def test_impostor_selfie_goes_to_review_never_reject(samples, trust, face_engine, liveness_engine):
    impostor = (samples / "persons" / "p04" / "selfie.jpg").read_bytes()  # another identity
    session = person_session(samples, "p01", selfie=impostor, live_from=impostor)
    outcome = make_pipeline(trust, face_engine, liveness_engine).run(session)
    assert outcome.decision is Decision.REVIEW
    assert Reason.FACE_MISMATCH in outcome.reasons
    assert check(outcome, names.FACE_SELFIE_CHIP).verdict is Verdict.FAILED
    assert check(outcome, names.FACE_SELFIE_CHIP).evidence.decision is MatchDecision.NO_MATCH
    assert_typed_evidence(outcome)


def test_page_of_another_person_is_a_mismatch_and_goes_to_review(
    samples, trust, face_engine, liveness_engine
):
    other_page = (samples / "persons" / "p06" / "page_phone.jpg").read_bytes()
    session = person_session(samples, "p01", page=other_page)
    outcome = make_pipeline(trust, face_engine, liveness_engine).run(session)
    mrz = check(outcome, names.MRZ_PAGE_VS_CHIP)
    assert (mrz.verdict, mrz.reason) == (Verdict.FAILED, Reason.MRZ_MISMATCH)
    assert outcome.decision is Decision.REVIEW
    assert Reason.MRZ_MISMATCH in outcome.reasons


# --- capture problems ----------------------------------------------------------------------


def test_too_dark_selfie_asks_for_a_retry_with_advice_then_review(samples, trust, face_engine):
    folder = samples / "persons" / "p01"
    dark = darker((folder / "selfie.jpg").read_bytes(), 0.2)
    pipeline = make_pipeline(trust, face_engine, None)
    first = pipeline.run(person_session(samples, "p01", selfie=dark, live_from=None))
    assert first.decision is Decision.RETRY
    assert first.reasons == [Reason.TOO_DARK]
    assert any("dark" in advice for advice in first.advice)
    budget = PipelineSettings().retry_budget
    last = pipeline.run(person_session(samples, "p01", selfie=dark, live_from=None, attempt=budget))
    assert last.decision is Decision.REVIEW
    assert Reason.RETRY_BUDGET_EXHAUSTED in last.reasons


def test_missing_page_asks_for_the_page(samples, trust, face_engine):
    outcome = make_pipeline(trust, face_engine, None).run(
        person_session(samples, "p05", page=None, live_from=None)
    )
    assert outcome.decision is Decision.RETRY
    assert outcome.reasons == [Reason.INPUT_MISSING]
    assert any("passport page" in advice for advice in outcome.advice)


# --- chip negatives ------------------------------------------------------------------------


def negative_session(samples: Path, name: str, attempt: int = 1) -> SessionInputs:
    folder = samples / "negatives" / name
    expected = json.loads((folder / "expected.json").read_text())
    base = expected.get("base_person")
    if base is None:  # chip-only: the cryptographic verdict does not need the captures
        return chip_session(folder, attempt=attempt)
    person = samples / "persons" / base
    selfie = (person / "selfie.jpg").read_bytes()
    return chip_session(
        folder,
        selfie=selfie,
        page=(person / "page_phone.jpg").read_bytes(),
        live_from=selfie,
        attempt=attempt,
    )


@pytest.mark.parametrize("name", [n for n in NEGATIVES if n != "expired_document"])
def test_chip_negative_gets_its_expected_decision(samples, trust, face_engine, name):
    expected = json.loads((samples / "negatives" / name / "expected.json").read_text())
    pipeline = make_pipeline(trust, face_engine, None)  # the chip decides these
    outcome = pipeline.run(negative_session(samples, name))
    failed = check(outcome, expected["failed_check"])
    assert failed.reason.value == expected["reason"]
    if expected["expected_result"] == "rejected":
        assert outcome.decision is Decision.REJECT
        assert Reason(expected["reason"]) in outcome.reasons
        assert failed.verdict is Verdict.FAILED
    else:
        assert expected["expected_result"] == "review"
        assert (outcome.decision, outcome.reasons) == (Decision.RETRY, [Reason(expected["reason"])])
        assert outcome.advice
        budget = PipelineSettings().retry_budget
        final = pipeline.run(negative_session(samples, name, attempt=budget))
        assert final.decision is Decision.REVIEW
        assert Reason.RETRY_BUDGET_EXHAUSTED in final.reasons


def test_expired_passport_with_valid_chip_is_approvable_within_the_policy_window(
    samples, trust, face_engine, liveness_engine
):
    person = json.loads((samples / "persons" / "p12" / "person.json").read_text())
    assert person["document"]["expiry_date"] == "2025-07-06"  # 179 days before the reference
    outcome = make_pipeline(trust, face_engine, liveness_engine).run(
        negative_session(samples, "expired_document")
    )
    expiry = check(outcome, names.DOCUMENT_EXPIRY)
    assert expiry.verdict is Verdict.PASSED
    assert expiry.evidence.accepted_by_policy is True
    assert outcome.decision is Decision.APPROVE


def test_expired_passport_is_rejected_when_the_policy_is_off(samples, trust, face_engine):
    policy = PipelineSettings(accept_expired_passport_with_valid_chip=False)
    outcome = make_pipeline(trust, face_engine, None, policy).run(
        person_session(samples, "p12", live_from=None)
    )
    assert (outcome.decision, outcome.reasons) == (Decision.REJECT, [Reason.DOCUMENT_EXPIRED])
