"""Liveness verification of one capture against its (already consumed) challenge.

:class:`LivenessEngine` owns what is loaded once per worker process (the face engine's
dlib models, the mediapipe face mesh, the passive model) and is not thread-safe, like
:class:`~leveattest.face.FaceEngine`. ``verify`` runs, in order: frame decoding and
timing (``liveness_frames``), face tracking and identity (``liveness_identity``), the
colour reflection (``liveness_reflection``), the active prompt (``liveness_active``),
passive cues (``liveness_passive``) and the replay index (``liveness_replay``), then
:func:`~leveattest.face.liveness.fuse.fuse`. Outcomes are check results; only input we
cannot process at all (none here: bad frames become a failed ``liveness_frames``) or a
missing model raise.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from leveattest.core.checks import CheckResult, Reason
from leveattest.face.analysis import Embedding
from leveattest.face.embed import FaceEngine
from leveattest.face.image import RGBImage
from leveattest.face.liveness.active import CHECK as ACTIVE
from leveattest.face.liveness.active import FaceMeshTracker, check_active
from leveattest.face.liveness.challenge import LivenessChallenge
from leveattest.face.liveness.frames import FrameInput, check_timing, decode_frames
from leveattest.face.liveness.fuse import LivenessResult, fuse
from leveattest.face.liveness.passive import (
    CHECK as PASSIVE,
)
from leveattest.face.liveness.passive import (
    PassiveModel,
    check_passive,
    face_region,
    load_passive_model,
)
from leveattest.face.liveness.passive_input import MIN_FACE_PX, locate_face
from leveattest.face.liveness.reflection import CHECK as REFLECTION
from leveattest.face.liveness.reflection import check_reflection
from leveattest.face.liveness.replay import CHECK as REPLAY
from leveattest.face.liveness.replay import ReplayIndex, check_replay, fingerprint
from leveattest.face.liveness.settings import LivenessSettings
from leveattest.face.liveness.track import CHECK as IDENTITY
from leveattest.face.liveness.track import check_identity, track_face


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 2)


class LivenessEngine:
    """Liveness checks for one worker process (lazy models, not thread-safe)."""

    def __init__(
        self,
        face_engine: FaceEngine | None = None,
        settings: LivenessSettings | None = None,
        *,
        passive_model: PassiveModel | None = None,
    ) -> None:
        self.settings = settings or LivenessSettings()
        self.face = face_engine or FaceEngine()
        self._mesh = FaceMeshTracker()
        self._passive = passive_model

    def warm_up(self) -> None:
        """Load every model now: dlib's, the face mesh and the passive model."""
        _ = self.face.models, self.passive_model
        self._mesh.warm_up()

    @property
    def passive_model(self) -> PassiveModel:
        if self._passive is None:
            self._passive = load_passive_model(self.settings.passive_model)
        return self._passive

    def verify(
        self,
        challenge: LivenessChallenge,
        frames: Sequence[FrameInput],
        *,
        selfie: Embedding | None = None,
        selfie_pixels: RGBImage | None = None,
        replay_index: ReplayIndex | None = None,
    ) -> LivenessResult:
        """Run every liveness check on ``frames`` (timestamp ms, JPEG/PNG bytes or RGB).

        ``selfie`` is the session selfie's embedding (identity); ``selfie_pixels`` its
        image (replay fingerprint). The capture is added to ``replay_index``.
        """
        cfg = self.settings
        timings: dict[str, float] = {}
        start = time.perf_counter()
        timing = check_timing([t for t, _ in frames], challenge, cfg)
        decoded, failure = decode_frames(frames, cfg)
        timings["decode"] = _ms(start)
        if failure is not None:
            return self._early(failure, None, timings)
        if not timing.ok:
            # still remember (and look up) the frames: a replay must not come back re-timed
            print_ = fingerprint(challenge.session_id, [f.pixels for f in decoded], [])
            return self._early(timing, check_replay(replay_index, print_, cfg), timings)
        start = time.perf_counter()
        track = track_face(self.face, decoded, challenge, cfg)
        identity = check_identity(self.face, decoded, track, selfie, cfg)
        timings["identity"] = _ms(start)
        checks = [timing, identity]
        if not track.boxes:
            for name in (REFLECTION, ACTIVE, PASSIVE):
                checks.append(CheckResult.not_checked(name, Reason.NO_FACE, "no face found"))
        else:
            start = time.perf_counter()
            checks.append(check_reflection(decoded, track.boxes, challenge, cfg))
            timings["reflection"] = _ms(start)
            start = time.perf_counter()
            checks.append(check_active(self._mesh, decoded, track.boxes, challenge, cfg))
            timings["active"] = _ms(start)
            start = time.perf_counter()
            picks = sorted(track.detections)[: cfg.passive_frames]
            checks.append(
                check_passive(
                    self.passive_model,
                    [decoded[i].pixels for i in picks],
                    [track.detections[i].box for i in picks],
                )
            )
            timings["passive"] = _ms(start)
        start = time.perf_counter()
        print_ = fingerprint(
            challenge.session_id,
            [f.pixels for f in decoded],
            list(track.boxes),
            self._selfie_face(selfie_pixels),
        )
        checks.append(check_replay(replay_index, print_, cfg))
        timings["replay"] = _ms(start)
        result = fuse(checks)
        timings["total"] = round(sum(timings.values()), 2)
        return LivenessResult(result.label, result.score, result.signals, result.checks, timings)

    def _early(
        self, failure: CheckResult, replay: CheckResult | None, timings: dict[str, float]
    ) -> LivenessResult:
        checks = [failure] + [
            CheckResult.not_checked(name, detail="frames unusable")
            for name in (IDENTITY, REFLECTION, ACTIVE, PASSIVE)
        ]
        checks.append(replay or CheckResult.not_checked(REPLAY, detail="frames unusable"))
        result = fuse(checks)
        return LivenessResult(result.label, result.score, result.signals, result.checks, timings)

    def _selfie_face(self, pixels: RGBImage | None) -> RGBImage | None:
        if pixels is None:
            return None
        from leveattest.face.detect import detect_faces  # noqa: PLC0415

        faces = detect_faces(self.face.models, pixels, self.face.settings.detect_max_side)
        return face_region(pixels, faces[0].box) if faces else pixels

    def passive(self, pixels: RGBImage) -> dict[str, object]:
        """Single-image passive score under the model's input contract.

        ``label`` is ``uncertain`` with a ``reason`` (``no_face``, ``face_too_small``)
        when the model cannot score the image; ``score`` is P(live) otherwise.
        """
        model = self.passive_model
        box = locate_face(self.face.models, pixels, self.face.settings.detect_max_side)
        outcome = model.assess(pixels, box)
        return {
            "score": None if outcome.score is None else round(outcome.score, 4),
            "label": outcome.label,
            "reason": outcome.reason or None,
            "faces": 0 if box is None else 1,
            "face_px": outcome.face_px,
            "min_face_px": MIN_FACE_PX,
            "live_threshold": model.live_threshold,
            "signals": {
                "moire": None if outcome.moire is None else round(outcome.moire, 3),
                "moire_threshold": model.moire_threshold,
            },
            "model_sha256_prefix": model.sha256[:12],
        }

    def close(self) -> None:
        self._mesh.close()
