"""Read the MRZ from a photo of a document's data page: ``read_mrz(image_bytes)``.

Pipeline: safe decode (``image``) → candidate line groups (``locate``) → per-line
OCR (``ocr``) → the lines with an MRZ shape → position-aware repair (``repair``)
→ parse (``parse``).

Cheap first, and stop as soon as every check digit passes: the best candidate is
read by the OCR-B template matcher upright, then turned by 180 degrees; then by
tesseract (legacy engine) in the likelier orientation; then the attempts are fused
field by field (a field is only borrowed where its own check digit passes); then
the next candidates. The winner has, in order: an MRZ shape, no impossible date or
sex code or repeated-character document number, the most passing check digits, the
template reader, the best confidence. Every character of the winner that differs from
the OCR's reading is listed as a repair (``apply_repairs(raw_lines, repairs)`` gives
``result.lines``), borrowed fields included.

Thread-safety: the template matcher is immutable after creation; the tesseract
engine serialises on a lock (see ``ocr``). For parallelism use processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from leveattest.core.checks import Reason
from leveattest.core.errors import MRZError
from leveattest.core.settings import MRZSettings
from leveattest.mrz.image import GrayImage, load_gray
from leveattest.mrz.locate import Candidate, find_candidates, flipped
from leveattest.mrz.model import MRZResult
from leveattest.mrz.ocr import LINE_WIDTHS, OCRLine, get_engine, get_template_engine
from leveattest.mrz.parse import parse_mrz
from leveattest.mrz.repair import (
    LAYOUTS,
    LINE_SHAPES,
    FormatName,
    Repair,
    check_passes,
    count_checks,
    detect_format,
    field_bound,
    repair_lines,
)

# below this mean OCR confidence a reading whose check digits do not all pass is
# treated as noise (specimens: real MRZs read at 0.75-0.95; a page photographed too
# small to read, at 0.54)
MIN_CONFIDENCE: Final = 0.65


@dataclass(frozen=True)
class Attempt:
    """One OCR pass over one candidate: raw lines, repaired lines and their quality."""

    raw: tuple[OCRLine, ...]
    format: FormatName | None
    lines: tuple[str, ...]
    repairs: tuple[Repair, ...]
    checks_passed: int
    checks_total: int
    strategy: str
    implausible: int = 0

    @property
    def confidence(self) -> float:
        chars = [c for line in self.raw for c in line.confidences]
        return sum(chars) / len(chars) / 100.0 if chars else 0.0

    @property
    def rank(self) -> tuple[int, int, int, int, float]:
        shaped = 1 if self.format is not None and self.checks_total else 0
        # on a tie of check digits, prefer the template reader (better on names)
        engine = 1 if self.strategy.startswith(("template", "fused")) else 0
        return (shaped, -self.implausible, self.checks_passed, engine, self.confidence)

    @property
    def all_passed(self) -> bool:
        return (
            self.checks_total > 0
            and self.checks_passed == self.checks_total
            and self.implausible == 0
        )


@dataclass(frozen=True)
class MRZReadResult:
    """What the reader saw and made of it. ``result`` is the parse of the repaired lines."""

    result: MRZResult
    raw_lines: tuple[str, ...]
    repairs: tuple[Repair, ...]
    confidence: dict[str, float]
    timings: dict[str, float]
    strategy: str
    attempts: int = 0

    def to_json_dict(self) -> dict[str, Any]:
        data = self.result.to_json_dict(repairs=[r.to_json_dict() for r in self.repairs])
        data["confidence"] = dict(self.confidence)
        data["raw_lines"] = list(self.raw_lines)
        data["timings"] = dict(self.timings)
        return data


def select_lines(texts: Sequence[str]) -> tuple[list[int], FormatName | None]:
    """Indices of the consecutive OCR lines that have an MRZ shape, and that shape."""
    for size, width in ((3, 30), (2, 44), (2, 36)):
        for start in range(len(texts) - size + 1):
            window = texts[start : start + size]
            if all(abs(len(t) - width) <= 2 for t in window):
                return list(range(start, start + size)), detect_format(window)
    return list(range(len(texts))), None


def _attempt(
    crops: Sequence[GrayImage], strategy: str, ocr: Callable[[GrayImage], OCRLine]
) -> Attempt:
    return _attempt_lines([ocr(crop) for crop in crops], strategy)


def _attempt_lines(raw: Sequence[OCRLine], strategy: str) -> Attempt:
    indices, fmt = select_lines([r.text for r in raw])
    chosen = tuple(raw[i] for i in indices)
    lines, repairs = repair_lines(
        [r.text for r in chosen], fmt, [list(r.alternatives) for r in chosen]
    )
    passed, total = count_checks(lines, fmt)
    return Attempt(
        chosen, fmt, tuple(lines), tuple(repairs), passed, total, strategy, _implausible(lines, fmt)
    )


def _implausible(lines: Sequence[str], fmt: FormatName | None) -> int:
    """Fatal parse problems that noise shows: impossible dates, characters, sex code.

    Check-digit repair can make noise pass a check digit by chance; a date in
    month 47 still gives it away. Unknown state codes are not counted: specimens
    and test documents use them.
    """
    if fmt is None:
        return 0
    result = parse_mrz(list(lines))
    return sum(
        1
        for problem in result.problems
        if problem.fatal
        and (
            problem.reason in (Reason.MRZ_INVALID_DATE, Reason.MRZ_INVALID_CHARACTERS)
            or (
                problem.reason is Reason.MRZ_IMPLAUSIBLE_FIELD
                and problem.field in ("sex", "document_number")
            )
        )
    )


def _fuse(base: Attempt, others: Sequence[Attempt]) -> Attempt | None:
    """``base`` with each failing check-digit field taken from an attempt where it passes.

    Only fields whose own check digit passes are borrowed, so the composite check
    digit still tests the combination independently; a field is borrowed only when it
    differs from ``base``'s reading within the field's repair bound, and every borrowed
    character is listed as a repair (``other_reading:<strategy>``).
    """
    if base.format is None or base.checks_total == 0:
        return None
    layout = LAYOUTS[base.format]
    grid = [list(line) for line in base.lines]
    repairs = list(base.repairs)
    borrowed = False
    for field_def in layout.checked:
        if field_def.name == "composite" or check_passes(grid, field_def):
            continue
        cells = [(li, p) for li, a, b in field_def.parts for p in range(a, b)]
        cells.append(field_def.digit)
        for other in others:
            if other.format != base.format or other.checks_total == 0:
                continue
            other_grid = [list(line) for line in other.lines]
            changed = [(li, p) for li, p in cells if grid[li][p] != other_grid[li][p]]
            if not check_passes(other_grid, field_def) or len(changed) > field_bound(len(cells)):
                continue
            for li, p in changed:
                why = f"other_reading:{other.strategy}"
                field = layout.field_at(li, p)
                repairs.append(Repair(field, li, p, grid[li][p], other_grid[li][p], why))
                grid[li][p] = other_grid[li][p]
            borrowed = True
            break
    if not borrowed:
        return None
    lines = tuple("".join(chars) for chars in grid)
    passed, total = count_checks(lines, base.format)
    return Attempt(
        base.raw,
        base.format,
        lines,
        tuple(repairs),
        passed,
        total,
        "fused",
        _implausible(lines, base.format),
    )


def _attempts_for(
    candidate: Candidate, settings: MRZSettings, *, first: bool, exhaustive: bool
) -> list[Attempt]:
    """Template reader upright, then turned; tesseract on the likelier orientation; fusion.

    Stops as soon as one attempt passes every check digit (unless ``exhaustive``).
    Tesseract runs only for the first (best) candidate: it costs more than the
    template reader and rarely rescues a weak candidate.
    """
    templates = get_template_engine()
    # two lines are TD2/TD3/visa; three may be TD1 or two lines and a stray one
    widths = (36, 44) if len(candidate.crops) == 2 else LINE_WIDTHS

    def template_lines(crops: list[GrayImage]) -> list[OCRLine]:
        # all MRZ lines have one length: the second line (an MRZ line even when a
        # stray line joined the group) picks it; the others are read at that width only
        pivot = templates.read_line(crops[1], widths)
        width = (len(pivot.text),) if pivot.text else widths
        return [
            pivot if i == 1 else templates.read_line(crop, width) for i, crop in enumerate(crops)
        ]

    done: list[Attempt] = []

    def finished(attempt: Attempt | None) -> bool:
        if attempt is None:
            return False
        done.append(attempt)
        return attempt.all_passed and not exhaustive

    upright = _attempt_lines(template_lines(candidate.crops), "template")
    if finished(upright):
        return done
    turned_crops = flipped(candidate.crops)
    turned = _attempt_lines(template_lines(turned_crops), "template_turned_180")
    if finished(turned):
        return done
    if first or exhaustive:
        use_turned = turned.rank > upright.rank
        crops = turned_crops if use_turned else candidate.crops
        engine = get_engine(settings.tessdata_dir)
        name = "tesseract_turned_180" if use_turned else "tesseract"
        if finished(_attempt(crops, name, engine.read_line)):
            return done
    ranked = sorted(done, key=lambda a: a.rank, reverse=True)
    finished(_fuse(ranked[0], ranked[1:]))
    return done


def _field_confidence(attempt: Attempt) -> dict[str, float]:
    """Lowest character confidence (0-1) per layout field, plus the overall mean.

    Fields are only scored when the OCR line already had the layout's length
    (otherwise positions would not line up).
    """
    scores: dict[str, float] = {"overall": round(attempt.confidence, 3)}
    if attempt.format is None:
        return scores
    layout = LAYOUTS[attempt.format]
    width = LINE_SHAPES[attempt.format][1]
    for span in layout.spans:
        line = attempt.raw[span.line]
        if len(line.confidences) != width:
            continue
        # the line has the layout's width: every span has its characters
        low = max(0.0, min(line.confidences[span.start : span.end])) / 100.0
        scores[span.name] = round(min(low, scores.get(span.name, 1.0)), 3)
    return scores


def read_attempts(
    gray: GrayImage, *, settings: MRZSettings | None = None, exhaustive: bool = False
) -> list[Attempt]:
    """OCR attempts, best first; stops at the first one whose check digits all pass."""
    cfg = settings or MRZSettings()
    attempts: list[Attempt] = []
    for index, candidate in enumerate(find_candidates(gray)):
        mine = _attempts_for(candidate, cfg, first=index == 0, exhaustive=exhaustive)
        attempts.extend(mine)
        if mine and mine[-1].all_passed and not exhaustive:
            break
    attempts.sort(key=lambda a: a.rank, reverse=True)
    return attempts


def read_mrz(
    image: bytes, *, today: date | None = None, settings: MRZSettings | None = None
) -> MRZReadResult:
    """Read the MRZ from an image of a document page.

    Raises ``ImageError``/``InputTooLargeError`` for an image we cannot decode safely
    and ``MRZError`` when no MRZ-shaped text is found (``context["reason"]`` is
    ``no_mrz_found``) or it cannot be read (``unreadable``: no check digit passes,
    or some fail and the mean OCR confidence is below ``MIN_CONFIDENCE``). An MRZ
    that was read but fails some check digits is a result (``result.valid`` is
    False), not an exception.
    """
    started = time.perf_counter()
    gray = load_gray(image, settings)
    decoded = time.perf_counter()
    attempts = read_attempts(gray, settings=settings)
    done = time.perf_counter()
    best = attempts[0] if attempts else None
    if best is None or best.format is None:
        raise MRZError(
            "no machine-readable zone found in the image",
            reason="no_mrz_found",
            attempts=len(attempts),
        )
    if best.checks_passed == 0 or (not best.all_passed and best.confidence < MIN_CONFIDENCE):
        # MRZ-shaped text with no passing check digit, or failing ones and a weak
        # match, is noise (a page photographed too small, blurred, at an angle)
        raise MRZError(
            "the machine-readable zone could not be read (retake the photo)",
            reason="unreadable",
            attempts=len(attempts),
            confidence=round(best.confidence, 3),
        )
    parsed = parse_mrz(list(best.lines), today=today)
    finished = time.perf_counter()
    return MRZReadResult(
        result=parsed,
        raw_lines=tuple(r.text for r in best.raw),
        repairs=best.repairs,
        confidence=_field_confidence(best),
        timings={
            "decode_s": round(decoded - started, 4),
            "locate_ocr_s": round(done - decoded, 4),
            "parse_s": round(finished - done, 4),
            "total_s": round(finished - started, 4),
        },
        strategy=best.strategy,
        attempts=len(attempts),
    )
