"""Face image decoding: formats, EXIF orientation, size caps, bad input."""

from __future__ import annotations

import contextlib
import io
import time

import numpy as np
import pytest
from face_helpers import encode, jpeg_header, png_header
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from leveattest.core.errors import (
    ImageError,
    InputTooLargeError,
    LeveattestError,
    UnsupportedFormatError,
)
from leveattest.core.settings import FaceSettings
from leveattest.face.image import decode_face_image


def _gradient(width: int = 96, height: int = 64) -> np.ndarray:
    x = np.linspace(0, 255, width, dtype=np.float64)
    y = np.linspace(0, 255, height, dtype=np.float64)
    red = np.tile(x, (height, 1))
    green = np.tile(y[:, None], (1, width))
    blue = np.full((height, width), 90.0)
    return np.dstack([red, green, blue]).astype(np.uint8)


@pytest.mark.parametrize(
    ("fmt", "kind", "params"),
    [
        ("JPEG", "jpeg", {"quality": 95}),
        ("PNG", "png", {}),
        ("JPEG2000", "jpeg2000", {}),
        ("JPEG2000", "jpeg2000", {"no_jp2": True}),  # raw J2K codestream, as inside DG2
    ],
)
def test_supported_formats_decode_to_rgb_uint8(fmt: str, kind: str, params: dict[str, object]):
    pixels = _gradient()
    image = decode_face_image(encode(pixels, fmt, **params))
    assert image.format == kind
    assert image.pixels.dtype == np.uint8
    assert image.pixels.shape == (64, 96, 3)
    assert np.abs(image.pixels.astype(int) - pixels.astype(int)).mean() < 6


def test_grayscale_and_rgba_inputs_become_rgb():
    gray = Image.fromarray(_gradient()[:, :, 0])
    buffer = io.BytesIO()
    gray.save(buffer, format="PNG")
    assert decode_face_image(buffer.getvalue()).pixels.shape == (64, 96, 3)
    rgba = Image.fromarray(_gradient()).convert("RGBA")
    buffer = io.BytesIO()
    rgba.save(buffer, format="PNG")
    assert decode_face_image(buffer.getvalue()).pixels.shape == (64, 96, 3)


@pytest.mark.parametrize(("orientation", "expected_shape"), [(1, (64, 96, 3)), (6, (96, 64, 3))])
def test_exif_orientation_is_applied(orientation: int, expected_shape: tuple[int, int, int]):
    image = Image.fromarray(_gradient())
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    decoded = decode_face_image(buffer.getvalue())
    assert decoded.exif_orientation == orientation
    assert decoded.pixels.shape == expected_shape


def test_long_side_is_normalised():
    data = encode(np.zeros((300, 900, 3), dtype=np.uint8), "PNG")
    decoded = decode_face_image(data, FaceSettings(max_side=450))
    assert decoded.pixels.shape == (150, 450, 3)
    assert decoded.scale == pytest.approx(0.5)


def test_one_pixel_image_decodes():
    decoded = decode_face_image(encode(np.zeros((1, 1, 3), dtype=np.uint8), "PNG"))
    assert decoded.pixels.shape == (1, 1, 3)


def test_fifty_megapixel_png_header_is_refused_before_decoding():
    data = png_header(8660, 5774)  # 50.0 MP, a few dozen bytes
    start = time.perf_counter()
    with pytest.raises(InputTooLargeError) as caught:
        decode_face_image(data)
    assert time.perf_counter() - start < 0.5
    assert caught.value.context["reason"] == "too_many_pixels"


def test_fifty_megapixel_jpeg_header_is_bounded():
    # over the cap, a JPEG is decoded at a reduced DCT scale; this one has no scan data
    data = jpeg_header(8660, 5774)
    start = time.perf_counter()
    with pytest.raises(ImageError):  # decoded at 1/2 scale; the crafted scan is empty
        decode_face_image(data)
    assert time.perf_counter() - start < 2.0


def test_jpeg_still_too_large_at_one_eighth_scale_is_refused():
    with pytest.raises(InputTooLargeError):
        decode_face_image(jpeg_header(8660, 5774), FaceSettings(max_image_pixels=500_000))


def test_giant_jpeg_header_is_refused_quickly():
    # Pillow itself rejects headers beyond 2x its bomb limit (~179 MP) while identifying them
    start = time.perf_counter()
    with pytest.raises(InputTooLargeError):
        decode_face_image(jpeg_header(60000, 60000))
    assert time.perf_counter() - start < 0.5


def test_jpeg_over_pixel_cap_is_decoded_at_reduced_scale():
    data = encode(np.full((1500, 2000, 3), 120, dtype=np.uint8), "JPEG")
    decoded = decode_face_image(data, FaceSettings(max_image_pixels=1_000_000, max_side=4000))
    assert decoded.width * decoded.height <= 1_000_000
    assert decoded.pixels.shape == (750, 1000, 3)


def test_png_over_pixel_cap_is_refused():
    data = encode(np.zeros((1100, 1000, 3), dtype=np.uint8), "PNG")
    with pytest.raises(InputTooLargeError):
        decode_face_image(data, FaceSettings(max_image_pixels=1_000_000))


def test_too_many_bytes_is_refused():
    with pytest.raises(InputTooLargeError):
        decode_face_image(b"\xff\xd8\xff" + b"\0" * 2000, FaceSettings(max_image_bytes=1000))


def test_corrupt_jpeg2000_is_an_image_error():
    data = bytearray(encode(_gradient(200, 160), "JPEG2000"))
    corrupt = bytes(data[: len(data) // 2]) + bytes(len(data) // 2)
    with pytest.raises(ImageError):
        decode_face_image(corrupt)


def test_truncated_jpeg2000_codestream_is_an_image_error():
    data = encode(_gradient(200, 160), "JPEG2000", no_jp2=True)
    with pytest.raises(ImageError):
        decode_face_image(data[:40])


def test_heic_without_decoder_is_unsupported():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 64
    with pytest.raises(UnsupportedFormatError) as caught:
        decode_face_image(heic)
    assert caught.value.context["reason"] == "heif_decoder_missing"


@pytest.mark.parametrize("data", [b"", b"GIF89a" + b"\0" * 40, b"%PDF-1.7\n"])
def test_empty_and_unsupported_inputs(data: bytes):
    with pytest.raises((ImageError, UnsupportedFormatError)):
        decode_face_image(data)


_VALID = [
    encode(_gradient(), "JPEG"),
    encode(_gradient(), "PNG"),
    encode(_gradient(), "JPEG2000"),
    encode(_gradient(), "JPEG2000", no_jp2=True),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_raise_only_leveattest_errors(data: bytes):
    with contextlib.suppress(LeveattestError):
        decode_face_image(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_VALID),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    st.integers(0, 10_000),
)
def test_mutated_images_raise_only_leveattest_errors(
    original: bytes, edits: list[tuple[int, int]], cut: int
):
    data = bytearray(original)
    for offset, value in edits:
        data[offset % len(data)] = value
    with contextlib.suppress(LeveattestError):
        decode_face_image(bytes(data[: max(1, len(data) - cut)]))
