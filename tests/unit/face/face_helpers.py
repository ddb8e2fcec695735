"""Helpers for the face tests: encode arrays, craft headers, build composites."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def encode(pixels: np.ndarray, fmt: str = "PNG", **params: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int) -> bytes:
    """A PNG with a valid IHDR for width x height and a tiny (wrong) IDAT: no pixels allocated."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    """SOI + baseline SOF0 (3 components) for width x height + SOS + EOI: no real scan data."""
    sof = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    sos = b"\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return (
        b"\xff\xd8\xff\xc0"
        + struct.pack(">H", len(sof) + 2)
        + sof
        + b"\xff\xda"
        + struct.pack(">H", len(sos) + 2)
        + sos
        + b"\x00" * 16
        + b"\xff\xd9"
    )


def side_by_side(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    height = max(left.shape[0], right.shape[0])
    canvas = np.full((height, left.shape[1] + right.shape[1], 3), 128, dtype=np.uint8)
    canvas[: left.shape[0], : left.shape[1]] = left
    canvas[: right.shape[0], left.shape[1] :] = right
    return canvas


def on_canvas(face: np.ndarray, scale: float, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """The image shrunk by ``scale`` and centred on a grey canvas of ``size`` (w, h)."""
    small = Image.fromarray(face).resize(
        (max(1, round(face.shape[1] * scale)), max(1, round(face.shape[0] * scale))),
        Image.Resampling.LANCZOS,
    )
    canvas = Image.new("RGB", size, (128, 128, 128))
    canvas.paste(small, ((size[0] - small.width) // 2, (size[1] - small.height) // 2))
    return np.asarray(canvas, dtype=np.uint8).copy()
