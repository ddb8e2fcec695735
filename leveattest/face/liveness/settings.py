"""Liveness settings: challenge shape, frame limits and decision thresholds.

A pydantic model so that it can be nested into :class:`leveattest.core.settings.Settings`
(as ``liveness``) by the application; the pure engine only takes it as a parameter.
Thresholds and why they are where they are: ``models/MODEL_CARDS.md`` (Liveness).
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import BaseModel, Field, model_validator


class LivenessSettings(BaseModel):
    """Everything the liveness challenge and verification need to know."""

    # challenge
    min_colours: int = 6
    max_colours: int = 8
    min_colour_ms: int = 250
    max_colour_ms: int = 450
    # gap between the end of the colour sequence and the active prompt, and its window
    prompt_gap_ms: int = 200
    prompt_window_ms: int = 1600
    ttl_minutes: int = 5
    # frames
    min_frames: int = 20
    max_frames: int = 60
    min_fps: float = 8.0
    max_fps: float = 30.0
    # the first frame must start this close to 0 and the last end this close to the end
    coverage_slack_ms: int = 250
    # frames are analysed with their long side at most this (cost and memory bound)
    frame_max_side: int = 640
    max_frame_pixels: int = 40_000_000
    max_frame_bytes: int = 10_000_000
    # reflection: Pearson correlation of face-minus-background log-chroma with the sequence
    reflection_pass: float = 0.6
    reflection_fail: float = 0.3
    # screen-to-camera latency searched (ms, from the frame timestamps): display refresh
    # and panel response after the colour is drawn; never as much as a colour step
    reflection_min_latency_ms: int = -40
    reflection_max_latency_ms: int = 160
    # colour order: each step's mean reflected chroma must be nearest its own colour;
    # frames this close to a step's edges are left out (exposure, latency error)
    reflection_step_guard_ms: int = 30
    reflection_min_step_accuracy: float = 0.8
    reflection_fail_step_accuracy: float = 0.5
    # share of the steps that must have a frame inside them to judge the order
    reflection_min_step_share: float = 0.75
    # noise floor of the step reading: its drift-corrected gain must be at least this
    # many standard errors (from the capture's own residual noise) above zero, and at
    # least the absolute floor (0.005: the screen adding 0.15 % to the light on the face,
    # a fifth of one 8-bit code value at mid-grey), or no colour is seen in any step
    reflection_seen_min_z: float = Field(default=3.0, gt=0.0)
    reflection_seen_min_gain: float = Field(default=0.005, gt=0.0)
    # minimum gain (regression slope of the observed on the expected chroma change) for a
    # pass; below ``reflection_fail_gain`` there is no reflection at all and the check
    # fails; in between (a screen's glare, or a genuine face in a very bright room) it is
    # inconclusive, so a person decides
    reflection_min_gain: float = 0.2
    reflection_fail_gain: float = 0.05
    # active prompt: nose offset (fraction of the eye distance) and eye-openness dip
    turn_min_offset: float = 0.08
    blink_max_ratio: float = 0.75
    # identity: frames embedded and compared with each other and with the selfie
    identity_frames: int = 3
    detect_frames: int = 5
    # passive model (models/liveness_passive.json) and the frames it scores
    passive_model: Path | None = None
    passive_frames: int = 5
    # replay: perceptual-hash Hamming distance (of 64 bits) that counts as "the same"
    replay_max_distance: int = 6
    # share of frame hashes that must match a stored session to call it a replay
    replay_min_share: float = 0.5
    # face match threshold (dlib distance), normally FaceSettings.match_threshold
    match_threshold: float = Field(default=0.55, gt=0.0)

    @model_validator(mode="after")
    def _latency_shorter_than_a_step(self) -> Self:
        # a latency search as long as a colour step accepts the sequence shifted by a step
        if not self.reflection_min_latency_ms <= 0 < self.reflection_max_latency_ms:
            raise ValueError("reflection latency range must contain 0")
        if self.reflection_max_latency_ms - self.reflection_min_latency_ms >= self.min_colour_ms:
            raise ValueError("reflection latency range must be shorter than a colour step")
        return self
