"""read_mrz on synthetic data pages rendered with the OCR-B font (no shared data needed).

The helpers here (``render_page``, ``phone_photo``, ``encode``) are also used by
test_match.py.
"""

from __future__ import annotations

import io
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from leveattest.core.errors import MRZError
from leveattest.mrz.reader import read_mrz, select_lines

OCRB = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
pytestmark = pytest.mark.skipif(not OCRB.is_file(), reason="fonts-ocr-b is not installed")

# ICAO 9303 Part 4 specimen (TD3) and Part 6 specimen (TD2)
TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
# ICAO 9303 Part 5 specimen (TD1)
TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
TODAY = date(2010, 1, 1)


def render_page(lines: list[str], *, px_per_mm: float = 10.0) -> Image.Image:
    """A data page: labels, a photo box and the MRZ at the ICAO pitch (2.54 mm)."""
    width_mm = 125.0 if len(lines[0]) > 30 else 85.6
    height_mm = 88.0 if len(lines[0]) > 30 else 54.0
    size = (round(width_mm * px_per_mm), round(height_mm * px_per_mm))
    page = Image.new("L", size, 236)
    draw = ImageDraw.Draw(page)
    pitch = 2.54 * px_per_mm
    font = ImageFont.truetype(str(OCRB), round(100 * pitch / 72.3))
    label = ImageFont.truetype(str(OCRB), round(2.2 * px_per_mm))
    draw.rectangle((4 * px_per_mm, 8 * px_per_mm, 30 * px_per_mm, 40 * px_per_mm), fill=150)
    for row in range(5):
        y = (9 + row * 6) * px_per_mm
        draw.text((36 * px_per_mm, y), "SURNAME NOM " * 2, font=label, fill=90)
    line_gap = 4.3 * px_per_mm
    top = size[1] - (len(lines) * line_gap + 3 * px_per_mm)
    left = (size[0] - len(lines[0]) * pitch) / 2
    for i, text in enumerate(lines):
        draw.text((left, top + i * line_gap), text, font=font, fill=20)
    return page


def phone_photo(
    page: Image.Image,
    *,
    angle: float = 0.0,
    size: tuple[int, int] = (1600, 1200),
    blur: float = 0.0,
    glare: bool = False,
) -> Image.Image:
    """The page on a darker desk, rotated, optionally blurred and with a glare spot."""
    turned = page.rotate(angle, expand=True, fillcolor=0, resample=Image.Resampling.BICUBIC)
    mask = Image.new("L", page.size, 255).rotate(angle, expand=True, fillcolor=0)
    scale = min(size[0] * 0.85 / turned.width, size[1] * 0.85 / turned.height)
    new_size = (round(turned.width * scale), round(turned.height * scale))
    turned = turned.resize(new_size, Image.Resampling.LANCZOS)
    mask = mask.resize(new_size)
    canvas = Image.new("L", size, 70)
    offset = ((size[0] - new_size[0]) // 2, (size[1] - new_size[1]) // 2)
    canvas.paste(turned, offset, mask)
    if glare:
        yy, xx = np.mgrid[0 : size[1], 0 : size[0]]
        cx, cy, r = size[0] * 0.6, size[1] * 0.62, size[0] * 0.12
        spot = 120 * np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)))
        array = np.clip(np.asarray(canvas, dtype=np.float32) + spot, 0, 255).astype(np.uint8)
        canvas = Image.fromarray(array)
    if blur:
        canvas = canvas.filter(ImageFilter.GaussianBlur(blur))
    return canvas


