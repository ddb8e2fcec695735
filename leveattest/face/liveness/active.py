"""The active prompt: did the head turn the asked way, or the eyes blink, in the window?

Landmarks come from the mediapipe face mesh (0.10.21 ships the model; Apache-2.0), run
in video mode on a crop around the tracked face box: a few milliseconds per frame.
Only the frames just before the window (the baseline) and inside it are processed, and
the window only until the verdict is settled: once half its frames have landmarks and
one of them shows the prompt, the rest cannot change the pass (evidence such as the
turn the other way then covers the frames seen so far).

* Head turn: the nose tip's offset from the eye-corner midpoint along the eye line, as
  a fraction of the eye-corner distance. ``turn_left`` (the person's own left) moves
  the nose towards the image's right (+x) with an unmirrored front camera. Passed
  when the offset moves the asked way by ``turn_min_offset`` from the baseline.
* Blink: the eye aspect ratio (as in :mod:`leveattest.face.eyes`) drops to at most
  ``blink_max_ratio`` of its baseline median.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator, Sequence
from typing import Any, Final

import cv2
import numpy as np

from leveattest.core.checks import CheckName, CheckResult, Reason
from leveattest.face.detect import Box
from leveattest.face.eyes import eye_openness
from leveattest.face.liveness.challenge import LivenessChallenge, Prompt
from leveattest.face.liveness.frames import Frame
from leveattest.face.liveness.settings import LivenessSettings

CHECK = CheckName.LIVENESS_ACTIVE
_NOSE_TIP: Final = 1
_EYE_OUTER: Final = (33, 263)
_CROP_SIDE: Final = 192
_MARGIN: Final = 0.35
# on the 192 px crop an eye is ~28 px wide: an eye aspect ratio below 0.05 is an eyelid
# opening of about a pixel, against which no blink can be measured
_MIN_BASELINE_EAR: Final = 0.05
# eye corners closer than this (px) give no eye line to measure a turn along
_MIN_EYE_SPAN_PX: Final = 1.0
_BASELINE_FRAMES: Final = 4


class FaceMeshTracker:
    """mediapipe face mesh in video mode; one per worker process, created lazily."""

    def __init__(self) -> None:
        self._mesh: Any = None

    def _load(self) -> Any:
        if self._mesh is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", UserWarning)
                import mediapipe as mp  # noqa: PLC0415

                self._mesh = mp.solutions.face_mesh.FaceMesh(
                    static_image_mode=False,
                    max_num_faces=1,
                    refine_landmarks=False,
                    min_detection_confidence=0.3,
                    min_tracking_confidence=0.3,
                )
        return self._mesh

    def warm_up(self) -> None:
        """Load the face mesh now (a worker does this before it takes work)."""
        self._load()

    def measure(
        self, frames: Sequence[Frame], boxes: Sequence[Box]
    ) -> list[tuple[float, float] | None]:
        """(nose offset, eye aspect ratio) per frame, None where no mesh was found."""
        return list(self.iter_measures(frames, boxes))

    def iter_measures(
        self, frames: Sequence[Frame], boxes: Sequence[Box]
    ) -> Iterator[tuple[float, float] | None]:
        """:meth:`measure` one frame at a time (stop early by not asking for more)."""
        mesh = self._load()
        mesh.reset()
        for frame, box in zip(frames, boxes, strict=True):
            crop = _crop(frame.pixels, box)
            if crop is None:
                yield None
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                result = mesh.process(crop)
            faces = getattr(result, "multi_face_landmarks", None)
            yield _measures(faces[0].landmark, crop.shape[1], crop.shape[0]) if faces else None

    def close(self) -> None:
        if self._mesh is not None:
            self._mesh.close()
            self._mesh = None


def _crop(image: np.ndarray[Any, Any], box: Box) -> np.ndarray[Any, Any] | None:
    height, width = image.shape[:2]
    side = max(box.width, box.height) * (1 + 2 * _MARGIN)
    cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2
    crop_box = Box(
        round(cx - side / 2), round(cy - side / 2), round(cx + side / 2), round(cy + side / 2)
    ).clipped(width, height)
    if crop_box.width < 16 or crop_box.height < 16:
        return None
    crop = image[crop_box.top : crop_box.bottom, crop_box.left : crop_box.right]
    ratio = _CROP_SIDE / max(crop.shape[:2])
    size = (max(1, round(crop.shape[1] * ratio)), max(1, round(crop.shape[0] * ratio)))
    return np.ascontiguousarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA))


def _measures(marks: Any, width: int, height: int) -> tuple[float, float] | None:
    def point(i: int) -> tuple[float, float]:
        return marks[i].x * width, marks[i].y * height

    (ax, ay), (bx, by) = point(_EYE_OUTER[0]), point(_EYE_OUTER[1])
    if ax > bx:
        (ax, ay), (bx, by) = (bx, by), (ax, ay)
    ex, ey = bx - ax, by - ay
    span = math.hypot(ex, ey)
    if span < _MIN_EYE_SPAN_PX:
        return None
    nx, ny = point(_NOSE_TIP)
    offset = ((nx - (ax + bx) / 2) * ex + (ny - (ay + by) / 2) * ey) / (span * span)
    return offset, eye_openness(point)


def _blink_ratio(baseline: float, openness: float) -> float:
    """Eye openness over its baseline; 1.0 (no blink) when the baseline is too small to
    measure a blink against."""
    return openness / baseline if baseline >= _MIN_BASELINE_EAR else 1.0


def _shows_prompt(
    prompt: Prompt,
    base: Sequence[tuple[float, float]],
    value: tuple[float, float],
    settings: LivenessSettings,
) -> bool:
    """Whether one frame in the window already shows the prompt against the baseline."""
    if prompt is Prompt.BLINK:
        baseline = float(np.median([v[1] for v in base]))
        return _blink_ratio(baseline, value[1]) <= settings.blink_max_ratio
    sign = 1.0 if prompt is Prompt.TURN_LEFT else -1.0
    baseline = float(np.median([v[0] for v in base]))
    return sign * (value[0] - baseline) >= settings.turn_min_offset


def check_active(
    tracker: FaceMeshTracker,
    frames: Sequence[Frame],
    boxes: Sequence[Box],
    challenge: LivenessChallenge,
    settings: LivenessSettings,
) -> CheckResult:
    window = [
        i
        for i, f in enumerate(frames)
        if challenge.prompt_start_ms <= f.t_ms <= challenge.prompt_end_ms
    ]
    before = [i for i, f in enumerate(frames) if f.t_ms < challenge.prompt_start_ms]
    baseline_idx = before[-_BASELINE_FRAMES:]
    evidence: dict[str, Any] = {"prompt": challenge.prompt.value, "window_frames": len(window)}
    if len(window) < 3 or len(baseline_idx) < 2 or not boxes:
        return CheckResult.inconclusive(
            CHECK, Reason.CHALLENGE_NOT_FOLLOWED, "too few frames around the prompt", **evidence
        )
    indices = baseline_idx + window
    measures = tracker.iter_measures([frames[i] for i in indices], [boxes[i] for i in indices])
    base = [v for v in itertools.islice(measures, len(baseline_idx)) if v is not None]
    inside: list[tuple[float, float]] = []
    needed = max(2, len(window) // 2)
    shown = False
    for value in measures if len(base) >= 2 else ():
        if value is not None:
            inside.append(value)
            shown = shown or _shows_prompt(challenge.prompt, base, value, settings)
        # the verdict cannot change any more: enough landmarks and the prompt was shown
        if shown and len(inside) >= needed:
            break
    evidence["mesh_frames"] = len(base) + len(inside)
    if len(base) < 2 or len(inside) < needed:
        return CheckResult.inconclusive(
            CHECK, Reason.CHALLENGE_NOT_FOLLOWED, "face landmarks not found", **evidence
        )
    if challenge.prompt is Prompt.BLINK:
        baseline = float(np.median([v[1] for v in base]))
        lowest = min(v[1] for v in inside)
        ratio = _blink_ratio(baseline, lowest)
        evidence |= {
            "baseline_eye_openness": round(baseline, 4),
            "min_eye_openness": round(lowest, 4),
            "ratio": round(ratio, 4),
            "max_ratio": settings.blink_max_ratio,
        }
        if ratio <= settings.blink_max_ratio:
            return CheckResult.passed(CHECK, **evidence)
        return CheckResult.failed(
            CHECK, Reason.CHALLENGE_NOT_FOLLOWED, "no blink in the prompt window", **evidence
        )
    baseline = float(np.median([v[0] for v in base]))
    sign = 1.0 if challenge.prompt is Prompt.TURN_LEFT else -1.0
    moves = [sign * (v[0] - baseline) for v in inside]
    asked, opposite = max(moves), -min(moves)
    evidence |= {
        "baseline_offset": round(baseline, 4),
        "turn_asked_way": round(asked, 4),
        "turn_other_way": round(opposite, 4),
        "min_offset": settings.turn_min_offset,
    }
    if asked >= settings.turn_min_offset:
        return CheckResult.passed(CHECK, **evidence)
    detail = (
        "the head turned the other way"
        if opposite >= settings.turn_min_offset
        else "no head turn in the prompt window"
    )
    return CheckResult.failed(CHECK, Reason.CHALLENGE_NOT_FOLLOWED, detail, **evidence)
