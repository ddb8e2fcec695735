"""The one safe image decoder: data-page photos (MRZ), selfies, chip and page portraits.

Every image the service receives goes through :func:`decode_image` with a
:class:`DecodePolicy` (``leveattest.mrz.image`` and ``leveattest.face.image`` build theirs
from their settings). What it guarantees, whatever the policy:

* **Bytes first.** Empty input and input over ``max_bytes`` are refused before anything
  is parsed.
* **Formats from magic bytes.** The container is recognised from its first bytes
  (:func:`sniff_format`) and refused unless the policy accepts it, before any Pillow
  plugin parses it; Pillow is then told to try that one format only. HEIC/HEIF is decoded
  only when a HEIF plugin (``pillow_heif``) is installed.
* **Decompression bombs.** ``Image.open`` is lazy: the pixel count is read from the header
  and checked against ``max_pixels`` before any pixel is decoded; Pillow's own bomb
  warning is an error. A JPEG over the cap may be decoded at a reduced DCT scale (1/2, 1/4
  or 1/8, via ``draft``; memory is that of the reduced image) when the policy says so —
  phones with 48-200 MP sensors do produce such files — and the decoded size is checked
  again after decoding.
* **Upright, flat, bounded.** The EXIF orientation is applied (a corrupt EXIF block counts
  as upright), transparent areas become white paper, 16-bit images are scaled to 8 bits,
  the image is converted to the policy's mode (``L`` or ``RGB``) and its long side capped.
* **Stable errors only.** Only :mod:`leveattest.core.errors` exceptions escape, each with
  ``context["reason"]`` one of the strings of :class:`ImageProblem`.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from leveattest.core.errors import ImageError, InputError, InputTooLargeError

Pixels = npt.NDArray[np.uint8]

# the kinds sniff_format recognises and the Pillow format that decodes each
PILLOW_FORMATS: Final = {
    "jpeg": "JPEG",
    "png": "PNG",
    "jpeg2000": "JPEG2000",
    "webp": "WEBP",
    "tiff": "TIFF",
    "bmp": "BMP",
    "heif": "HEIF",
}
_JP2_SIGNATURE: Final = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_J2K_SOC_SIZ: Final = b"\xff\x4f\xff\x51"
_TIFF_MAGIC: Final = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # TIFF and BigTIFF
_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
)
_EXIF_ORIENTATION: Final = 0x0112
_SIXTEEN_BIT: Final = frozenset({"I;16", "I;16B", "I;16L", "I"})
# what a broken file makes Pillow and its plugins raise while decoding
_DECODE_ERRORS: Final = (
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
)


class ImageProblem(StrEnum):
    """Stable reasons carried in ``error.context["reason"]``."""

    EMPTY = "empty"
    TOO_MANY_BYTES = "too_many_bytes"
    TOO_MANY_PIXELS = "too_many_pixels"
    UNSUPPORTED_FORMAT = "unsupported_format"
    HEIF_DECODER_MISSING = "heif_decoder_missing"
    BAD_HEADER = "bad_header"
    TOO_SMALL = "too_small"
    DECODE_FAILED = "decode_failed"


@dataclass(frozen=True)
class DecodePolicy:
    """What one use of images accepts and gets back."""

    max_bytes: int
    max_pixels: int
    # kinds from sniff_format that are accepted (keys of PILLOW_FORMATS)
    formats: frozenset[str]
    mode: Literal["L", "RGB"]
    # the error raised for a format outside ``formats`` (reason ``unsupported_format``)
    unsupported_error: type[InputError]
    min_side: int = 1
    # the decoded image's long side is resized down to this (LANCZOS); None keeps it
    max_side: int | None = None
    # a JPEG whose long side is over twice this is decoded at a reduced DCT scale (speed)
    draft_long_side: int | None = None
    # a JPEG over max_pixels is decoded at a reduced DCT scale instead of being refused
    reduce_oversized_jpeg: bool = False


@dataclass(frozen=True)
class DecodedImage:
    """A decoded, upright, size-bounded 8-bit image (H x W, or H x W x 3 for RGB)."""

    pixels: Pixels
    format: str
    original_width: int
    original_height: int
    exif_orientation: int
    # decoded long side / original long side (< 1 when the image was reduced)
    scale: float

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def sniff_format(data: bytes) -> str | None:
    """The container format from its magic bytes (a key of ``PILLOW_FORMATS``), else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((_JP2_SIGNATURE, _J2K_SOC_SIZ)):
        return "jpeg2000"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(_TIFF_MAGIC):
        return "tiff"
    if data.startswith(b"BM"):
        return "bmp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heif"
    return None


def heif_available() -> bool:
    """True when a HEIF plugin is installed (and then registered with Pillow)."""
    try:
        import pillow_heif  # type: ignore[import-not-found]  # noqa: PLC0415
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def too_many_pixels(width: int, height: int, limit: int) -> InputTooLargeError:
    return InputTooLargeError(
        "image has too many pixels",
        reason=ImageProblem.TOO_MANY_PIXELS.value,
        width=width,
        height=height,
        max_pixels=limit,
    )


