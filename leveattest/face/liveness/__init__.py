"""Server-challenged liveness: colour-flash reflection, an active prompt, passive cues, replay.

Pure: arrays and bytes in, check results out. :func:`issue_challenge` makes the one-time
challenge; :class:`LivenessEngine` (one per worker process, not thread-safe) verifies a
capture against it and fuses the checks into ``live`` / ``spoof`` / ``uncertain``.
See ``models/MODEL_CARDS.md`` (Liveness) for what each signal can and cannot catch.
"""

from leveattest.core.evidence import LivenessLabel
from leveattest.face.liveness.challenge import (
    PALETTE,
    ChallengeRegistry,
    ColourStep,
    InMemoryChallengeRegistry,
    LivenessChallenge,
    Prompt,
    issue_challenge,
)
from leveattest.face.liveness.fuse import LivenessResult, fuse
from leveattest.face.liveness.passive import PassiveModel, load_passive_model
from leveattest.face.liveness.ports import LivenessScorer
from leveattest.face.liveness.replay import (
    Fingerprint,
    InMemoryReplayIndex,
    ReplayIndex,
    phash,
)
from leveattest.face.liveness.settings import LivenessSettings
from leveattest.face.liveness.verify import LivenessEngine

__all__ = [
    "PALETTE",
    "ChallengeRegistry",
    "ColourStep",
    "Fingerprint",
    "InMemoryChallengeRegistry",
    "InMemoryReplayIndex",
    "LivenessChallenge",
    "LivenessEngine",
    "LivenessLabel",
    "LivenessResult",
    "LivenessScorer",
    "LivenessSettings",
    "PassiveModel",
    "Prompt",
    "ReplayIndex",
    "fuse",
    "issue_challenge",
    "load_passive_model",
    "phash",
]
