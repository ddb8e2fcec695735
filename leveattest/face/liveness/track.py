"""Find the face in a few key frames, propagate its box, and check identity.

Speed (40 frames must take well under 0.5 s on one core): HOG detection runs only on
``detect_frames`` key frames (reduced to 320 px), boxes in between are linearly
interpolated, and at most ``identity_frames`` of the key frames are embedded (a dlib
embedding is most of the CPU time of a capture). Key frames are taken before the prompt
window (a turned head is not a frontal face) plus the last frame. The embeddings must
agree with each other (one person throughout) and with the selfie. The first and the
last embedded frame are always embedded; those between only when the first two leave
doubt: some distance (between them, or to the selfie) above ``match_threshold`` minus
``identity_settle_margin``. A capture clearly of the selfie's person at both ends needs
two embeddings; one near the threshold gets all of them, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from leveattest.core.checks import CheckName, CheckResult, Reason
from leveattest.face.analysis import Embedding
from leveattest.face.detect import Box, DetectedFace, detect_faces
from leveattest.face.embed import FaceEngine
from leveattest.face.liveness.challenge import LivenessChallenge
from leveattest.face.liveness.frames import Frame
from leveattest.face.liveness.settings import LivenessSettings
from leveattest.face.match import face_distance

CHECK = CheckName.LIVENESS_IDENTITY
DETECT_MAX_SIDE = 320


@dataclass(frozen=True)
class FaceTrack:
    """A face box for every frame, and the key-frame detections."""

    boxes: tuple[Box, ...]
    detections: dict[int, DetectedFace]
    face_counts: dict[int, int]

    @property
    def found(self) -> bool:
        return bool(self.detections) and all(n == 1 for n in self.face_counts.values())


def key_frames(frames: Sequence[Frame], challenge: LivenessChallenge, count: int) -> list[int]:
    """Indices of frames to detect on: spread over the colour phase, plus the last."""
    before = [i for i, f in enumerate(frames) if f.t_ms < challenge.prompt_start_ms]
    pool = before or list(range(len(frames)))
    picks = np.linspace(0, len(pool) - 1, max(1, count - 1)).round().astype(int)
    chosen = {pool[int(i)] for i in picks}
    chosen.add(len(frames) - 1)
    return sorted(chosen)


def _interpolate(index: int, known: dict[int, Box]) -> Box:
    keys = sorted(known)
    if index <= keys[0]:
        return known[keys[0]]
    if index >= keys[-1]:
        return known[keys[-1]]
    after = next(k for k in keys if k >= index)
    before = max(k for k in keys if k <= index)
    if after == before:
        return known[before]
    w = (index - before) / (after - before)
    a, b = known[before], known[after]
    return Box(
        round(a.left + w * (b.left - a.left)),
        round(a.top + w * (b.top - a.top)),
        round(a.right + w * (b.right - a.right)),
        round(a.bottom + w * (b.bottom - a.bottom)),
    )


def track_face(
    engine: FaceEngine,
    frames: Sequence[Frame],
    challenge: LivenessChallenge,
    settings: LivenessSettings,
) -> FaceTrack:
    detections: dict[int, DetectedFace] = {}
    counts: dict[int, int] = {}
    for index in key_frames(frames, challenge, settings.detect_frames):
        faces = detect_faces(engine.models, frames[index].pixels, DETECT_MAX_SIDE)
        counts[index] = len(faces)
        if faces:
            detections[index] = faces[0]
    if not detections:
        return FaceTrack((), {}, counts)
    known = {i: d.box for i, d in detections.items()}
    boxes = tuple(_interpolate(i, known) for i in range(len(frames)))
    return FaceTrack(boxes, detections, counts)


def check_identity(
    engine: FaceEngine,
    frames: Sequence[Frame],
    track: FaceTrack,
    selfie: Embedding | None,
    settings: LivenessSettings,
) -> CheckResult:
    """One face in the key frames, one identity across them, and the selfie's."""
    missing = sorted(i for i, n in track.face_counts.items() if n == 0)
    several = sorted(i for i, n in track.face_counts.items() if n > 1)
    evidence: dict[str, object] = {
        "key_frames": sorted(track.face_counts),
        "threshold": settings.match_threshold,
    }
    if several:
        return CheckResult.failed(
            CHECK, Reason.MULTIPLE_FACES, "several faces in the frames", frames=several, **evidence
        )
    if missing:
        return CheckResult.failed(
            CHECK, Reason.NO_FACE, "no face in some frames", frames=missing, **evidence
        )
    keys = sorted(track.detections)
    picks = sorted({keys[int(i)] for i in np.linspace(0, len(keys) - 1, settings.identity_frames)})
    # the two ends first (before the colours, after the prompt); the frames between only
    # when those two leave any doubt, i.e. some distance within the margin of the threshold
    order = [*picks[:1], *picks[-1:][len(picks) < 2 :], *picks[1:-1]]
    settled = settings.match_threshold - settings.identity_settle_margin
    embedded: dict[int, Embedding] = {}
    for index in order:
        if len(embedded) >= 2 and _largest_distance(list(embedded.values()), selfie) <= settled:
            break
        embedded[index] = engine.embed(frames[index].pixels, track.detections[index])
    embeddings = [embedded[i] for i in sorted(embedded)]
    within = max((face_distance(a, b) for a, b in combinations(embeddings, 2)), default=0.0)
    evidence |= {
        "embedded_frames": sorted(embedded),
        "max_distance_between_frames": round(within, 4),
    }
    if within > settings.match_threshold:
        return CheckResult.failed(
            CHECK, Reason.FACE_MISMATCH, "the face changes between frames", **evidence
        )
    if selfie is None:
        return CheckResult.passed(CHECK, selfie_compared=False, **evidence)
    to_selfie = max(face_distance(e, selfie) for e in embeddings)
    evidence |= {"selfie_compared": True, "max_distance_to_selfie": round(to_selfie, 4)}
    if to_selfie > settings.match_threshold:
        return CheckResult.failed(
            CHECK, Reason.FACE_MISMATCH, "the frames do not show the selfie's face", **evidence
        )
    return CheckResult.passed(CHECK, **evidence)


def _largest_distance(embeddings: Sequence[Embedding], selfie: Embedding | None) -> float:
    """The largest distance between the embeddings, and from each to the selfie."""
    pairs = list(combinations(embeddings, 2))
    if selfie is not None:
        pairs += [(e, selfie) for e in embeddings]
    return max((face_distance(a, b) for a, b in pairs), default=0.0)
