"""What one verification session hands to the pipeline: raw uploads, nothing parsed yet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# chip file names as the phone uploads them; "DGn" for data group n
CHIP_FILE_NAMES = ("EF_COM", "DG1", "DG2", "DG11", "DG12", "DG14", "DG15", "EF_SOD")


@dataclass(frozen=True)
class SessionInputs:
    """Everything uploaded for one session. Bytes only: the pipeline does all parsing.

    ``chip_files`` keys are ``EF_COM``, ``DG1``..``DG16`` and ``EF_SOD`` (the present ones).
    ``liveness_frames`` are ``(capture timestamp in ms, image bytes)`` in upload order.
    ``attempt`` is 1-based; the retry budget is ``settings.pipeline.retry_budget``.
    """

    session_id: str
    chip_files: Mapping[str, bytes] = field(default_factory=dict)
    aa_challenge: bytes | None = None  # the server-issued nonce the chip signed
    aa_signature: bytes | None = None
    page_image: bytes | None = None  # photo of the data page
    selfie: bytes | None = None
    liveness_frames: Sequence[tuple[int, bytes]] = ()
    liveness_challenge: Mapping[str, Any] | None = None  # the issued challenge as JSON
    attempt: int = 1
    # opaque key of the person the session is for (replays are looked up within it)
    replay_scope: str | None = None
    chip_authentication_claimed: bool | None = None
