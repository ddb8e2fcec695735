"""Safe image decoding for MRZ reading: size caps before decode, EXIF orientation.

The header is read with Pillow (``Image.open`` is lazy: it parses the header but
decodes no pixels), the byte and pixel caps are applied, and only then are the
pixels decoded. Every failure is an ``ImageError`` or ``InputTooLargeError`` whose
``context["reason"]`` is one of the stable strings in :class:`ImageProblem`.
"""

from __future__ import annotations

import io
import struct
import warnings
from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from leveattest.core.errors import ImageError, InputTooLargeError
from leveattest.core.settings import MRZSettings

GrayImage = npt.NDArray[np.uint8]

# formats a phone or scanner produces; anything else is refused before a plugin parses it
ALLOWED_FORMATS: Final = ("JPEG", "PNG", "WEBP", "TIFF", "BMP", "JPEG2000")
MIN_SIDE: Final = 32
# decode large JPEGs at a reduced DCT scale: enough for a full-page MRZ, much faster
WORK_LONG_SIDE: Final = 2000


class ImageProblem(StrEnum):
    """Stable reasons carried in ``error.context["reason"]``."""

    EMPTY = "empty"
    TOO_MANY_BYTES = "too_many_bytes"
    TOO_MANY_PIXELS = "too_many_pixels"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_SMALL = "too_small"
    DECODE_FAILED = "decode_failed"


def _too_many_pixels(width: int, height: int, limit: int) -> InputTooLargeError:
    return InputTooLargeError(
        "image has too many pixels",
        reason=ImageProblem.TOO_MANY_PIXELS.value,
        width=width,
        height=height,
        max_pixels=limit,
    )


def load_gray(data: bytes, settings: MRZSettings | None = None) -> GrayImage:
    """Decode ``data`` into an upright 8-bit grayscale array, refusing unsafe input.

    Raises ``InputTooLargeError`` (too many bytes or pixels, checked on the header
    before any pixel is decoded) or ``ImageError`` (empty, not an image, unsupported
    format, truncated, smaller than 32 px).
    """
    cfg = settings or MRZSettings()
    if not data:
        raise ImageError("image is empty", reason=ImageProblem.EMPTY.value)
    if len(data) > cfg.max_image_bytes:
        raise InputTooLargeError(
            "image file is too large",
            reason=ImageProblem.TOO_MANY_BYTES.value,
            size=len(data),
            max_bytes=cfg.max_image_bytes,
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns about corrupt EXIF and the like: the pixels may still be fine
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data, cfg)
    except (InputTooLargeError, ImageError):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputTooLargeError(
            "image has too many pixels", reason=ImageProblem.TOO_MANY_PIXELS.value
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageError(
            "not an image in a supported format",
            reason=ImageProblem.UNSUPPORTED_FORMAT.value,
        ) from exc
    except (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        MemoryError,
        TypeError,
        IndexError,
        KeyError,
        ZeroDivisionError,
        struct.error,
    ) as exc:
        raise ImageError(
            "image could not be decoded", reason=ImageProblem.DECODE_FAILED.value
        ) from exc


def _decode(data: bytes, cfg: MRZSettings) -> GrayImage:
    img: Image.Image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    width, height = img.size
    # header check: nothing has been decoded yet
    if width * height > cfg.max_image_pixels:
        raise _too_many_pixels(width, height, cfg.max_image_pixels)
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            "image is too small to hold an MRZ",
            reason=ImageProblem.TOO_SMALL.value,
            width=width,
            height=height,
        )
    if img.format == "JPEG" and max(width, height) > 2 * WORK_LONG_SIDE:
        scale = WORK_LONG_SIDE / max(width, height)
        img.draft("L", (int(width * scale), int(height * scale)))
    img.load()
    img = ImageOps.exif_transpose(img) or img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        # transparent areas become white paper, not black
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    gray = img.convert("L")
    array: GrayImage = np.asarray(gray, dtype=np.uint8).copy()
    return array
