"""Screen-flash reflection: does the face's colour follow the challenge's colour sequence?

Per frame, the mean RGB of the skin region (centre of the tracked face box) and of the
background (frame border away from the face) are turned into log-chromaticity
(``log(rgb) - mean(log(rgb))``). A screen colour multiplies the light on the face, so
it adds to the face's log-chroma; the background, far from the screen, barely
changes. The face-minus-background difference therefore cancels anything global
(camera white balance, auto-exposure, an injected whole-frame tint) exactly, and
keeps the screen's reflection.

That difference is correlated (Pearson, over all three channels, centred per
channel) with the expected signal ``log-chroma(1 + 0.3 * screen_rgb)`` over the frames
of the colour phase, at lags of -2..+2 frames (display and camera latency). The
gain (regression slope) is reported too: a correlation with almost no amplitude is
not a reflection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from leveattest.core.checks import CheckResult, Reason
from leveattest.face.detect import Box
from leveattest.face.liveness.challenge import PALETTE, LivenessChallenge
from leveattest.face.liveness.frames import Frame
from leveattest.face.liveness.settings import LivenessSettings

CHECK = "liveness_reflection"
EXPECTED_STRENGTH: Final = 0.3
MIN_COLOUR_FRAMES: Final = 8
_REDUCE: Final = 4

Array = npt.NDArray[np.float64]


def _log_chroma(rgb: Array) -> Array:
    logs = np.log(np.maximum(rgb, 1.0))
    return np.asarray(logs - logs.mean(axis=-1, keepdims=True), dtype=np.float64)


def expected_signal(challenge: LivenessChallenge, times: Sequence[float]) -> Array:
    """Expected log-chroma change of a lit face at each time."""
    screens = np.array([PALETTE[challenge.colour_at(t)] for t in times], dtype=np.float64).reshape(
        -1, 3
    )
    return _log_chroma(1.0 + EXPECTED_STRENGTH * screens / 255.0)


def face_background_chroma(frames: Sequence[Frame], boxes: Sequence[Box]) -> Array:
    """Per frame: log-chroma of the skin region minus that of the background."""
    out = np.zeros((len(frames), 3))
    for i, (frame, box) in enumerate(zip(frames, boxes, strict=True)):
        height, width = frame.pixels.shape[:2]
        small = cv2.resize(
            frame.pixels,
            (max(1, width // _REDUCE), max(1, height // _REDUCE)),
            interpolation=cv2.INTER_AREA,
        ).astype(np.float64)
        sh, sw = small.shape[:2]
        left, right = (
            (box.left + 0.22 * box.width) / _REDUCE,
            (box.right - 0.22 * box.width) / _REDUCE,
        )
        top, bottom = (
            (box.top + 0.25 * box.height) / _REDUCE,
            (box.bottom - 0.1 * box.height) / _REDUCE,
        )
        skin = small[
            max(0, int(top)) : max(int(top) + 1, min(sh, int(bottom))),
            max(0, int(left)) : max(int(left) + 1, min(sw, int(right))),
        ]
        mask = np.zeros((sh, sw), dtype=bool)
        border_y, border_x = max(1, sh // 8), max(1, sw // 8)
        mask[:border_y, :] = True
        mask[:, :border_x] = True
        mask[:, sw - border_x :] = True
        cx, cy = (box.left + box.right) / 2 / _REDUCE, (box.top + box.bottom) / 2 / _REDUCE
        half_w, half_h = 1.0 * box.width / _REDUCE, 1.0 * box.height / _REDUCE
        mask[
            max(0, int(cy - half_h)) : max(0, int(cy + 1.6 * half_h)),
            max(0, int(cx - half_w)) : max(0, int(cx + half_w)),
        ] = False
        background = small[mask] if mask.any() else small.reshape(-1, 3)
        face_mean = skin.reshape(-1, 3).mean(axis=0) if skin.size else small.mean(axis=(0, 1))
        out[i] = _log_chroma(face_mean) - _log_chroma(background.mean(axis=0))
    return out


def correlate(observed: Array, expected: Array, max_lag: int) -> tuple[float, int, float]:
    """Best (correlation, lag in frames, gain) of observed[i] against expected[i - lag]."""
    best = (-1.0, 0, 0.0)
    count = len(observed)
    for lag in range(-max_lag, max_lag + 1):
        lo, hi = max(0, lag), min(count, count + lag)
        if hi - lo < MIN_COLOUR_FRAMES:
            continue
        obs = observed[lo:hi] - observed[lo:hi].mean(axis=0)
        exp = expected[lo - lag : hi - lag] - expected[lo - lag : hi - lag].mean(axis=0)
        denom = float(np.sqrt((obs**2).sum() * (exp**2).sum()))
        if denom <= 1e-12:
            continue
        corr = float((obs * exp).sum() / denom)
        if corr > best[0]:
            best = (corr, lag, float((obs * exp).sum() / (exp**2).sum()))
    return best


def check_reflection(
    frames: Sequence[Frame],
    boxes: Sequence[Box],
    challenge: LivenessChallenge,
    settings: LivenessSettings,
) -> CheckResult:
    margin = settings.reflection_max_lag
    # colour-phase frames plus a margin of frames for the lag search
    indices = [i for i, f in enumerate(frames) if f.t_ms < challenge.colours_end_ms]
    if len(indices) < MIN_COLOUR_FRAMES or not boxes:
        return CheckResult.inconclusive(
            CHECK,
            Reason.CHALLENGE_NOT_FOLLOWED,
            "too few frames during the colour sequence",
            colour_frames=len(indices),
        )
    stop = min(len(frames), indices[-1] + 1 + margin)
    chosen = list(range(indices[0], stop))
    observed = face_background_chroma([frames[i] for i in chosen], [boxes[i] for i in chosen])
    expected = expected_signal(challenge, [frames[i].t_ms for i in chosen])
    corr, lag, gain = correlate(observed, expected, margin)
    evidence = {
        "correlation": round(corr, 4),
        "lag_frames": lag,
        "gain": round(gain, 4),
        "colour_frames": len(indices),
        "pass_at": settings.reflection_pass,
        "fail_below": settings.reflection_fail,
        "min_gain": settings.reflection_min_gain,
        "fail_gain": settings.reflection_fail_gain,
    }
    if corr >= settings.reflection_pass and gain >= settings.reflection_min_gain:
        return CheckResult.passed(CHECK, **evidence)
    if corr < settings.reflection_fail or gain < settings.reflection_fail_gain:
        return CheckResult.failed(
            CHECK,
            Reason.CHALLENGE_NOT_FOLLOWED,
            "the face did not reflect the challenge colours",
            **evidence,
        )
    return CheckResult.inconclusive(
        CHECK, Reason.CHALLENGE_NOT_FOLLOWED, "weak reflection of the challenge colours", **evidence
    )
