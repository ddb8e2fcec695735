"""Simulated liveness captures (genuine and attack species) for tests and benchmarks.

Standalone numpy/OpenCV code: the phone simulator does not import the service's face
engine; the challenge comes in as the JSON dict the phone receives.
"""

from mobile_stub.capture.attacks import simulate_capture
from mobile_stub.capture.render import SPECIES, RenderOptions, encode_frames
from mobile_stub.capture.scene import FaceHint, find_face_hint

__all__ = [
    "SPECIES",
    "FaceHint",
    "RenderOptions",
    "encode_frames",
    "find_face_hint",
    "simulate_capture",
]
