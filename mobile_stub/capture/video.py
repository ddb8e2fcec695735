"""The simulated capture as a camera video: a YUV4MPEG2 (``.y4m``) file that Chromium plays
as its camera (``--use-fake-device-for-media-stream --use-file-for-fake-video-capture=F``).

Used by the browser tests of the pensioner's pages. The page
(``leveattest/pensioner/static/capture.js``) starts the issued colour sequence a fixed
lead-in after the camera started (the first frame's capture time less its media time,
i.e. the camera clock's origin), so the video is the challenge seen from the camera's
start: ``lead_in_ms`` of the scene under the page's white screen, then the colours at
their issued times, the prompt, and a tail of white. Chromium plays the file from its
first frame when the page opens the camera, at the header's frame rate, and loops it.

Frames are RGB arrays as :mod:`mobile_stub.capture.render` makes them, written as 4:2:0
with BT.601 studio-range luma and chroma, which Chromium's file capture reads as I420.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import cv2
import numpy as np

from mobile_stub.capture.attacks import simulate_capture
from mobile_stub.capture.render import RenderOptions
from mobile_stub.capture.scene import RGB

MAGIC = b"YUV4MPEG2"


def shifted_challenge(challenge: dict[str, Any], offset_ms: int) -> dict[str, Any]:
    """The challenge on a clock that starts ``offset_ms`` earlier (the camera's)."""
    colours = [
        {**step, "start_ms": int(step["start_ms"]) + offset_ms} for step in challenge["colours"]
    ]
    prompt = dict(challenge["prompt"])
    prompt["start_ms"] = int(prompt["start_ms"]) + offset_ms
    prompt["end_ms"] = int(prompt["end_ms"]) + offset_ms
    return {**challenge, "colours": colours, "prompt": prompt}


def camera_frames(
    portrait: RGB,
    challenge: dict[str, Any],
    species: str,
    *,
    lead_in_ms: int,
    tail_ms: int = 1500,
    fps: int = 20,
    size: tuple[int, int] = (480, 640),
    seed: int = 0,
    latency_ms: float | None = None,
) -> list[RGB]:
    """The frames of the camera video: one every ``1000 / fps`` ms from the camera's start
    to ``tail_ms`` after the prompt ends (``species`` as in :func:`simulate_capture`)."""
    if fps <= 0 or 1000 % fps:
        raise ValueError("fps must divide 1000 (a frame every whole millisecond)")
    if lead_in_ms < 0 or tail_ms < 0:
        raise ValueError("lead-in and tail must not be negative")
    on_camera = shifted_challenge(challenge, lead_in_ms)
    end = int(on_camera["prompt"]["end_ms"]) + tail_ms
    step = 1000 // fps
    options = RenderOptions(
        size=size,
        fps=float(fps),
        seed=seed,
        times=tuple(range(0, end + 1, step)),
        latency_ms=latency_ms,
    )
    return [pixels for _, pixels in simulate_capture(portrait, on_camera, species, options)]


def _header(width: int, height: int, fps: int) -> bytes:
    return f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii")


def write_y4m(path: Path, frames: Sequence[RGB], fps: int) -> Path:
    """Write RGB frames (all of one even size) as a 4:2:0 YUV4MPEG2 file."""
    if not frames:
        raise ValueError("a video needs at least one frame")
    height, width = frames[0].shape[:2]
    if width % 2 or height % 2:
        raise ValueError("4:2:0 needs an even width and height")
    with path.open("wb") as out:
        out.write(_header(width, height, fps))
        for pixels in frames:
            if pixels.shape != (height, width, 3) or pixels.dtype != np.uint8:
                raise ValueError("every frame must be RGB uint8 of the first frame's size")
            out.write(b"FRAME\n")
            out.write(np.asarray(cv2.cvtColor(pixels, cv2.COLOR_RGB2YUV_I420)).tobytes())
    return path


def _frames(handle: BinaryIO, width: int, height: int) -> Iterator[RGB]:
    size = width * height * 3 // 2
    while True:
        marker = handle.readline()
        if not marker:
            return
        if not marker.startswith(b"FRAME"):
            raise ValueError("not a YUV4MPEG2 frame")
        data = handle.read(size)
        if len(data) != size:
            raise ValueError("the last frame is incomplete")
        yuv = np.frombuffer(data, np.uint8).reshape(height * 3 // 2, width)
        yield np.asarray(cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420), np.uint8)


def read_y4m(path: Path) -> tuple[int, list[RGB]]:
    """The frame rate and RGB frames of a 4:2:0 YUV4MPEG2 file written by :func:`write_y4m`."""
    with path.open("rb") as handle:
        fields = handle.readline().split()
        if not fields or fields[0] != MAGIC:
            raise ValueError("not a YUV4MPEG2 file")
        values = {field[:1]: field[1:] for field in fields[1:]}
        if values.get(b"C", b"420jpeg")[:3] != b"420":
            raise ValueError("only 4:2:0 is read")
        width, height = int(values[b"W"]), int(values[b"H"])
        numerator, _, denominator = values[b"F"].partition(b":")
        fps = round(int(numerator) / int(denominator or b"1"))
        return fps, list(_frames(handle, width, height))
