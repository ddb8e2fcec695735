"""The MRZ locator and the two line OCR engines, on rendered OCR-B lines."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from test_reader import OCRB, TD1, TD3, phone_photo, render_page

from leveattest.mrz.locate import LINE_HEIGHT, find_candidates, flipped
from leveattest.mrz.ocr import (
    LineOCR,
    OCRLine,
    TemplateOCR,
    get_engine,
    get_template_engine,
)

pytestmark = pytest.mark.skipif(not OCRB.is_file(), reason="fonts-ocr-b is not installed")


def _gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.uint8)


def _line_image(text: str, height: int = 56) -> np.ndarray:
    font = ImageFont.truetype(str(OCRB), 38)
    width = int(font.getlength(text)) + 40
    image = Image.new("L", (width, height), 240)
    ImageDraw.Draw(image).text((20, 10), text, font=font, fill=20)
    return _gray(image)


def test_mrz_lines_are_found_upright_with_fixed_height() -> None:
    candidates = find_candidates(_gray(render_page(TD3)))
    assert candidates
    best = candidates[0]
    assert len(best.crops) == 2
    assert best.rotation == 0
    assert all(crop.shape[0] == LINE_HEIGHT for crop in best.crops)
    assert all(crop.shape[1] > 10 * LINE_HEIGHT for crop in best.crops)


def test_td1_gives_three_lines() -> None:
    assert len(find_candidates(_gray(render_page(TD1)))[0].crops) == 3


def test_quarter_turn_is_found_by_the_turned_search() -> None:
    photo = phone_photo(render_page(TD3), angle=90)
    assert find_candidates(_gray(photo))[0].rotation == 1


def test_blank_image_has_no_candidates() -> None:
    assert find_candidates(np.full((400, 600), 200, dtype=np.uint8)) == []


def test_flipped_reverses_line_order_and_turns_each_line() -> None:
    a = np.arange(6, dtype=np.uint8).reshape(2, 3)
    b = a + 10
    turned = flipped([a, b])
    assert np.array_equal(turned[0], b[::-1, ::-1])
    assert np.array_equal(turned[1], a[::-1, ::-1])


def test_template_reader_reads_rendered_ocr_b_lines() -> None:
    engine = TemplateOCR()
    for text in (*TD3, *TD1):
        line = engine.read_line(_line_image(text))
        assert line.text == text
        assert len(line.confidences) == len(line.alternatives) == len(text)
        assert min(line.confidences) > 50


def test_tesseract_legacy_reads_rendered_ocr_b_line() -> None:
    line = get_engine().read_line(_line_image(TD3[1]))
    assert isinstance(line, OCRLine)
    # the repair stage fixes UT0/UTO-type slips; the raw line must already be close
    assert len(line.text) == len(TD3[1])
    assert sum(a != b for a, b in zip(line.text, TD3[1], strict=True)) <= 2


def test_engines_are_created_once_per_process() -> None:
    assert get_engine() is get_engine()
    assert get_template_engine() is get_template_engine()
    assert isinstance(get_engine(), LineOCR)


def test_empty_line_reads_as_empty_text() -> None:
    blank = np.full((56, 600), 230, dtype=np.uint8)
    assert TemplateOCR().read_line(blank).text == ""
