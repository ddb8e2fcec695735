"""Face images (selfies, DG2 chip portraits, data-page crops): the shared safe decoder, RGB.

Accepted: JPEG, PNG and JPEG 2000 (JP2 file or raw J2K codestream, as found in DG2).
HEIC/HEIF is decoded only when a HEIF plugin (``pillow_heif``) is installed; otherwise
it is refused with :class:`UnsupportedFormatError`. Everything else is refused from its
magic bytes, before any decoder sees it.

Decoding and its guarantees (caps before decode, EXIF orientation, stable reasons) are
:mod:`leveattest.imaging`. Decision for faces: a JPEG over the pixel cap is decoded
at a reduced DCT scale when that brings it under the cap, because phones with 48-200 MP
sensors do produce such files; any other format over the cap is refused. The long side
is capped at ``max_side`` so that the later steps have bounded cost.
"""

from __future__ import annotations

from typing import Final

from leveattest.core.errors import UnsupportedFormatError
from leveattest.core.settings import FaceSettings
from leveattest.imaging import DecodedImage, DecodePolicy, Pixels, decode_image

RGBImage = Pixels
FaceImage = DecodedImage

FORMATS: Final = frozenset({"jpeg", "png", "jpeg2000", "heif"})


def policy(settings: FaceSettings | None = None) -> DecodePolicy:
    cfg = settings or FaceSettings()
    return DecodePolicy(
        max_bytes=cfg.max_image_bytes,
        max_pixels=cfg.max_image_pixels,
        formats=FORMATS,
        mode="RGB",
        unsupported_error=UnsupportedFormatError,
        max_side=cfg.max_side,
        reduce_oversized_jpeg=True,
    )


def decode_face_image(data: bytes, settings: FaceSettings | None = None) -> FaceImage:
    """Decode ``data`` into an upright RGB image with bounded size.

    Raises :class:`InputTooLargeError` (bytes or header pixels over the cap),
    :class:`UnsupportedFormatError` (not JPEG/PNG/JPEG 2000, or HEIC without a
    decoder) or :class:`ImageError` (empty, truncated or corrupt).
    """
    return decode_image(data, policy(settings))
