"""Safe decoding: caps before decode, stable error codes, EXIF orientation."""

from __future__ import annotations

import contextlib
import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from leveattest.core.errors import ImageError, InputTooLargeError, LeveattestError
from leveattest.core.settings import MRZSettings
from leveattest.imaging import ImageProblem
from leveattest.mrz.image import load_gray
from leveattest.mrz.reader import read_mrz


def _png(width: int, height: int, *, mode: str = "L", color: int = 200) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg(width: int = 200, height: int = 100) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 180, 160)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG claiming huge dimensions (one compressed row, then truncated)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)


def _reason(error: LeveattestError) -> str:
    return str(error.context.get("reason"))


def test_plain_image_decodes_to_gray_array() -> None:
    array = load_gray(_png(120, 80))
    assert array.shape == (80, 120)
    assert array.dtype == np.uint8


def test_empty_bytes_are_refused_with_stable_reason() -> None:
    with pytest.raises(ImageError) as info:
        load_gray(b"")
    assert info.value.code == "image_unreadable"
    assert _reason(info.value) == ImageProblem.EMPTY


def test_text_file_is_refused_as_unsupported_format() -> None:
    with pytest.raises(ImageError) as info:
        load_gray(b"MRZ P<UTOERIKSSON<<ANNA\n" * 10)
    assert _reason(info.value) == ImageProblem.UNSUPPORTED_FORMAT


def test_gif_is_not_an_accepted_format() -> None:
    buffer = io.BytesIO()
    Image.new("L", (100, 100), 100).save(buffer, format="GIF")
    with pytest.raises(ImageError) as info:
        load_gray(buffer.getvalue())
    assert _reason(info.value) == ImageProblem.UNSUPPORTED_FORMAT


def test_truncated_jpeg_is_refused_as_decode_failure() -> None:
    data = _jpeg(400, 300)
    with pytest.raises(ImageError) as info:
        load_gray(data[: len(data) // 3])
    assert _reason(info.value) == ImageProblem.DECODE_FAILED


def test_huge_png_header_is_refused_before_decoding() -> None:
    data = _png_header_only(20_000, 20_000)
    assert len(data) < 1_000
    with pytest.raises(InputTooLargeError) as info:
        load_gray(data)
    assert info.value.code == "input_too_large"
    assert _reason(info.value) == ImageProblem.TOO_MANY_PIXELS


def test_decompression_bomb_is_refused() -> None:
    # 8000 x 8000 of zeros compresses to a few kilobytes; 64 Mpx is over the default cap
    data = _png(8000, 8000, mode="1", color=0)
    assert len(data) < 200_000
    with pytest.raises(InputTooLargeError) as info:
        load_gray(data)
    assert _reason(info.value) == ImageProblem.TOO_MANY_PIXELS


def test_pixel_cap_comes_from_settings() -> None:
    with pytest.raises(InputTooLargeError):
        load_gray(_png(300, 300), MRZSettings(max_image_pixels=50_000))


def test_byte_cap_comes_from_settings() -> None:
    with pytest.raises(InputTooLargeError) as info:
        load_gray(_png(300, 300), MRZSettings(max_image_bytes=100))
    assert _reason(info.value) == ImageProblem.TOO_MANY_BYTES


def test_one_pixel_image_is_too_small() -> None:
    with pytest.raises(ImageError) as info:
        load_gray(_png(1, 1))
    assert _reason(info.value) == ImageProblem.TOO_SMALL


def test_transparent_png_becomes_white_paper() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(buffer, format="PNG")
    assert int(load_gray(buffer.getvalue()).min()) == 255


def test_exif_orientation_turns_the_pixels() -> None:
    image = Image.new("L", (200, 100), 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    assert load_gray(buffer.getvalue()).shape == (200, 100)


def test_large_jpeg_is_decoded_at_a_reduced_scale() -> None:
    array = load_gray(_jpeg(6000, 4000))
    assert max(array.shape) <= 3000


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00",
        b"GIF89a",
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff\xe0" + b"\x00" * 20,
        b"BM" + b"\xff" * 60,
        b"II*\x00" + b"\xff" * 40,
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    ],
)
def test_malformed_inputs_raise_only_leveattest_errors(data: bytes) -> None:
    with pytest.raises(LeveattestError):
        read_mrz(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_raise_only_leveattest_errors(data: bytes) -> None:
    with contextlib.suppress(LeveattestError):
        read_mrz(data)


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00"]),
    st.binary(max_size=512),
)
def test_random_bytes_behind_image_magic_raise_only_leveattest_errors(
    magic: bytes, tail: bytes
) -> None:
    with contextlib.suppress(LeveattestError):
        read_mrz(magic + tail)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=32, max_value=300),
    st.integers(min_value=32, max_value=300),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_random_pictures_give_a_result_or_a_leveattest_error(
    width: int, height: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (height, width), dtype=np.uint8)
    # horizontal stripes look a little like text lines, to reach the OCR stages
    pixels[::7] = 0
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    with contextlib.suppress(LeveattestError):
        read_mrz(buffer.getvalue())
