"""Safe decoding of face images: selfies, DG2 chip portraits, data-page crops.

Accepted: JPEG, PNG and JPEG 2000 (JP2 file or raw J2K codestream, as found in DG2).
HEIC/HEIF is decoded only when a HEIF plugin (``pillow_heif``) is installed; otherwise
it is refused with :class:`UnsupportedFormatError`. Everything else is refused from
its magic bytes, before any decoder sees it.

Decompression bombs: the pixel count is read from the header (Pillow's ``open`` is
lazy) and checked before any pixel is decoded. Decision: a JPEG over the cap is
decoded at a reduced DCT scale (1/2, 1/4 or 1/8, via ``draft``; memory is that of
the reduced image) when that brings it under the cap, because phones with 48-200 MP
sensors do produce such files; any other format over the cap, or a JPEG still over
it at 1/8, is refused with :class:`InputTooLargeError`.

After decoding, the EXIF orientation is applied (phone selfies are often stored
sideways), the image is converted to RGB and its long side is capped (normalised)
so that the later steps have bounded cost. Output: an RGB ``uint8`` array.
Only :mod:`leveattest.core.errors` exceptions escape.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from leveattest.core.errors import ImageError, InputTooLargeError, UnsupportedFormatError
from leveattest.core.settings import FaceSettings

RGBImage = npt.NDArray[np.uint8]

_JP2_SIGNATURE: Final = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_J2K_SOC_SIZ: Final = b"\xff\x4f\xff\x51"
_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
)
_PILLOW_FORMATS: Final = {"jpeg": "JPEG", "png": "PNG", "jpeg2000": "JPEG2000", "heif": "HEIF"}
_EXIF_ORIENTATION: Final = 0x0112


@dataclass(frozen=True)
class FaceImage:
    """A decoded, upright, size-normalised RGB image."""

    pixels: RGBImage
    format: str
    original_width: int
    original_height: int
    exif_orientation: int
    # decoded size / original size (< 1 when the image was reduced)
    scale: float

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def sniff_format(data: bytes) -> str:
    """The container format from magic bytes: jpeg, png, jpeg2000 or heif."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((_JP2_SIGNATURE, _J2K_SOC_SIZ)):
        return "jpeg2000"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heif"
    raise UnsupportedFormatError(
        "image format not supported (JPEG, PNG or JPEG 2000 expected)", reason="unknown_format"
    )


def _heif_available() -> bool:
    try:
        import pillow_heif  # type: ignore[import-not-found]  # noqa: PLC0415
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def _open(data: bytes, kind: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[kind]])
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError("image header could not be read", reason="bad_header") from exc


def _too_many_pixels(width: int, height: int, limit: int) -> InputTooLargeError:
    return InputTooLargeError(
        "image has too many pixels",
        reason="too_many_pixels",
        width=width,
        height=height,
        max_pixels=limit,
    )


def _reduce_jpeg(image: Image.Image, max_pixels: int) -> None:
    """Ask the JPEG decoder for a DCT-scaled decode that fits ``max_pixels``."""
    width, height = image.size
    for factor in (2, 4, 8):
        if math.ceil(width / factor) * math.ceil(height / factor) <= max_pixels:
            image.draft("RGB", (math.ceil(width / factor), math.ceil(height / factor)))
            return
    raise _too_many_pixels(width, height, max_pixels)


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except (OSError, ValueError, TypeError, SyntaxError, struct.error):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in {"I;16", "I;16B", "I;16L", "I"}:
        array = np.asarray(image, dtype=np.float64)
        top = float(array.max()) or 1.0
        return Image.fromarray((array * (255.0 / top)).astype(np.uint8)).convert("RGB")
    return image.convert("RGB")


def _normalise(image: Image.Image, max_side: int) -> Image.Image:
    long_side = max(image.size)
    if long_side <= max_side:
        return image
    ratio = max_side / long_side
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def decode_face_image(data: bytes, settings: FaceSettings | None = None) -> FaceImage:
    """Decode ``data`` into an upright RGB image with bounded size.

    Raises :class:`InputTooLargeError` (bytes or header pixels over the cap),
    :class:`UnsupportedFormatError` (not JPEG/PNG/JPEG 2000, or HEIC without a
    decoder) or :class:`ImageError` (empty, truncated or corrupt).
    """
    cfg = settings or FaceSettings()
    if not data:
        raise ImageError("image is empty", reason="empty")
    if len(data) > cfg.max_image_bytes:
        raise InputTooLargeError(
            "image file is too large",
            reason="too_many_bytes",
            size=len(data),
            max_bytes=cfg.max_image_bytes,
        )
    kind = sniff_format(data)
    if kind == "heif" and not _heif_available():
        raise UnsupportedFormatError(
            "HEIC/HEIF images need a HEIF decoder, which is not installed; send JPEG",
            reason="heif_decoder_missing",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data, kind, cfg)
    except (InputTooLargeError, ImageError, UnsupportedFormatError):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputTooLargeError("image has too many pixels", reason="too_many_pixels") from exc
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, struct.error) as exc:
        raise ImageError("image could not be decoded", reason="decode_failed") from exc


def _decode(data: bytes, kind: str, cfg: FaceSettings) -> FaceImage:
    image = _open(data, kind)
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageError("image has no pixels", reason="empty")
    if width * height > cfg.max_image_pixels:
        if kind != "jpeg":
            raise _too_many_pixels(width, height, cfg.max_image_pixels)
        _reduce_jpeg(image, cfg.max_image_pixels)
    orientation = _orientation(image)
    image.load()
    if image.width * image.height > cfg.max_image_pixels:  # pragma: no cover - defensive
        raise _too_many_pixels(width, height, cfg.max_image_pixels)
    upright = ImageOps.exif_transpose(image) if orientation != 1 else image
    rgb = _normalise(_to_rgb(upright), cfg.max_side)
    pixels = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    if pixels.ndim != 3 or pixels.shape[2] != 3:  # pragma: no cover - convert guarantees RGB
        raise ImageError("image could not be converted to RGB", reason="decode_failed")
    original_long = max(width, height)
    return FaceImage(
        pixels=pixels,
        format=kind,
        original_width=width,
        original_height=height,
        exif_orientation=orientation,
        scale=max(pixels.shape[0], pixels.shape[1]) / original_long,
    )
