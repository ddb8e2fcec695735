"""Edges of reading, matching and repair that whole-page photos do not reach: the guards
of the line locator and the template reader, fusion of two readings, the tesseract
engine's set-up errors, and the MRZ shapes the helpers refuse."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from mrz_specimens import TD3
from test_reader import OCRB, TD1

from leveattest.core.checks import Reason
from leveattest.core.errors import ConfigurationError, MRZError
from leveattest.core.settings import MRZSettings
from leveattest.mrz import make_norwegian_id, parse_mrz, quirks, reader
from leveattest.mrz.locate import Candidate, LineBox, _group, find_candidates
from leveattest.mrz.match import compare_lines, match_mrz
from leveattest.mrz.ocr import LineOCR, OCRLine, TemplateOCR, _decode_cells, _prepare
from leveattest.mrz.reader import Attempt, _attempt_lines, _field_confidence, _fuse
from leveattest.mrz.repair import count_checks, repair_lines

needs_ocrb = pytest.mark.skipif(not OCRB.is_file(), reason="fonts-ocr-b is not installed")


def _line(text: str, confidence: float = 90.0) -> OCRLine:
    return OCRLine(text, tuple(confidence for _ in text), tuple("" for _ in text))


# ---- the line locator and the template reader ------------------------------------------
def test_lines_at_different_angles_are_not_one_mrz() -> None:
    first = LineBox(cx=300, cy=100, length=500, thickness=20, angle=0.0)
    tilted = LineBox(cx=300, cy=130, length=500, thickness=20, angle=10.0)
    assert _group([first, tilted]) == []
    parallel = LineBox(cx=300, cy=130, length=500, thickness=20, angle=1.0)
    assert len(_group([first, parallel])) == 1


def test_an_ocr_line_without_characters_has_zero_confidence() -> None:
    assert OCRLine("", ()).mean_confidence == 0.0


def test_tesseract_without_its_trained_data_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"eng\.traineddata"):
        LineOCR(tmp_path)


def test_tesseract_with_corrupt_trained_data_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "eng.traineddata").write_bytes(b"not a traineddata file" * 10)
    with pytest.raises(ConfigurationError, match="initialised"):
        LineOCR(tmp_path)


def test_the_template_reader_needs_the_ocr_b_font(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="OCR-B"):
        TemplateOCR(tmp_path / "missing.otf")


def _blobs(height: int, boxes: list[tuple[int, int, int, int]], width: int = 400) -> np.ndarray:
    """A light line image with dark rectangles (top, bottom, left, right)."""
    image = np.full((height, width), 230, dtype=np.uint8)
    for top, bottom, left, right in boxes:
        image[top:bottom, left:right] = 20
    return image


def test_a_line_of_specks_has_no_text_box() -> None:
    # every mark is under a fifth of the line's height
    assert _prepare(_blobs(100, [(40, 50, 20, 30), (40, 50, 60, 70)])) is None


def test_marks_of_very_different_heights_have_no_text_band() -> None:
    # a 30 px and a 100 px mark: neither is near their median height (65 px)
    assert _prepare(_blobs(120, [(50, 80, 20, 30), (10, 110, 80, 90)])) is None


def test_a_band_too_flat_for_text_has_no_text_box() -> None:
    marks = [(40, 62, 20 + 40 * i, 40 + 40 * i) for i in range(6)]
    assert _prepare(_blobs(100, marks)) is None


def test_cells_beyond_the_match_map_read_as_fillers() -> None:
    maps = np.zeros((37, 40), dtype=np.float32)
    text, confidences, _, _ = _decode_cells(maps, x0=1000.0, cell=10, count=3)
    assert text == "<<<"
    assert confidences == (0.0, 0.0, 0.0)


@needs_ocrb
def test_marks_spaced_like_no_mrz_line_give_an_empty_reading() -> None:
    # two marks far apart: no MRZ width gives a plausible character pitch
    # (narrower than the background filter, so they stay ink)
    line = _blobs(56, [(10, 46, 5, 15), (10, 46, 3985, 3995)], width=4000)
    assert _prepare(line) is not None
    assert TemplateOCR().read_line(line).text == ""


@needs_ocrb
def test_a_band_scaled_below_the_glyph_height_is_not_matched() -> None:
    engine = TemplateOCR()
    # the text fills the image's height: no margin above or below to scale with it
    gray = _blobs(36, [(0, 36, 20 + 30 * i, 40 + 30 * i) for i in range(30)], width=960)
    assert engine._read_cells(gray, (0, 35, 20, 909), 30, 0.5) is None


# ---- attempts, fusion and confidence ---------------------------------------------------
def test_lines_of_no_mrz_shape_count_no_implausible_field() -> None:
    attempt = _attempt_lines([_line("HELLO"), _line("WORLD")], "template")
    assert attempt.format is None
    assert attempt.implausible == 0
    assert _field_confidence(attempt) == {"overall": 0.9}


def test_fields_of_a_line_read_at_another_length_are_not_scored() -> None:
    short = TD3[1][:-1]
    attempt = _attempt_lines([_line(TD3[0]), _line(short, 50.0)], "template")
    scores = _field_confidence(attempt)
    assert "names" in scores
    assert "birth_date" not in scores


def _attempt(lines: list[str], strategy: str, fmt: str | None = "TD3") -> Attempt:
    passed, total = count_checks(lines, fmt)  # type: ignore[arg-type]
    raw = tuple(_line(line) for line in lines)
    return Attempt(raw, fmt, tuple(lines), (), passed, total, strategy)  # type: ignore[arg-type]


def test_fusion_borrows_a_failing_field_from_a_reading_where_it_passes() -> None:
    damaged = [TD3[0], TD3[1][:13] + "7408132" + TD3[1][20:]]  # birth date misread
    base = _attempt(damaged, "template")
    no_shape = _attempt(["HELLO"], "tesseract", fmt=None)
    other_shape = _attempt(TD1, "template_turned_180", fmt="TD1")
    also_wrong = _attempt(damaged, "tesseract_turned_180")
    good = _attempt(TD3, "tesseract")
    fused = _fuse(base, [no_shape, other_shape, also_wrong, good])
    assert fused is not None
    assert fused.lines == tuple(TD3)
    assert fused.all_passed
    assert [r.why for r in fused.repairs] == ["other_reading:tesseract"]


def test_fusion_without_a_better_reading_gives_nothing() -> None:
    damaged = [TD3[0], TD3[1][:13] + "7408132" + TD3[1][20:]]
    assert _fuse(_attempt(damaged, "template"), [_attempt(damaged, "tesseract")]) is None
    assert _fuse(_attempt(["HELLO"], "template", fmt=None), []) is None


def test_fusion_does_not_rewrite_a_field_beyond_its_repair_bound() -> None:
    damaged = [TD3[0], TD3[1][:13] + "0000000" + TD3[1][20:]]
    assert _fuse(_attempt(damaged, "template"), [_attempt(TD3, "tesseract")]) is None


# ---- match_mrz and compare_lines -------------------------------------------------------
def test_matching_against_a_blank_page_finds_no_mrz() -> None:
    blank = np.full((300, 400), 235, dtype=np.uint8)
    import io  # noqa: PLC0415

    from PIL import Image  # noqa: PLC0415 - only this test encodes an image

    buffer = io.BytesIO()
    Image.fromarray(blank).save(buffer, format="PNG")
    with pytest.raises(MRZError, match="no machine-readable zone"):
        match_mrz(buffer.getvalue(), TD3)


def test_lines_of_no_mrz_shape_compare_as_plain_text() -> None:
    same = compare_lines(["HELLO"], ["HELLO"])
    assert same.differing_fields == ()
    assert compare_lines(["HELLO"], ["WORLD"]).differing_fields == ("lines",)


# ---- repair and parse guards -----------------------------------------------------------
def test_alternatives_for_another_number_of_lines_are_ignored() -> None:
    lines, repairs = repair_lines(TD3, alternatives=[["" for _ in TD3[0]]])
    assert lines == TD3
    assert repairs == []


def test_check_digits_are_not_counted_for_lines_of_no_known_shape() -> None:
    assert count_checks(["ABC"]) == (0, 0)
    assert count_checks([TD3[0], TD3[1][:-3]], "TD3") == (0, 0)


def test_french_card_without_a_surname_is_implausible() -> None:
    from test_mrz_france import CARD  # noqa: PLC0415

    no_surname = [CARD[0][:5] + "<" * 25 + CARD[0][30:], CARD[1]]
    result = parse_mrz(no_surname, today=date(2026, 1, 1))
    assert any(
        p.reason is Reason.MRZ_IMPLAUSIBLE_FIELD and p.detail == "no surname"
        for p in result.problems
    )


def test_a_birth_field_that_is_not_six_characters_never_agrees_with_a_national_number() -> None:
    number = make_norwegian_id(date(1974, 8, 12), 123)
    outcome = quirks.norwegian_personal_number(
        (number,), "74081", date(1974, 8, 12), allow_2032_rules=False
    )
    assert [p.reason for p in outcome.problems] == [Reason.MRZ_MISMATCH]


# ---- the order of the engines ----------------------------------------------------------
class _Misreading:
    """The template reader reading every line as noise of the right length."""

    def read_line(self, line: np.ndarray, widths: tuple[int, ...] = (44,)) -> OCRLine:
        return _line("X" * widths[0], 30.0)


def _candidate() -> Candidate:
    from test_reader import render_page  # noqa: PLC0415

    gray = np.asarray(render_page(TD3).convert("L"), dtype=np.uint8)
    return find_candidates(gray)[0]


@needs_ocrb
def test_tesseract_reads_the_first_candidate_when_the_template_reader_cannot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reader, "get_template_engine", _Misreading)
    attempts = reader._attempts_for(_candidate(), MRZSettings(), first=True, exhaustive=False)
    assert [a.strategy for a in attempts][-1].startswith("tesseract")
    assert attempts[-1].all_passed
    assert attempts[-1].lines == tuple(TD3)


@needs_ocrb
def test_later_candidates_are_not_given_to_tesseract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "get_template_engine", _Misreading)
    attempts = reader._attempts_for(_candidate(), MRZSettings(), first=False, exhaustive=False)
    assert not any(a.strategy.startswith("tesseract") for a in attempts)
    assert not any(a.all_passed for a in attempts)


@needs_ocrb
def test_an_mrz_whose_check_digits_all_fail_is_unreadable() -> None:
    from test_reader import encode, render_page  # noqa: PLC0415

    # every check digit off by one: MRZ-shaped text that is no MRZ
    wrong = [TD3[0], "L898902C37UTO7408123F1204150ZE184226B<<<<<25"]
    with pytest.raises(MRZError) as caught:
        reader.read_mrz(encode(render_page(wrong)))
    assert caught.value.context["reason"] == "unreadable"


def test_tesseract_reads_noise_as_mrz_characters_only() -> None:
    # noise makes tesseract report empty symbols and characters outside the whitelist's
    # alphabet; the line keeps MRZ characters only, one confidence each
    from leveattest.mrz.checkdigit import MRZ_ALPHABET  # noqa: PLC0415
    from leveattest.mrz.ocr import get_engine  # noqa: PLC0415

    engine = get_engine()
    rng = np.random.default_rng(1)
    for _ in range(30):
        read = engine.read_line(rng.integers(0, 256, (40, 300), dtype=np.uint8))
        assert set(read.text) <= set(MRZ_ALPHABET)
        assert len(read.confidences) == len(read.text) == len(read.alternatives)


def test_a_composite_repair_over_names_never_puts_a_digit_in_a_name() -> None:
    # the French card's composite covers line 1 (names included): letter positions are
    # offered only letters and fillers, whatever the look-alikes
    from test_mrz_france import CARD  # noqa: PLC0415

    digit = CARD[1][-1]
    wrong = "0" if digit != "0" else "1"
    _, repairs = repair_lines([CARD[0], CARD[1][:-1] + wrong])
    letters = [r for r in repairs if r.field == "names"]
    assert all(not r.to.isdigit() for r in letters)
    assert all(r.why.startswith("check_digit:composite") for r in repairs)


def test_french_card_with_a_partly_unknown_birth_date_reports_it() -> None:
    from test_mrz_france import CARD  # noqa: PLC0415

    partial = [CARD[0], CARD[1][:27] + "4802<<" + CARD[1][33:]]  # day unknown
    result = parse_mrz(partial, today=date(2026, 1, 1))
    assert any(
        p.reason is Reason.MRZ_PARTIAL_DATE and p.field == "birth_date" for p in result.problems
    )