def decode_image(data: bytes, policy: DecodePolicy) -> DecodedImage:
    """Decode ``data`` under ``policy`` into an upright 8-bit image.

    Raises :class:`InputTooLargeError` (bytes, or pixels read from the header, over the
    cap), ``policy.unsupported_error`` (a format the policy does not accept, or HEIC
    without a decoder) or :class:`ImageError` (empty, truncated, corrupt, too small).
    """
    if not data:
        raise ImageError("image is empty", reason=ImageProblem.EMPTY.value)
    if len(data) > policy.max_bytes:
        raise InputTooLargeError(
            "image file is too large",
            reason=ImageProblem.TOO_MANY_BYTES.value,
            size=len(data),
            max_bytes=policy.max_bytes,
        )
    kind = sniff_format(data)
    if kind is None or kind not in policy.formats:
        raise policy.unsupported_error(
            "not an image in a supported format", reason=ImageProblem.UNSUPPORTED_FORMAT.value
        )
    if kind == "heif" and not heif_available():
        raise policy.unsupported_error(
            "HEIC/HEIF images need a HEIF decoder, which is not installed; send JPEG",
            reason=ImageProblem.HEIF_DECODER_MISSING.value,
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns about corrupt EXIF and the like: the pixels may still be fine
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data, kind, policy)
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputTooLargeError(
            "image has too many pixels", reason=ImageProblem.TOO_MANY_PIXELS.value
        ) from exc
    except _DECODE_ERRORS as exc:
        raise ImageError(
            "image could not be decoded", reason=ImageProblem.DECODE_FAILED.value
        ) from exc


def _open(data: bytes, kind: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]])
    except _DECODE_ERRORS as exc:  # UnidentifiedImageError is an OSError
        raise ImageError(
            "image header could not be read", reason=ImageProblem.BAD_HEADER.value
        ) from exc


def _decode(data: bytes, kind: str, policy: DecodePolicy) -> DecodedImage:
    image = _open(data, kind)
    width, height = image.size
    if min(width, height) < max(1, policy.min_side):
        raise ImageError(
            "image is too small",
            reason=ImageProblem.TOO_SMALL.value,
            width=width,
            height=height,
        )
    # header check: nothing has been decoded yet
    over_cap = width * height > policy.max_pixels
    if over_cap and not (kind == "jpeg" and policy.reduce_oversized_jpeg):
        raise too_many_pixels(width, height, policy.max_pixels)
    if kind == "jpeg":
        _draft(image, policy)
    orientation = _orientation(image)
    image.load()
    if image.width * image.height > policy.max_pixels:
        # the JPEG decoder did not reduce as asked: the cap holds all the same
        raise too_many_pixels(width, height, policy.max_pixels)
    upright = ImageOps.exif_transpose(image) if orientation != 1 else image
    flat = _flatten(upright).convert(policy.mode)
    if policy.max_side is not None:
        flat = _bound(flat, policy.max_side)
    pixels: Pixels = np.array(flat, dtype=np.uint8)
    return DecodedImage(
        pixels=pixels,
        format=kind,
        original_width=width,
        original_height=height,
        exif_orientation=orientation,
        scale=max(pixels.shape[0], pixels.shape[1]) / max(width, height),
    )


def _draft(image: Image.Image, policy: DecodePolicy) -> None:
    """Ask the JPEG decoder for the DCT scale that fits the cap and the working size."""
    width, height = image.size
    target: tuple[int, int] | None = None
    if width * height > policy.max_pixels:
        for factor in (2, 4, 8):
            size = (math.ceil(width / factor), math.ceil(height / factor))
            if size[0] * size[1] <= policy.max_pixels:
                target = size
                break
        else:
            raise too_many_pixels(width, height, policy.max_pixels)
    long_side = policy.draft_long_side
    if long_side is not None and max(width, height) > 2 * long_side:
        scale = long_side / max(width, height)
        work = (int(width * scale), int(height * scale))
        target = work if target is None or work[0] < target[0] else target
    if target is not None:
        image.draft(policy.mode, target)


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1-8); 1 when absent or unreadable."""
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except (OSError, ValueError, TypeError, SyntaxError, struct.error):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent areas on white paper; 16-bit samples scaled to 8 bits."""
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba)
    if image.mode in _SIXTEEN_BIT:
        array = np.asarray(image, dtype=np.float64)
        top = float(array.max()) or 1.0
        return Image.fromarray(np.rint(array * (255.0 / top)).astype(np.uint8))
    return image


def _bound(image: Image.Image, max_side: int) -> Image.Image:
    long_side = max(image.size)
    if long_side <= max_side:
        return image
    ratio = max_side / long_side
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
