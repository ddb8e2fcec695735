"""Uploaded liveness frames: decode with bounds, then check count, order and timing.

Timestamps are capture times in milliseconds from the start of the colour sequence
(the challenge's time base). A frame that cannot be decoded, or is too small to hold
a face, fails ``liveness_frames`` with the frame's index; nothing else escapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leveattest.core.checks import CheckName, CheckResult, Reason
from leveattest.core.errors import InputError
from leveattest.core.settings import FaceSettings
from leveattest.face.image import RGBImage, decode_face_image
from leveattest.face.liveness.challenge import LivenessChallenge
from leveattest.face.liveness.settings import LivenessSettings

CHECK = CheckName.LIVENESS_FRAMES
MIN_FRAME_SIDE = 64


@dataclass(frozen=True)
class Frame:
    t_ms: int
    pixels: RGBImage


FrameInput = tuple[int, bytes | RGBImage]


def _decode_settings(cfg: LivenessSettings) -> FaceSettings:
    return FaceSettings(
        max_side=cfg.frame_max_side,
        max_image_pixels=cfg.max_frame_pixels,
        max_image_bytes=cfg.max_frame_bytes,
    )


def _as_array(pixels: RGBImage, max_side: int) -> RGBImage:
    import cv2  # noqa: PLC0415

    array = np.asarray(pixels)
    if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8:
        raise InputError("frame must be an RGB uint8 array", reason="bad_array")
    long_side = max(array.shape[:2])
    if long_side > max_side:
        ratio = max_side / long_side
        size = (max(1, round(array.shape[1] * ratio)), max(1, round(array.shape[0] * ratio)))
        array = np.asarray(cv2.resize(array, size, interpolation=cv2.INTER_AREA), np.uint8)
    return np.ascontiguousarray(array)


def decode_frames(
    items: Sequence[FrameInput], settings: LivenessSettings
) -> tuple[list[Frame], CheckResult | None]:
    """Decoded frames, or a failed ``liveness_frames`` result naming the bad frame."""
    if not settings.min_frames <= len(items) <= settings.max_frames:
        return [], _count_failure(len(items), settings)
    decode_cfg = _decode_settings(settings)
    frames: list[Frame] = []
    for index, (t_ms, data) in enumerate(items):
        try:
            if isinstance(data, bytes | bytearray):
                pixels = decode_face_image(bytes(data), decode_cfg).pixels
            else:
                pixels = _as_array(data, settings.frame_max_side)
        except InputError as error:
            return [], CheckResult.failed(
                CHECK,
                Reason.IMAGE_UNREADABLE,
                "a frame could not be decoded",
                frame=index,
                error=error.code,
            )
        if min(pixels.shape[:2]) < MIN_FRAME_SIDE:
            return [], CheckResult.failed(
                CHECK,
                Reason.IMAGE_UNREADABLE,
                "a frame is too small to hold a face",
                frame=index,
                width=int(pixels.shape[1]),
                height=int(pixels.shape[0]),
                min_side=MIN_FRAME_SIDE,
            )
        frames.append(Frame(int(t_ms), pixels))
    if len({f.pixels.shape for f in frames}) != 1:
        return [], CheckResult.failed(
            CHECK, Reason.IMAGE_UNREADABLE, "frames differ in size", sizes=len(frames)
        )
    return frames, None


def _count_failure(count: int, settings: LivenessSettings) -> CheckResult:
    return CheckResult.failed(
        CHECK,
        Reason.FRAMES_COUNT_INVALID,
        f"expected {settings.min_frames}-{settings.max_frames} frames",
        frames=count,
        min_frames=settings.min_frames,
        max_frames=settings.max_frames,
    )


def check_timing(
    times: Sequence[int], challenge: LivenessChallenge, settings: LivenessSettings
) -> CheckResult:
    """Count, strictly increasing timestamps, plausible frame rate, challenge covered."""
    count = len(times)
    if not settings.min_frames <= count <= settings.max_frames:
        return _count_failure(count, settings)
    steps = np.diff(np.asarray(times, dtype=np.int64))
    if np.any(steps <= 0):
        first_bad = int(np.argmax(steps <= 0)) + 1
        return CheckResult.failed(
            CHECK,
            Reason.FRAMES_OUT_OF_ORDER,
            "timestamps must strictly increase",
            frame=first_bad,
        )
    median_step = float(np.median(steps))
    fps = 1000.0 / median_step
    evidence = {
        "frames": count,
        "fps": round(fps, 2),
        "first_ms": int(times[0]),
        "last_ms": int(times[-1]),
        "max_gap_ms": int(steps.max()),
    }
    if not settings.min_fps <= fps <= settings.max_fps or steps.max() > 3 * max(median_step, 40):
        return CheckResult.failed(
            CHECK,
            Reason.FRAMES_TIMING_IMPLAUSIBLE,
            f"frame rate must be {settings.min_fps:g}-{settings.max_fps:g} fps without long gaps",
            **evidence,
        )
    slack = settings.coverage_slack_ms
    if times[0] < -slack or times[0] > slack or times[-1] < challenge.duration_ms - slack:
        return CheckResult.failed(
            CHECK,
            Reason.FRAMES_INCOMPLETE,
            "frames do not cover the challenge",
            challenge_ms=challenge.duration_ms,
            **evidence,
        )
    if times[-1] > challenge.duration_ms + 2000:
        return CheckResult.failed(
            CHECK,
            Reason.FRAMES_TIMING_IMPLAUSIBLE,
            "frames run far beyond the challenge",
            challenge_ms=challenge.duration_ms,
            **evidence,
        )
    return CheckResult.passed(CHECK, **evidence)
