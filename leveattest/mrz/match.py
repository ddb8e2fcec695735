"""Does this page photo show this MRZ? ``match_mrz(image, expected_lines)``.

Used to compare the chip's DG1 MRZ (authoritative) with the printed data page.
The expected MRZ only *guides* the reader by its shape (format: line count and
length); the characters are read and repaired exactly as ``read_mrz`` does, never
towards the expected text, and the best reading is chosen by its own check digits.
So an expected MRZ cannot make a page showing a different MRZ match.

Decision: ``matched`` when the normalised edit similarity over all lines reaches
the threshold **and** no check-digit-protected field contradicts the expected one
(a field the OCR read with a passing check digit but different text is strong
evidence of a different document, however similar the rest).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from leveattest.core.errors import MRZError
from leveattest.core.settings import MRZSettings
from leveattest.mrz.image import load_gray
from leveattest.mrz.reader import Attempt, read_attempts
from leveattest.mrz.repair import LAYOUTS, LINE_SHAPES, check_passes, detect_format

DEFAULT_THRESHOLD: Final = 0.9


@dataclass(frozen=True)
class MRZMatchResult:
    """The comparison. Field names only, never their values (they are personal data)."""

    matched: bool
    score: float  # 1 - edit distance / characters, over all lines
    line_scores: tuple[float, ...]
    threshold: float
    format: str | None  # format of the reading compared ("" when nothing of that shape)
    differing_fields: tuple[str, ...]
    contradicted_fields: tuple[str, ...]
    read_lines: tuple[str, ...]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "score": round(self.score, 4),
            "line_scores": [round(s, 4) for s in self.line_scores],
            "threshold": self.threshold,
            "format": self.format,
            "differing_fields": list(self.differing_fields),
            "contradicted_fields": list(self.contradicted_fields),
        }


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def similarity(read: str, expected: str) -> float:
    """1 - normalised edit distance, in [0, 1]."""
    longest = max(len(read), len(expected))
    return 1.0 if longest == 0 else 1.0 - edit_distance(read, expected) / longest


def _normalise(lines: Sequence[str]) -> list[str]:
    return [line.strip().upper() for line in lines if line.strip()]


def compare_lines(
    read: Sequence[str], expected: Sequence[str], *, threshold: float = DEFAULT_THRESHOLD
) -> MRZMatchResult:
    """Compare read lines with expected lines (no image involved; used by ``match_mrz``)."""
    fmt = detect_format(expected)
    count = len(expected)
    padded = list(read[:count]) + [""] * max(0, count - len(read))
    line_scores = tuple(similarity(r, e) for r, e in zip(padded, expected, strict=True))
    total = sum(max(len(r), len(e)) for r, e in zip(padded, expected, strict=True))
    distance = sum(edit_distance(r, e) for r, e in zip(padded, expected, strict=True))
    score = 1.0 - distance / total if total else 0.0
    differing: list[str] = []
    contradicted: list[str] = []
    same_shape = (
        fmt is not None
        and all(len(r) == LINE_SHAPES[fmt][1] for r in padded)
        and all(len(e) == LINE_SHAPES[fmt][1] for e in expected)
    )
    if fmt is not None and same_shape:
        layout = LAYOUTS[fmt]
        for span in layout.spans:
            got = padded[span.line][span.start : span.end]
            want = expected[span.line][span.start : span.end]
            if got != want and span.name not in differing:
                differing.append(span.name)
        for field in layout.checked:
            if field.name == "composite":
                continue
            got_value = "".join(padded[li][s:e] for li, s, e in field.parts)
            want_value = "".join(expected[li][s:e] for li, s, e in field.parts)
            if got_value != want_value and check_passes(padded, field):
                contradicted.append(field.name)
    elif padded != list(expected):
        differing.append("lines")
    matched = score >= threshold and not contradicted and same_shape
    return MRZMatchResult(
        matched=matched,
        score=score,
        line_scores=line_scores,
        threshold=threshold,
        format=fmt,
        differing_fields=tuple(differing),
        contradicted_fields=tuple(contradicted),
        read_lines=tuple(read),
    )


def _best_of_shape(attempts: Sequence[Attempt], fmt: str) -> Attempt | None:
    shaped = [a for a in attempts if a.format == fmt]
    return max(shaped, key=lambda a: a.rank) if shaped else None


def match_mrz(
    image: bytes,
    expected_lines: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    settings: MRZSettings | None = None,
) -> MRZMatchResult:
    """Read the MRZ in ``image`` and compare it with ``expected_lines``.

    Raises ``MRZError`` when the expected lines have no MRZ shape or the image shows
    no MRZ, ``ImageError``/``InputTooLargeError`` for an image that cannot be decoded.
    """
    expected = _normalise(expected_lines)
    fmt = detect_format(expected)
    if fmt is None or any(len(line) != LINE_SHAPES[fmt][1] for line in expected):
        raise MRZError("the expected MRZ has no known format", reason="expected_not_mrz")
    gray = load_gray(image, settings)
    attempts = read_attempts(gray, settings=settings)
    best = _best_of_shape(attempts, fmt)
    if best is None:
        # the exhaustive pass reads every candidate both ways with both engines
        attempts = read_attempts(gray, settings=settings, exhaustive=True)
        best = _best_of_shape(attempts, fmt)
    if best is None:
        if not any(a.format is not None for a in attempts):
            raise MRZError("no machine-readable zone found in the image", attempts=len(attempts))
        other = max(attempts, key=lambda a: a.rank)
        return compare_lines(list(other.lines), expected, threshold=threshold)
    return compare_lines(list(best.lines), expected, threshold=threshold)
