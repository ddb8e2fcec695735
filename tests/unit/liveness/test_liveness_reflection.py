"""The reflection engine on synthetic chroma: latency in ms within bounds, colour order."""

from __future__ import annotations

import numpy as np
import pytest
from liveness_helpers import make_challenge, rotated, shuffled

from leveattest.face.liveness.reflection import (
    _EXPECTED,
    _NAMES,
    _nearest,
    align,
    classify_steps,
    expected_signal,
)
from leveattest.face.liveness.settings import LivenessSettings

SETTINGS = LivenessSettings()
LATENCIES = range(SETTINGS.reflection_min_latency_ms, SETTINGS.reflection_max_latency_ms + 1, 10)


def _observed(shown, times, latency_ms, gain=0.25, drift=0.02, noise=0.002, seed=0):
    """Face-minus-background chroma of a face lit by ``shown``: offset, drift, noise."""
    rng = np.random.default_rng(seed)
    seconds = np.asarray(times) / 1000.0
    signal = expected_signal(shown, [t - latency_ms for t in times])
    return (
        np.array([0.5, -0.35, -0.15])
        + drift * np.outer(seconds, [1.0, -0.4, -0.6])
        + gain * signal
        + rng.normal(0, noise, signal.shape)
    )


def _times(challenge, fps=8.5, seed=0):
    rng = np.random.default_rng(seed)
    step = 1000 / fps
    count = int((challenge.colours_end_ms + SETTINGS.reflection_max_latency_ms) / step)
    return [round(i * step + rng.uniform(-10, 10)) for i in range(count)]


@pytest.mark.parametrize("latency", [0, 40, 110, 150])
def test_latency_is_found_in_ms_and_every_step_is_seen(clock, latency):
    challenge = make_challenge(clock, 21)
    times = _times(challenge)
    observed = _observed(challenge, times, latency)
    fit = align(observed, times, challenge, LATENCIES)
    assert fit.correlation > 0.9
    # at 8.5 fps the frames sample the step edges every ~118 ms
    assert abs(fit.latency_ms - latency) <= 60
    steps = classify_steps(observed, times, challenge, fit.latency_ms, SETTINGS).steps
    assert len(steps) == len(challenge.colours)
    assert all(issued == seen for issued, seen in steps)


def test_a_bright_room_with_drift_larger_than_the_signal_still_reads_every_step(clock):
    challenge = make_challenge(clock, 22)
    times = _times(challenge, fps=12.0)
    observed = _observed(challenge, times, 30, gain=0.06, drift=0.03, noise=0.003)
    fit = align(observed, times, challenge, LATENCIES)
    steps = classify_steps(observed, times, challenge, fit.latency_ms, SETTINGS).steps
    assert all(issued == seen for issued, seen in steps)


@pytest.mark.parametrize("k", [1, -1, 2])
def test_a_rotated_sequence_is_not_reachable_within_the_latency_bounds(clock, k):
    challenge = make_challenge(clock, 23)
    times = _times(challenge)
    observed = _observed(rotated(challenge, k), times, 40)
    fit = align(observed, times, challenge, LATENCIES)
    steps = classify_steps(observed, times, challenge, fit.latency_ms, SETTINGS).steps
    accuracy = sum(issued == seen for issued, seen in steps) / len(steps)
    assert fit.correlation < SETTINGS.reflection_pass or accuracy < 0.5
    assert accuracy < SETTINGS.reflection_min_step_accuracy


def test_shuffled_colours_are_seen_as_the_wrong_colours(clock):
    challenge = make_challenge(clock, 24)
    times = _times(challenge)
    observed = _observed(shuffled(challenge, 24), times, 40)
    fit = align(observed, times, challenge, LATENCIES)
    steps = classify_steps(observed, times, challenge, fit.latency_ms, SETTINGS).steps
    assert sum(issued == seen for issued, seen in steps) / len(steps) < 0.5


def test_no_gain_means_no_step_is_seen(clock):
    challenge = make_challenge(clock, 25)
    times = _times(challenge)
    flat = np.zeros((len(times), 3)) + np.array([0.5, -0.35, -0.15])
    reading = classify_steps(flat, times, challenge, 40, SETTINGS)
    assert not reading.gain.seen
    assert all(seen == "none" for _, seen in reading.steps)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_gain_of_rounding_size_is_not_a_reflection(clock, sign):
    # what one BLAS kernel or another leaves of "no reflection": a gain of ~1e-16
    challenge = make_challenge(clock, 25)
    times = _times(challenge)
    signal = expected_signal(challenge, [t - 40 for t in times])
    observed = np.array([0.5, -0.35, -0.15]) + sign * 1e-16 * signal
    reading = classify_steps(observed, times, challenge, 40, SETTINGS)
    assert abs(reading.gain.gain) < 1e-12
    assert all(seen == "none" for _, seen in reading.steps)


@pytest.mark.parametrize("seed", range(12))
def test_a_gain_within_the_noise_is_not_a_reflection(clock, seed):
    challenge = make_challenge(clock, 26)
    times = _times(challenge, seed=seed)
    observed = _observed(challenge, times, 40, gain=0.0, noise=0.01, seed=seed)
    reading = classify_steps(observed, times, challenge, 40, SETTINGS)
    assert abs(reading.gain.gain) < SETTINGS.reflection_seen_min_z * reading.gain.standard_error
    assert reading.gain.floor > SETTINGS.reflection_seen_min_gain
    assert all(seen == "none" for _, seen in reading.steps)


def test_a_faint_reflection_well_above_the_noise_is_still_read(clock):
    challenge = make_challenge(clock, 27)
    times = _times(challenge, fps=12.0)
    observed = _observed(challenge, times, 40, gain=0.03, noise=0.001)
    reading = classify_steps(observed, times, challenge, 40, SETTINGS)
    assert reading.gain.gain > 10 * reading.gain.floor / SETTINGS.reflection_seen_min_z
    assert all(issued == seen for issued, seen in reading.steps)


def test_a_step_equally_near_two_colours_is_ambiguous_not_the_first_listed():
    predicted = 0.2 * _EXPECTED
    between = (predicted[0] + predicted[1]) / 2
    assert _nearest(predicted, between) == "ambiguous"
    assert _nearest(predicted, predicted[1]) == _NAMES[1]


@pytest.mark.parametrize(
    "change",
    [
        {"reflection_min_latency_ms": -200, "reflection_max_latency_ms": 200},
        {"reflection_max_latency_ms": 240, "min_colour_ms": 250},
        {"reflection_min_latency_ms": 20},
    ],
)
def test_a_latency_search_as_long_as_a_colour_step_is_refused(change):
    with pytest.raises(ValueError, match="latency range"):
        LivenessSettings(**change)
