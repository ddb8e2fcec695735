"""Replay defence: perceptual hashes of frames and selfies already seen.

A 64-bit DCT perceptual hash (pHash: 32x32 grey, 2-D DCT, the 8x8 lowest frequencies
without DC, each bit = above the median) survives re-encoding, rescaling and small
brightness changes, so a re-uploaded frame set or selfie is found again even when it
was recompressed. Each fingerprint holds, for up to eight frames spread over the
capture, the hash of the whole frame and of the face crop, and the selfie's face-crop
hash. A frame set counts as seen when at least ``replay_min_share`` of its sampled
frames match one stored session (both hashes within ``replay_max_distance`` bits);
a selfie counts as seen when its hash matches a stored selfie or frame face.

Limitation: a genuine retry in the same room, same pose, minutes later can come close;
the index should be scoped to the same person and a hit reviewed, not silently hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

import cv2
import numpy as np

from leveattest.core.checks import CheckName, CheckResult, Reason
from leveattest.face.detect import Box
from leveattest.face.image import RGBImage
from leveattest.face.liveness.settings import LivenessSettings

CHECK = CheckName.LIVENESS_REPLAY
SAMPLED_FRAMES: Final = 8


def phash(image: RGBImage) -> int:
    """64-bit DCT perceptual hash of an RGB image."""
    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()[1:]
    bits = low > np.median(low)
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return value


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def face_crop(image: RGBImage, box: Box) -> RGBImage:
    height, width = image.shape[:2]
    clipped = box.clipped(width, height)
    if clipped.width < 4 or clipped.height < 4:
        return image
    return image[clipped.top : clipped.bottom, clipped.left : clipped.right]


@dataclass(frozen=True)
class Fingerprint:
    session_id: str
    frame_hashes: tuple[int, ...] = ()
    face_hashes: tuple[int, ...] = ()
    selfie_hash: int | None = None


def fingerprint(
    session_id: str,
    frames: Sequence[RGBImage],
    boxes: Sequence[Box],
    selfie_face: RGBImage | None = None,
) -> Fingerprint:
    """Hashes of up to eight frames (whole and face crop) and of the selfie's face."""
    picks = (
        sorted({int(i) for i in np.linspace(0, len(frames) - 1, SAMPLED_FRAMES)}) if frames else []
    )
    return Fingerprint(
        session_id=session_id,
        frame_hashes=tuple(phash(frames[i]) for i in picks),
        face_hashes=tuple(phash(face_crop(frames[i], boxes[i])) for i in picks) if boxes else (),
        selfie_hash=phash(selfie_face) if selfie_face is not None else None,
    )


@dataclass(frozen=True)
class ReplayMatch:
    session_id: str
    kind: str  # "frames" or "selfie"
    distance: int
    share: float = 1.0


class ReplayIndex(Protocol):
    """Fingerprints of earlier captures (the API gives it a database implementation)."""

    def find(self, print_: Fingerprint, max_distance: int, min_share: float) -> ReplayMatch | None:
        """The closest earlier capture this one repeats, if any."""
        ...

    def add(self, print_: Fingerprint) -> None: ...


@dataclass
class InMemoryReplayIndex:
    """A linear-scan index for tests, the CLI and the benchmark."""

    entries: list[Fingerprint] = field(default_factory=list)

    def add(self, print_: Fingerprint) -> None:
        self.entries.append(print_)

    def find(self, print_: Fingerprint, max_distance: int, min_share: float) -> ReplayMatch | None:
        best: ReplayMatch | None = None
        for entry in self.entries:
            if entry.session_id == print_.session_id:
                continue  # a retried job or a retry attempt is not a replay of itself
            match = _frames_match(print_, entry, max_distance, min_share) or _selfie_match(
                print_, entry, max_distance
            )
            if match and (best is None or match.distance < best.distance):
                best = match
        return best


def _frames_match(
    new: Fingerprint, old: Fingerprint, max_distance: int, min_share: float
) -> ReplayMatch | None:
    if not new.frame_hashes or not old.frame_hashes:
        return None
    hits, closest = 0, 64
    faces_new = new.face_hashes or (None,) * len(new.frame_hashes)
    for frame_hash, face_hash in zip(new.frame_hashes, faces_new, strict=True):
        distance = min(hamming(frame_hash, h) for h in old.frame_hashes)
        face_ok = (
            face_hash is None
            or not old.face_hashes
            or (min(hamming(face_hash, h) for h in old.face_hashes) <= max_distance)
        )
        closest = min(closest, distance)
        if distance <= max_distance and face_ok:
            hits += 1
    share = hits / len(new.frame_hashes)
    if share >= min_share:
        return ReplayMatch(old.session_id, "frames", closest, round(share, 3))
    return None


def _selfie_match(new: Fingerprint, old: Fingerprint, max_distance: int) -> ReplayMatch | None:
    if new.selfie_hash is None:
        return None
    candidates = ([old.selfie_hash] if old.selfie_hash is not None else []) + list(old.face_hashes)
    if not candidates:
        return None
    distance = min(hamming(new.selfie_hash, h) for h in candidates)
    return ReplayMatch(old.session_id, "selfie", distance) if distance <= max_distance else None


def check_replay(
    index: ReplayIndex | None, print_: Fingerprint, settings: LivenessSettings
) -> CheckResult:
    """Look the capture up, then remember it (even a failed capture must not come back)."""
    if index is None:
        return CheckResult.not_checked(CHECK, detail="no replay index configured")
    match = index.find(print_, settings.replay_max_distance, settings.replay_min_share)
    index.add(print_)
    evidence = {
        "max_distance": settings.replay_max_distance,
        "min_share": settings.replay_min_share,
        "hashes": len(print_.frame_hashes) + (print_.selfie_hash is not None),
    }
    if match is None:
        return CheckResult.passed(CHECK, **evidence)
    return CheckResult.failed(
        CHECK,
        Reason.REPLAY_DETECTED,
        f"this {match.kind} was submitted before",
        kind=match.kind,
        distance=match.distance,
        share=match.share,
        # the earlier session's id is ours (not personal data)
        earlier_session=match.session_id,
        **evidence,
    )
