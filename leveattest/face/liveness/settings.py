"""Liveness settings: challenge shape, frame limits and decision thresholds.

The model is the ``liveness`` section of the settings tree
(:class:`leveattest.core.settings.LivenessSettings`, ``LEVEATTEST_LIVENESS__*``); the pure
engine only takes it as a parameter. Thresholds and why they are where they are:
``models/MODEL_CARDS.md`` (Liveness).
"""

from __future__ import annotations

from leveattest.core.settings import LivenessSettings

__all__ = ["LivenessSettings"]
