"""The liveness port: what the pipeline needs (``LivenessEngine`` implements it).

Job steps depend on this protocol so that tests can pass a fake and another backend
(a vendor's liveness service) can be chosen by settings without touching the pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from leveattest.face.analysis import Embedding
from leveattest.face.image import RGBImage
from leveattest.face.liveness.challenge import LivenessChallenge
from leveattest.face.liveness.frames import FrameInput
from leveattest.face.liveness.fuse import LivenessResult
from leveattest.face.liveness.replay import ReplayIndex


class LivenessScorer(Protocol):
    def verify(
        self,
        challenge: LivenessChallenge,
        frames: Sequence[FrameInput],
        *,
        selfie: Embedding | None = None,
        selfie_pixels: RGBImage | None = None,
        replay_index: ReplayIndex | None = None,
    ) -> LivenessResult: ...

    def passive(self, pixels: RGBImage) -> dict[str, object]: ...
