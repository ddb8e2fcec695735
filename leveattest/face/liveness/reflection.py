"""Screen-flash reflection: does the face's colour follow the challenge's colour sequence?

Per frame, the mean RGB of the skin region (centre of the tracked face box) and of the
background (frame border away from the face) are turned into log-chromaticity
(``log(rgb) - mean(log(rgb))``). A screen colour multiplies the light on the face, so
it adds to the face's log-chroma; the background, far from the screen, barely
changes. The face-minus-background difference therefore cancels anything global
(camera white balance, auto-exposure, an injected whole-frame tint) exactly, and
keeps the screen's reflection.

Two tests, both needed for a pass:

* **Timing** — the difference is correlated (Pearson, over all three channels, centred
  per channel) with the expected signal ``log-chroma(1 + 0.3 * screen_rgb)`` at each
  frame's capture time minus a screen-to-camera latency. The latency is searched in
  milliseconds from the frame timestamps, within what a phone can physically show
  (``reflection_min_latency_ms``..``reflection_max_latency_ms``), never in frames: at
  8 fps two frames are a whole short colour step, and a search that wide accepts the
  issued sequence rotated by one step. The gain (regression slope) is reported too: a
  correlation with almost no amplitude is not a reflection.
* **Order** — at the best latency, each colour step's mean reflected chroma (frames
  inside the step, ``reflection_step_guard_ms`` away from its edges), once a linear
  drift is removed, is classified as the nearest palette colour times the fitted
  gain. The share of steps seen as their own issued colour must reach
  ``reflection_min_step_accuracy``: the same colours in another order, or another
  challenge's sequence, do not. A gain below its noise floor — within
  ``reflection_seen_min_z`` standard errors of zero, as estimated from the capture's
  own residual noise, or below the absolute ``reflection_seen_min_gain`` — means no
  colour is seen at all, so nothing is decided by rounding noise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from leveattest.core.checks import CheckName, CheckResult, Reason
from leveattest.face.detect import Box
from leveattest.face.liveness.challenge import PALETTE, LivenessChallenge
from leveattest.face.liveness.frames import Frame
from leveattest.face.liveness.settings import LivenessSettings

CHECK = CheckName.LIVENESS_REFLECTION
EXPECTED_STRENGTH: Final = 0.3
MIN_COLOUR_FRAMES: Final = 8
LATENCY_STEP_MS: Final = 10
_REDUCE: Final = 4
# a correlation this much better than the best so far moves the latency; exact and
# rounding-level ties keep the earliest latency, on every CPU and BLAS
_CORRELATION_TIE: Final = 1e-9
# share of the expected chroma's energy that must remain once lines in time are
# removed, or the gain cannot be told from drift
_IDENTIFIABLE: Final = 1e-9
# two palette colours whose squared distances differ by less than this share are a tie
_TIE_RTOL: Final = 1e-9

Array = npt.NDArray[np.float64]


def _log_chroma(rgb: Array) -> Array:
    logs = np.log(np.maximum(rgb, 1.0))
    return np.asarray(logs - logs.mean(axis=-1, keepdims=True), dtype=np.float64)


# expected log-chroma change of a face lit by each palette colour (rows in PALETTE order)
_NAMES: Final = tuple(PALETTE)
_EXPECTED: Final = _log_chroma(
    1.0 + EXPECTED_STRENGTH * np.array([PALETTE[n] for n in _NAMES], dtype=np.float64) / 255.0
)


def expected_signal(challenge: LivenessChallenge, times: Sequence[float]) -> Array:
    """Expected log-chroma change of a lit face at each time."""
    return _EXPECTED[[_NAMES.index(challenge.colour_at(t)) for t in times]].reshape(-1, 3)


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


@dataclass(frozen=True)
class Alignment:
    """The best Pearson fit of the observed chroma to the expected one, and its latency."""

    correlation: float
    latency_ms: int
    gain: float


def align(
    observed: Array,
    times: Sequence[float],
    challenge: LivenessChallenge,
    latencies_ms: Sequence[int],
) -> Alignment:
    """Best correlation over the candidate screen-to-camera latencies (ms)."""
    obs = observed - observed.mean(axis=0)
    obs_energy = float((obs**2).sum())
    best = Alignment(-1.0, 0, 0.0)
    for latency in latencies_ms:
        expected = expected_signal(challenge, [t - latency for t in times])
        exp = expected - expected.mean(axis=0)
        exp_energy = float((exp**2).sum())
        if obs_energy * exp_energy <= 1e-24:
            continue
        covariance = float((obs * exp).sum())
        corr = covariance / math.sqrt(obs_energy * exp_energy)
        if corr > best.correlation + _CORRELATION_TIE:
            best = Alignment(corr, latency, covariance / exp_energy)
    return best


def _annihilate(values: Array, seconds: Array) -> Array:
    """``values`` (per column) minus its least-squares line over ``seconds`` (centred)."""
    centred = values - values.mean(axis=0)
    line = np.outer(seconds, seconds @ centred) / float(seconds @ seconds)
    return np.asarray(centred - line, dtype=np.float64)


@dataclass(frozen=True)
class GainFit:
    """The drift-corrected chroma and the gain of the screen's reflection in it.

    ``floor`` is the smallest gain that counts as a reflection: ``min_z`` standard
    errors of the fitted gain (a gain not distinguishable from zero in this capture's
    own residual noise is no reflection), and never below the absolute ``min_gain``
    (a capture with no residual noise at all, e.g. identical frames, has a standard
    error that is itself rounding noise).
    """

    detrended: Array
    gain: float
    standard_error: float
    floor: float

    @property
    def seen(self) -> bool:
        return self.gain >= self.floor


def fit_gain(
    observed: Array, seconds: Array, expected: Array, min_gain: float, min_z: float
) -> GainFit:
    """Observed minus a per-channel linear drift, and the gain, fitted jointly.

    Head and hand motion move the skin region over the light fall-off and the wall's
    gradient: a slow drift of the face-minus-background chroma that, in a bright room,
    is larger than the difference between two neighbouring palette colours.

    The joint least-squares fit (per channel an offset and a slope in time, one gain
    for all channels) is solved in closed form: with every column's line over time
    removed (``_annihilate``), the gain is the plain regression of the remaining
    observed on the remaining expected chroma, and its standard error is the residual
    standard deviation over the remaining expected chroma's norm. The residual has
    ``3n - 7`` degrees of freedom for ``n`` frames.
    """
    seconds = seconds - seconds.mean()
    count = len(seconds)
    dof = 3 * count - 7
    obs_rest, exp_rest = _annihilate(observed, seconds), _annihilate(expected, seconds)
    exp_energy = float((exp_rest**2).sum())
    # the expected chroma is (nearly) a line in time: the gain is not identifiable
    if dof <= 0 or exp_energy <= _IDENTIFIABLE * float((expected**2).sum()):
        return GainFit(observed - observed.mean(axis=0), 0.0, math.inf, math.inf)
    gain = float((obs_rest * exp_rest).sum()) / exp_energy
    residual = obs_rest - gain * exp_rest
    standard_error = math.sqrt(float((residual**2).sum()) / dof / exp_energy)
    without_gain = observed - gain * expected
    drift = without_gain - _annihilate(without_gain, seconds)
    return GainFit(observed - drift, gain, standard_error, max(min_gain, min_z * standard_error))


@dataclass(frozen=True)
class StepReading:
    """(issued, seen) colour of each judged step, and the gain they were read with."""

    steps: list[tuple[str, str]]
    gain: GainFit

    @property
    def correct(self) -> int:
        return sum(1 for issued, seen in self.steps if issued == seen)


def _nearest(predicted: Array, mean: Array) -> str:
    """The palette colour nearest ``mean``, or ``ambiguous`` on a tie within rounding."""
    distances = ((predicted - mean) ** 2).sum(axis=1)
    first, second = np.sort(distances)[:2]
    if second - first <= _TIE_RTOL * second:
        return "ambiguous"
    return _NAMES[int(np.argmin(distances))]


def classify_steps(
    observed: Array,
    times: Sequence[float],
    challenge: LivenessChallenge,
    latency_ms: float,
    settings: LivenessSettings,
) -> StepReading:
    """The issued and seen colour of each step with a frame well inside it, at ``latency_ms``.

    "Seen" is the palette colour whose expected chroma, times the gain, is nearest to
    the step's mean observed chroma once a linear drift is removed; ``none`` for every
    step when the gain is below its noise floor (no colour is seen at all), and
    ``ambiguous`` for a step equally near two colours.
    """
    shown = np.asarray(times, dtype=np.float64) - latency_ms
    seconds = (shown - shown.mean()) / 1000.0
    fit = fit_gain(
        observed,
        seconds,
        expected_signal(challenge, list(shown)),
        settings.reflection_seen_min_gain,
        settings.reflection_seen_min_z,
    )
    if not fit.seen:
        return StepReading([(step.colour, "none") for step in challenge.colours], fit)
    predicted = fit.gain * _EXPECTED
    guard_ms = settings.reflection_step_guard_ms
    out: list[tuple[str, str]] = []
    for step in challenge.colours:
        inside = (shown >= step.start_ms + guard_ms) & (shown < step.end_ms - guard_ms)
        if inside.any():
            out.append((step.colour, _nearest(predicted, fit.detrended[inside].mean(axis=0))))
    return StepReading(out, fit)


def _rounded(value: float) -> float | None:
    return round(value, 4) if math.isfinite(value) else None


def check_reflection(
    frames: Sequence[Frame],
    boxes: Sequence[Box],
    challenge: LivenessChallenge,
    settings: LivenessSettings,
) -> CheckResult:
    lo, hi = settings.reflection_min_latency_ms, settings.reflection_max_latency_ms
    # the colour phase as the camera saw it: frames up to the latest plausible arrival
    chosen = [i for i, f in enumerate(frames) if f.t_ms < challenge.colours_end_ms + hi]
    colour_frames = sum(1 for f in frames if f.t_ms < challenge.colours_end_ms)
    if colour_frames < MIN_COLOUR_FRAMES or not boxes:
        return CheckResult.inconclusive(
            CHECK,
            Reason.CHALLENGE_NOT_FOLLOWED,
            "too few frames during the colour sequence",
            colour_frames=colour_frames,
        )
    times = [float(frames[i].t_ms) for i in chosen]
    observed = face_background_chroma([frames[i] for i in chosen], [boxes[i] for i in chosen])
    fit = align(observed, times, challenge, range(lo, hi + 1, LATENCY_STEP_MS))
    reading = classify_steps(observed, times, challenge, fit.latency_ms, settings)
    steps, correct = reading.steps, reading.correct
    accuracy = correct / len(steps) if steps else 0.0
    enough_steps = len(steps) >= math.ceil(
        settings.reflection_min_step_share * len(challenge.colours)
    )
    evidence = {
        "correlation": round(fit.correlation, 4),
        "latency_ms": fit.latency_ms,
        "gain": round(fit.gain, 4),
        "colour_frames": colour_frames,
        "steps": len(challenge.colours),
        "step_gain": round(reading.gain.gain, 4),
        "step_gain_floor": _rounded(reading.gain.floor),
        "steps_classified": len(steps),
        "steps_correct": correct,
        "step_accuracy": round(accuracy, 4),
        "latency_range_ms": [lo, hi],
        "pass_at": settings.reflection_pass,
        "fail_below": settings.reflection_fail,
        "min_gain": settings.reflection_min_gain,
        "fail_gain": settings.reflection_fail_gain,
        "min_step_accuracy": settings.reflection_min_step_accuracy,
        "fail_step_accuracy": settings.reflection_fail_step_accuracy,
    }
    if (
        fit.correlation >= settings.reflection_pass
        and fit.gain >= settings.reflection_min_gain
        and enough_steps
        and accuracy >= settings.reflection_min_step_accuracy
    ):
        return CheckResult.passed(CHECK, **evidence)
    if (
        fit.correlation < settings.reflection_fail
        or fit.gain < settings.reflection_fail_gain
        or (enough_steps and accuracy < settings.reflection_fail_step_accuracy)
    ):
        return CheckResult.failed(
            CHECK,
            Reason.CHALLENGE_NOT_FOLLOWED,
            "the face did not reflect the challenge colours in their order",
            **evidence,
        )
    return CheckResult.inconclusive(
        CHECK, Reason.CHALLENGE_NOT_FOLLOWED, "weak reflection of the challenge colours", **evidence
    )
