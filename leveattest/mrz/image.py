"""Data-page photos for MRZ reading: the shared safe decoder, grayscale.

Decoding, size caps before decode, EXIF orientation and the stable error reasons are
:mod:`leveattest.imaging`; this module only says what an MRZ photo may be.
"""

from __future__ import annotations

from typing import Final

from leveattest.core.errors import ImageError
from leveattest.core.settings import MRZSettings
from leveattest.imaging import DecodePolicy, Pixels, decode_image

GrayImage = Pixels

# formats a phone or scanner produces; anything else is refused before a plugin parses it
FORMATS: Final = frozenset({"jpeg", "png", "webp", "tiff", "bmp", "jpeg2000"})
# a data page smaller than this holds no readable MRZ
MIN_SIDE: Final = 32
# decode large JPEGs at a reduced DCT scale: enough for a full-page MRZ, much faster
WORK_LONG_SIDE: Final = 2000


def policy(settings: MRZSettings | None = None) -> DecodePolicy:
    cfg = settings or MRZSettings()
    return DecodePolicy(
        max_bytes=cfg.max_image_bytes,
        max_pixels=cfg.max_image_pixels,
        formats=FORMATS,
        mode="L",
        # an unreadable upload for the MRZ is an unreadable image (the check is inconclusive)
        unsupported_error=ImageError,
        min_side=MIN_SIDE,
        draft_long_side=WORK_LONG_SIDE,
    )


def load_gray(data: bytes, settings: MRZSettings | None = None) -> GrayImage:
    """Decode ``data`` into an upright 8-bit grayscale array, refusing unsafe input.

    Raises ``InputTooLargeError`` (too many bytes or pixels, checked on the header
    before any pixel is decoded) or ``ImageError`` (empty, not an image, unsupported
    format, truncated, smaller than 32 px); ``context["reason"]`` is an
    :class:`leveattest.imaging.ImageProblem`.
    """
    return decode_image(data, policy(settings)).pixels
