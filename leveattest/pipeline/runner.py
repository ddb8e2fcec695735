"""``Pipeline.run``: chip → MRZ page vs chip → document policy → faces → liveness → decide.

Every step returns check results; the policy (:func:`leveattest.pipeline.policy.decide`)
makes the decision. A bad document never raises: only a failure to process does
(``TrustStoreError`` without trust anchors, ``ModelError`` without face models).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from leveattest.core.checks import CheckResult, Verdict
from leveattest.core.clock import Clock
from leveattest.core.errors import TrustStoreError
from leveattest.core.keys import KeyPurpose, derive_key
from leveattest.core.logging import fingerprint, get_logger
from leveattest.core.settings import Settings
from leveattest.emrtd.trust import TrustStore
from leveattest.face import FaceAnalysis, FaceEngine, process_engine
from leveattest.pipeline.advice import advise
from leveattest.pipeline.inputs import SessionInputs
from leveattest.pipeline.names import CRYPTO_CHECKS, FACE_PAIRS, FACE_QUALITY, LIVENESS
from leveattest.pipeline.outcome import DocumentFacts, PipelineOutcome
from leveattest.pipeline.policy import decide
from leveattest.pipeline.ports import LivenessVerifier
from leveattest.pipeline.steps.chip import run_chip_step
from leveattest.pipeline.steps.document import check_document, document_facts
from leveattest.pipeline.steps.faces import check_faces
from leveattest.pipeline.steps.liveness import check_liveness
from leveattest.pipeline.steps.mrz import check_page_mrz

T = TypeVar("T")
log = get_logger("leveattest.pipeline")


class Pipeline:
    """The verification pipeline of one worker process (holds the face engine)."""

    def __init__(
        self,
        *,
        settings: Settings,
        trust: TrustStore,
        clock: Clock,
        face_engine: FaceEngine | None = None,
        liveness: LivenessVerifier | None = None,
    ) -> None:
        self.settings = settings
        self.trust = trust
        self.clock = clock
        self._face_engine = face_engine
        # None: liveness cannot be verified here, and every session goes to review
        self.liveness = liveness
        # keyed fingerprints of document numbers, derived from the master key
        self._fingerprint_key = derive_key(
            settings.security.master_key.get_secret_value(),
            KeyPurpose.DOCUMENT_NUMBER_FINGERPRINT,
        )

    @property
    def face_engine(self) -> FaceEngine:
        if self._face_engine is None:
            self._face_engine = process_engine(self.settings.face)
        return self._face_engine

    def warm_up(self) -> None:
        """Load and check every model before the first job (``worker.ready``), so that a
        worker never holds a job while it loads, and a missing model shows at start."""
        _ = self.face_engine.models
        warm = getattr(self.liveness, "warm_up", None)
        if callable(warm):
            warm()

    def run(self, inputs: SessionInputs) -> PipelineOutcome:
        if self.trust.anchor_count == 0:
            raise TrustStoreError("no trust anchors configured")
        timings: dict[str, float] = {}

        def timed(step: str, fn: Callable[[], T]) -> T:
            start = time.perf_counter()
            try:
                return fn()
            finally:
                timings[step] = round((time.perf_counter() - start) * 1000.0, 2)

        total = time.perf_counter()
        at = self.clock.now()
        chip = timed(
            "chip", lambda: run_chip_step(inputs, self.trust, at=at, settings=self.settings)
        )
        checks: list[CheckResult] = list(chip.checks)
        mrz = chip.dg1.mrz if chip.dg1 is not None and chip.dg1.mrz is not None else None
        authentic_dg1 = chip.dg1 if mrz is not None and mrz.valid else None
        checks.append(
            timed(
                "mrz",
                lambda: check_page_mrz(
                    inputs.page_image, authentic_dg1, settings=self.settings.mrz
                ),
            )
        )
        checks.extend(
            check_document(
                mrz if authentic_dg1 is not None else None,
                chip.result,
                today=at.date(),
                settings=self.settings.pipeline,
            )
        )
        if any(c.check in CRYPTO_CHECKS and c.verdict is Verdict.FAILED for c in chip.checks):
            # the document is shown forged or revoked: no biometric processing at all
            checks.extend(
                CheckResult.not_checked(name, detail="chip verification failed")
                for name in (*FACE_PAIRS, *FACE_QUALITY, LIVENESS)
            )
        else:
            checks.extend(self._biometrics(inputs, chip.portrait, timed))
        decision, reasons = decide(checks, attempt=inputs.attempt, settings=self.settings.pipeline)
        document: DocumentFacts | None = None
        if authentic_dg1 is not None and mrz is not None:
            document = document_facts(mrz, fingerprint_key=self._fingerprint_key)
        timings["total"] = round((time.perf_counter() - total) * 1000.0, 2)
        # the session's fingerprint, codes and timings only: never document data, images,
        # names or the raw session id (as every other log line of a session)
        log.info(
            "pipeline.decided",
            session=fingerprint(inputs.session_id),
            attempt=inputs.attempt,
            decision=decision.value,
            reasons=[r.value for r in reasons],
            timings_ms=timings,
        )
        return PipelineOutcome(
            decision=decision,
            reasons=reasons,
            advice=advise(decision, reasons, checks),
            checks=checks,
            document=document,
            timings_ms=timings,
        )

    def _biometrics(
        self,
        inputs: SessionInputs,
        chip_portrait: bytes | None,
        timed: Callable[[str, Callable[[], list[CheckResult]]], list[CheckResult]],
    ) -> list[CheckResult]:
        """Faces (selfie vs chip portrait, page consistency), then liveness."""
        selfie: list[FaceAnalysis | None] = [None]

        def faces() -> list[CheckResult]:
            step = check_faces(
                self.face_engine,
                selfie=inputs.selfie,
                chip_portrait=chip_portrait,
                page=inputs.page_image,
            )
            selfie[0] = step.selfie
            return step.checks

        results = timed("faces", faces)
        embedding = selfie[0].embedding if selfie[0] is not None else None
        results.extend(
            timed(
                "liveness",
                lambda: check_liveness(self.liveness, inputs, selfie_embedding=embedding),
            )
        )
        return results
