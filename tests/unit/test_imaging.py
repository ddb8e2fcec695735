"""The one safe image decoder: what every policy gets (the MRZ and face policies' own
behaviour is tested in tests/unit/mrz/test_image.py and tests/unit/face/test_face_image.py)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from leveattest.core.errors import ImageError, InputTooLargeError, UnsupportedFormatError
from leveattest.imaging import (
    DecodePolicy,
    ImageProblem,
    decode_image,
    heif_available,
    sniff_format,
)


def _policy(**changes: object) -> DecodePolicy:
    values: dict[str, object] = {
        "max_bytes": 10_000_000,
        "max_pixels": 10_000_000,
        "formats": frozenset({"jpeg", "png", "webp", "tiff", "bmp", "jpeg2000", "heif"}),
        "mode": "RGB",
        "unsupported_error": UnsupportedFormatError,
    }
    values.update(changes)
    return DecodePolicy(**values)  # type: ignore[arg-type]


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _reason(error: BaseException) -> str:
    assert isinstance(error, (ImageError, InputTooLargeError, UnsupportedFormatError))
    return str(error.context["reason"])


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("WEBP", "webp"), ("TIFF", "tiff"), ("BMP", "bmp"), ("PNG", "png"), ("JPEG", "jpeg")],
)
def test_each_accepted_container_is_sniffed_and_decoded(fmt: str, kind: str) -> None:
    data = _encode(Image.new("RGB", (40, 30), (10, 120, 230)), fmt)
    assert sniff_format(data) == kind
    decoded = decode_image(data, _policy())
    assert decoded.format == kind
    assert decoded.pixels.shape == (30, 40, 3)
    assert (decoded.width, decoded.height) == (40, 30)


def test_big_endian_tiff_is_sniffed() -> None:
    assert sniff_format(b"MM\x00*" + b"\0" * 8) == "tiff"


def test_a_format_outside_the_policy_raises_the_policys_error() -> None:
    data = _encode(Image.new("RGB", (40, 30)), "BMP")
    with pytest.raises(ImageError) as caught:
        decode_image(data, _policy(formats=frozenset({"png"}), unsupported_error=ImageError))
    assert _reason(caught.value) == ImageProblem.UNSUPPORTED_FORMAT


@pytest.mark.skipif(heif_available(), reason="a HEIF plugin is installed here")
def test_heif_without_a_plugin_is_refused_with_its_own_reason() -> None:
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 64
    assert sniff_format(heic) == "heif"
    with pytest.raises(UnsupportedFormatError) as caught:
        decode_image(heic, _policy())
    assert _reason(caught.value) == ImageProblem.HEIF_DECODER_MISSING


def test_a_broken_header_behind_good_magic_is_a_bad_header() -> None:
    with pytest.raises(ImageError) as caught:
        decode_image(b"BM" + b"\xff" * 60, _policy())
    assert _reason(caught.value) == ImageProblem.BAD_HEADER


def test_sixteen_bit_samples_are_scaled_not_clipped() -> None:
    ramp = (np.arange(64, dtype=np.uint16) * 1000).reshape(8, 8)
    data = _encode(Image.fromarray(ramp), "PNG")
    pixels = decode_image(data, _policy(mode="L")).pixels
    assert pixels.dtype == np.uint8
    assert int(pixels.max()) == 255
    # 63 distinct levels survive: a plain conversion would clip everything over 255
    assert len(np.unique(pixels)) > 32


def test_all_black_sixteen_bit_image_decodes() -> None:
    data = _encode(Image.fromarray(np.zeros((8, 8), dtype=np.uint16)), "PNG")
    assert int(decode_image(data, _policy(mode="L")).pixels.max()) == 0


def test_palette_transparency_becomes_white() -> None:
    image = Image.new("P", (40, 40), 0)
    image.putpalette([0, 0, 0] * 256)
    data = _encode(image, "PNG", transparency=0)
    assert int(decode_image(data, _policy(mode="L")).pixels.min()) == 255


def test_a_corrupt_exif_block_counts_as_upright() -> None:
    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\xff\xff"  # truncated IFD
    data = _encode(Image.new("RGB", (60, 40), (90, 90, 90)), "JPEG", exif=exif)
    decoded = decode_image(data, _policy())
    assert decoded.exif_orientation == 1
    assert decoded.pixels.shape == (40, 60, 3)


def test_an_exif_orientation_outside_one_to_eight_counts_as_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 9
    data = _encode(Image.new("RGB", (60, 40)), "JPEG", exif=exif.tobytes())
    assert decode_image(data, _policy()).exif_orientation == 1


def test_the_cap_holds_when_the_jpeg_decoder_ignores_the_reduced_scale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _encode(Image.new("RGB", (400, 300), (120, 120, 120)), "JPEG")
    policy = _policy(max_pixels=50_000, reduce_oversized_jpeg=True)
    assert decode_image(data, policy).pixels.shape == (150, 200, 3)
    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", lambda self, mode, size: None)
    with pytest.raises(InputTooLargeError) as caught:
        decode_image(data, policy)
    assert _reason(caught.value) == ImageProblem.TOO_MANY_PIXELS


def test_the_working_size_and_the_pixel_cap_take_the_smaller_scale() -> None:
    data = _encode(Image.new("RGB", (1600, 1200), (120, 120, 120)), "JPEG")
    # the cap alone asks for 1/2 (800 x 600); the working size of 200 asks for 1/8
    policy = _policy(max_pixels=1_000_000, reduce_oversized_jpeg=True, draft_long_side=200)
    assert decode_image(data, policy).pixels.shape == (150, 200, 3)
    # a working size larger than the cap's scale leaves the cap's scale
    policy = _policy(max_pixels=1_000_000, reduce_oversized_jpeg=True, draft_long_side=700)
    decoded = decode_image(data, policy)
    assert decoded.pixels.shape == (600, 800, 3)
    assert decoded.scale == pytest.approx(0.5)


def test_a_jpeg_over_the_cap_is_refused_when_the_policy_does_not_reduce() -> None:
    data = _encode(Image.new("RGB", (400, 300)), "JPEG")
    with pytest.raises(InputTooLargeError):
        decode_image(data, _policy(max_pixels=50_000))