def encode(image: Image.Image, fmt: str = "PNG", **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _read_lines(data: bytes) -> list[str]:
    return list(read_mrz(data, today=TODAY).result.lines)


def test_clean_td3_page_is_read_exactly_and_valid() -> None:
    read = read_mrz(encode(render_page(TD3)), today=TODAY)
    assert list(read.result.lines) == TD3
    assert read.result.valid
    assert read.result.document_number == "L898902C3"
    assert set(read.timings) >= {"decode_s", "locate_ocr_s", "total_s"}
    assert 0.0 < read.confidence["overall"] <= 1.0


def test_td2_and_td1_pages_are_read() -> None:
    assert _read_lines(encode(render_page(TD2))) == TD2
    assert _read_lines(encode(render_page(TD1))) == TD1


@pytest.mark.parametrize("angle", [90, 180, 270, 7, -12, 184])
def test_rotated_photos_are_read(angle: float) -> None:
    photo = phone_photo(render_page(TD3), angle=angle)
    assert _read_lines(encode(photo)) == TD3


def test_blurred_glare_jpeg_photo_is_read() -> None:
    photo = phone_photo(render_page(TD3), angle=3, blur=1.2, glare=True)
    assert _read_lines(encode(photo, "JPEG", quality=60)) == TD3


@pytest.mark.parametrize("quality", [35, 75, 95])
def test_jpeg_quality_does_not_change_the_reading(quality: int) -> None:
    photo = phone_photo(render_page(TD3))
    assert _read_lines(encode(photo, "JPEG", quality=quality)) == TD3


def test_perspective_photo_is_read() -> None:
    photo = phone_photo(render_page(TD3), angle=2)
    width, height = photo.size
    # the top edge leans away from the camera: about 8 % narrower than the bottom
    squeeze = 0.04 * width
    coefficients = _perspective_coefficients(
        [(squeeze, 0), (width - squeeze, 0), (width, height), (0, height)],
        [(0, 0), (width, 0), (width, height), (0, height)],
    )
    warped = photo.transform(
        photo.size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC
    )
    assert _read_lines(encode(warped, "JPEG", quality=85)) == TD3


def _perspective_coefficients(
    target: list[tuple[float, float]], source: list[tuple[float, float]]
) -> list[float]:
    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    matrix = np.array(rows, dtype=np.float64)
    vector = np.array([c for point in source for c in point], dtype=np.float64)
    return [float(c) for c in np.linalg.solve(matrix, vector)]


def test_phone_sized_jpeg_is_read() -> None:
    photo = phone_photo(render_page(TD3, px_per_mm=20), angle=-4, size=(4032, 3024))
    assert _read_lines(encode(photo, "JPEG", quality=85)) == TD3


def test_exif_orientation_is_applied() -> None:
    photo = phone_photo(render_page(TD3)).rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": the stored pixels are turned
    data = encode(photo, "JPEG", quality=90, exif=exif.tobytes())
    assert _read_lines(data) == TD3


def test_page_without_mrz_raises_mrz_error() -> None:
    page = Image.new("L", (800, 600), 230)
    ImageDraw.Draw(page).text((50, 50), "NO MACHINE READABLE ZONE HERE", fill=0)
    with pytest.raises(MRZError) as info:
        read_mrz(encode(page))
    assert info.value.code == "mrz_unreadable"


def test_uniform_noise_raises_mrz_error() -> None:
    rng = np.random.default_rng(7)
    noise = Image.fromarray(rng.integers(0, 255, (300, 400), dtype=np.uint8))
    with pytest.raises(MRZError):
        read_mrz(encode(noise))


def test_repairs_are_reported_with_field_position_and_reason() -> None:
    read = read_mrz(encode(render_page(TD3)), today=TODAY)
    payload = read.to_json_dict()
    assert set(payload) >= {
        "format",
        "document_type",
        "issuing_state",
        "surname",
        "given_names",
        "document_number",
        "nationality",
        "birth_date",
        "sex",
        "expiry_date",
        "optional_data",
        "personal_number",
        "lines",
        "checks",
        "repairs",
        "valid",
        "confidence",
    }
    for repair in payload["repairs"]:
        assert set(repair) == {"field", "line", "position", "from", "to", "why"}


def test_select_lines_skips_a_stray_line_next_to_a_two_line_mrz() -> None:
    indices, fmt = select_lines(["XXII", *TD3])
    assert indices == [1, 2]
    assert fmt == "TD3"


def test_select_lines_without_mrz_shape_has_no_format() -> None:
    assert select_lines(["ABC", "DEF"])[1] is None


def test_rotation_helper_keeps_geometry_sane() -> None:
    # guard for the helper itself: a 90 degree turn swaps the page sides
    page = render_page(TD3)
    turned = page.rotate(90, expand=True)
    assert math.isclose(turned.width, page.height)
