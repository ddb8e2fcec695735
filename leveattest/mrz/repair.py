"""Position-aware correction of OCR'd MRZ lines (layouts in ``layouts``).

Every character changed is listed as a ``Repair`` (field, line, position, from, to,
why); ``apply_repairs(raw, repairs)`` gives the repaired lines back. Kinds (``why``):

* ``length``: a line one or two characters off is fixed by lengthening or
  shortening its longest filler run (OCR merges or splits ``<<``);
* character class — ``digits_only`` / ``letters_only``: where the layout allows only
  digits (dates, check digits) a letter look-alike becomes its digit, and where only
  letters may stand (document type, states, names) a digit becomes its letter;
  ``numbering:<STATE>``: a document number of a state whose numbering is known
  (``numbering``) has its characters outside that numbering's alphabet replaced by
  their look-alikes, only when the result passes the check digit;
  ``national_number:<STATE>``: in Norway's and Denmark's optional data (a fødselsnummer,
  D-nummer or CPR number: digits only) a letter look-alike inside a run of mostly digits
  becomes its digit;
* guesses — ``filler_run``: noise inside a run of fillers becomes ``<``;
  ``state_code``: a state code that is no known code becomes the one known code that
  differs by one look-alike letter; ``digits_only+check_digit``: the only letter of a
  digits-only field whose check digit passes becomes the digit of equal value;
  ``check_digit:<field>``: a field whose check digit fails is changed at **one**
  position when exactly one candidate makes it pass (and the composite, where that
  covers the field). In alphanumeric positions only the six letter/digit look-alikes
  O/0, I/1, B/8, S/5, Z/2, G/6 are tried, and only for a character that stands once
  in the field; in digit positions also the OCR's close alternatives. Ambiguous
  fields are left alone (and stay invalid).

Bounds (``MAX_TOTAL``, ``_field_bound``): in a field of n characters at most
max(1, n // 2) characters change and at most max(2, n // 4) of them by a guess — a
repair never rewrites a field (one-character fields: check digits, sex, may change);
at most ``MAX_TOTAL`` characters per MRZ. A field over its bound is put back as read
(its check digit then fails); an MRZ over the total keeps only its length repairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Final

from leveattest.mrz.checkdigit import MRZ_ALPHABET, char_value
from leveattest.mrz.countries import is_known_code
from leveattest.mrz.layouts import (
    LAYOUTS,
    LINE_SHAPES,
    CheckedField,
    FormatName,
    Kind,
    Layout,
    Span,
    check_passes,
    detect_format,
    field_lengths,
)
from leveattest.mrz.numbering import LOOKALIKE, Numbering, numbering_for

__all__ = [
    "LAYOUTS",
    "LINE_SHAPES",
    "MAX_TOTAL",
    "FormatName",
    "Repair",
    "apply_repairs",
    "check_passes",
    "count_checks",
    "detect_format",
    "field_bound",
    "repair_lines",
]

MAX_TOTAL: Final = 12  # repaired characters per MRZ (length repairs not counted)
# states whose optional data holds a national number of digits only (``quirks``)
NATIONAL_DIGIT_STATES: Final = frozenset({"NOR", "DNK"})
_CLASS_WHYS: Final = ("digits_only", "letters_only")

# fmt: off
TO_DIGIT: Final = {
    "O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8",
    "G": "6", "A": "4", "T": "7",
}
# fmt: on
TO_LETTER: Final = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
FILLER_LOOKALIKES: Final = frozenset("KCEXZL")
# look-alikes tried by the check-digit repair without OCR evidence (both directions):
# letter/digit and letter/letter shapes of OCR-B. Digit/digit confusions (3/8, 1/7, ...)
# are only tried when the OCR engine itself reported them as close alternatives.
_PAIRS: Final = ("O0", "D0", "I1", "L1", "Z2", "S5", "B8", "G6", "OD")
CONFUSABLE: Final[dict[str, frozenset[str]]] = {}
for _a, _b in _PAIRS:
    CONFUSABLE[_a] = CONFUSABLE.get(_a, frozenset()) | {_b}
    CONFUSABLE[_b] = CONFUSABLE.get(_b, frozenset()) | {_a}

# letters that OCR-B shares strokes with, for state codes only: a code is checked
# against the closed list of ICAO/ISO codes, so a wider set is safe there
_LETTER_GROUPS: Final = ("OQD", "IL", "MNH", "EF", "UV", "PR")
LETTER_TWINS: Final[dict[str, frozenset[str]]] = {
    c: frozenset(group) - {c} for group in _LETTER_GROUPS for c in group
}

# per line, per character: alternatives the OCR found nearly as likely
Alternatives = Sequence[Sequence[str]]


@dataclass(frozen=True)
class Repair:
    """One change made to the OCR text; positions are 0-based."""

    field: str
    line: int
    position: int
    from_: str
    to: str
    why: str

    def to_json_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["from"] = data.pop("from_")
        return data


def _fix_length(line: str, width: int, index: int, repairs: list[Repair]) -> str:
    if len(line) == width or abs(len(line) - width) > 2:
        return line
    # the longest filler run absorbs the difference
    best_start, best_len, i = -1, 0, 0
    while i < len(line):
        if line[i] == "<":
            j = i
            while j < len(line) and line[j] == "<":
                j += 1
            if j - i > best_len:
                best_start, best_len = i, j - i
            i = j
        else:
            i += 1
    delta = width - len(line)
    if best_len < 2 or best_len + delta < 1:
        return line
    fixed = line[:best_start] + "<" * (best_len + delta) + line[best_start + best_len :]
    repairs.append(
        Repair("line_length", index, best_start, "<" * best_len, "<" * (best_len + delta), "length")
    )
    return fixed


def _class_fixes(lines: list[list[str]], layout: Layout, repairs: list[Repair]) -> None:
    for span in layout.spans:
        chars = lines[span.line]
        if span.kind in ("A", "X"):
            _filler_runs(chars, span, repairs)
        for pos in range(span.start, min(span.end, len(chars))):
            c = chars[pos]
            new, why = c, ""
            if span.kind == "N" or (span.kind == "C" and c != "<"):
                if c.isalpha() and c in MRZ_ALPHABET:
                    new = _as_digit(lines, layout, span.line, pos)
                    why = "digits_only" if TO_DIGIT.get(c) == new else "digits_only+check_digit"
            elif span.kind == "A" and c.isdigit() and c in TO_LETTER:
                new, why = TO_LETTER[c], "letters_only"
            if new != c:
                chars[pos] = new
                repairs.append(Repair(span.name, span.line, pos, c, new, why))


def _as_digit(lines: list[list[str]], layout: Layout, line: int, pos: int) -> str:
    """The digit for a letter where only digits may stand.

    When it is the field's only letter and the field's check digit passes with it in
    place, the digit with the same check-digit value (letter value mod 10, ICAO
    9303-3 §4.9) keeps it passing and is taken; otherwise the OCR-B look-alike
    (O→0, I→1, S→5, B→8, ...), if there is one.
    """
    c = lines[line][pos]
    for field in layout.checked:
        if field.name == "composite":
            continue
        cells = [(li, p) for li, a, b in field.parts for p in range(a, b)]
        if (line, pos) not in cells:
            continue
        letters = [1 for li, p in cells if lines[li][p].isalpha()]
        if len(letters) == 1 and check_passes(lines, field):
            return str(char_value(c) % 10)
    return TO_DIGIT.get(c, c)


def _filler_runs(chars: list[str], span: Span, repairs: list[Repair]) -> None:
    """Noise inside filler runs becomes ``<``.

    Names (ICAO 9303-3 §4.6) are left-aligned and separated by ``<`` or ``<<``, so one
    or two characters after three fillers cannot be a name: they are noise. In other
    fields a lone ``K``/``C``/``E``-like character between fillers is a misread ``<``.
    """
    end = min(span.end, len(chars))
    names = span.name in ("names", "given_names")
    pos = span.start
    while pos < end:
        if chars[pos] == "<":
            pos += 1
            continue
        run_end = pos
        while run_end < end and chars[run_end] != "<":
            run_end += 1
        run = run_end - pos
        fillers_before = 0
        while pos - fillers_before - 1 >= span.start and chars[pos - fillers_before - 1] == "<":
            fillers_before += 1
        if names:
            noise = fillers_before >= 3 and run <= 2
        else:
            noise = fillers_before >= 2 and run == 1 and chars[pos] in FILLER_LOOKALIKES
        if noise:
            for p in range(pos, run_end):
                repairs.append(Repair(span.name, span.line, p, chars[p], "<", "filler_run"))
                chars[p] = "<"
        pos = run_end


def _state_codes(lines: list[list[str]], layout: Layout, repairs: list[Repair]) -> None:
    for span in layout.spans:
        if span.name not in ("issuing_state", "nationality"):
            continue
        chars = lines[span.line]
        code = "".join(chars[span.start : span.end])
        if is_known_code(code.rstrip("<")):
            continue
        found: list[tuple[int, str]] = []
        for pos in range(span.start, span.end):
            for alt in sorted(LETTER_TWINS.get(chars[pos], frozenset())):
                variant = code[: pos - span.start] + alt + code[pos - span.start + 1 :]
                if is_known_code(variant.rstrip("<")):
                    found.append((pos, alt))
        if len(found) == 1:
            pos, alt = found[0]
            repairs.append(Repair(span.name, span.line, pos, chars[pos], alt, "state_code"))
            chars[pos] = alt


def _allowed(kind: Kind, c: str) -> bool:
    if kind in ("N", "C"):
        return c.isdigit()
    if kind == "A":
        return c.isalpha() or c == "<"
    return True


def _check_digit_fix(
    lines: list[list[str]],
    layout: Layout,
    field: CheckedField,
    *,
    repairs: list[Repair],
    frozen: set[tuple[int, int]],
    composite: CheckedField | None = None,
    alternatives: Alternatives | None = None,
    numbering: Numbering | None = None,
) -> None:
    if numbering is not None and _numbering_fix(lines, field, numbering, repairs, frozen):
        return
    dl, dp = field.digit
    if check_passes(lines, field) or lines[dl][dp] == "<":  # "<": TD1 long number
        return
    cells = [(li, p) for li, s, e in field.parts for p in range(s, e)]
    passing: list[tuple[int, int, str]] = []
    for li, p in [*cells, field.digit]:
        if (li, p) in frozen:
            continue
        original = lines[li][p]
        kind = layout.kind_at(li, p)
        if kind == "X" and sum(lines[a][b] == original for a, b in cells) > 1:
            # the same glyph stands elsewhere in the field: changing one of them and
            # keeping the others (``OOOOOOO0O``) is chance satisfying the check digit
            continue
        options = _options(original, kind, alternatives[li][p] if alternatives else None)
        if numbering is not None and kind == "X":
            index = _index_in(field, li, p)
            allowed = numbering.positions[index] if index < len(numbering.positions) else {"<"}
            options &= allowed
        for alt in sorted(options):
            if not _allowed(kind, alt):
                continue
            lines[li][p] = alt
            if check_passes(lines, field):
                passing.append((li, p, alt))
            lines[li][p] = original
    why = f"check_digit:{field.name}"
    if composite is not None:
        # the composite must agree as well (it adds evidence only where its weights
        # differ from the field's: not for document numbers, which start it)
        passing = [c for c in passing if _passes_with(lines, composite, c)]
        why = f"check_digit:{field.name}+composite"
    else:
        # no second check (visas): only letter/digit look-alikes, never digit/digit
        passing = [c for c in passing if lines[c[0]][c[1]].isdigit() != c[2].isdigit()]
    if len(passing) == 1:
        li, p, alt = passing[0]
        repairs.append(Repair(layout.field_at(li, p), li, p, lines[li][p], alt, why))
        lines[li][p] = alt


def _options(original: str, kind: Kind, close: str | None) -> set[str]:
    """Characters one position may be changed to by a check-digit repair.

    Alphanumeric positions: only the letter/digit look-alike (O/0, I/1, B/8, S/5, Z/2,
    G/6) — a letter and a digit of equal value mod 10 weigh the same in the check, so
    nothing wider is justified there. Other positions: the wider OCR-B look-alikes and,
    with OCR evidence, what the engine itself found nearly as likely.
    """
    if kind == "X":
        twin = LOOKALIKE.get(original)
        return {twin} if twin else set()
    looks = CONFUSABLE.get(original, frozenset())
    if close is None:
        return set(looks) - {original}
    options = {c for c in looks if c.isdigit() != original.isdigit()}
    options.update(close)
    options.discard(original)
    return options


def _index_in(field: CheckedField, line: int, pos: int) -> int:
    cells = [(li, p) for li, a, b in field.parts for p in range(a, b)]
    return cells.index((line, pos)) if (line, pos) in cells else len(cells)


def _numbering_fix(
    lines: list[list[str]],
    field: CheckedField,
    numbering: Numbering,
    repairs: list[Repair],
    frozen: set[tuple[int, int]],
) -> bool:
    """The document number read in the class its state's numbering allows, if that
    passes the check digit (the whole field at once: one candidate, never a search)."""
    cells = [(li, p) for li, a, b in field.parts for p in range(a, b)]
    text = "".join(lines[li][p] for li, p in cells)
    conformed = numbering.conform(text)
    if conformed is None or conformed == text or any(c in frozen for c in cells):
        return False
    for (li, p), c in zip(cells, conformed, strict=True):
        lines[li][p] = c
    if not check_passes(lines, field):
        for (li, p), c in zip(cells, text, strict=True):
            lines[li][p] = c
        return False
    why = f"numbering:{numbering.state}"
    for (li, p), old, new in zip(cells, text, conformed, strict=True):
        if old != new:
            repairs.append(Repair(field.name, li, p, old, new, why))
    return True


def _passes_with(lines: list[list[str]], field: CheckedField, change: tuple[int, int, str]) -> bool:
    li, p, alt = change
    original = lines[li][p]
    lines[li][p] = alt
    try:
        return check_passes(lines, field)
    finally:
        lines[li][p] = original


def _covers(composite: CheckedField, field: CheckedField) -> bool:
    """True when every position of ``field`` (and its digit) is inside the composite."""
    cells = {(li, p) for li, a, b in composite.parts for p in range(a, b)}
    mine = {(li, p) for li, a, b in field.parts for p in range(a, b)} | {field.digit}
    return mine <= cells


def repair_lines(
    lines: Sequence[str],
    fmt: FormatName | None = None,
    alternatives: Alternatives | None = None,
) -> tuple[list[str], list[Repair]]:
    """Repaired lines and the list of repairs; lines of unknown shape come back unchanged.

    ``alternatives`` (from the OCR: per line, per character, the other characters it
    found nearly as likely) widen the check-digit repair beyond the fixed look-alikes.
    """
    fmt = fmt or detect_format(lines)
    repairs: list[Repair] = []
    if fmt is None:
        return list(lines), repairs
    count, width = LINE_SHAPES[fmt]
    if len(lines) != count:
        return list(lines), repairs
    fixed = [_fix_length(line, width, i, repairs) for i, line in enumerate(lines)]
    if any(len(line) != width for line in fixed):
        return fixed, repairs
    if alternatives is not None:
        # a line whose length was changed no longer lines up with its alternatives
        alternatives = [
            alt if len(alt) == width and len(line) == width else [""] * width
            for alt, line in zip(alternatives, lines, strict=False)
        ]
        if len(alternatives) != count:
            alternatives = None
    layout = LAYOUTS[fmt]
    grid = [list(line) for line in fixed]
    length_repairs = list(repairs)
    _class_fixes(grid, layout, repairs)
    _state_codes(grid, layout, repairs)
    _national_number_fixes(grid, layout, repairs)
    numbering = _numbering(grid, layout)
    composite = [f for f in layout.checked if f.name == "composite"]
    frozen: set[tuple[int, int]] = set()
    for field in layout.checked:
        if field.name == "composite":
            continue
        covered = composite[0] if composite and _covers(composite[0], field) else None
        _check_digit_fix(
            grid,
            layout,
            field,
            repairs=repairs,
            frozen=frozen,
            composite=covered,
            alternatives=alternatives,
            numbering=numbering if field.name == "document_number" else None,
        )
        if check_passes(grid, field):
            frozen.update((li, p) for li, s, e in field.parts for p in range(s, e))
            frozen.add(field.digit)
    others_pass = all(check_passes(grid, f) for f in layout.checked if f.name != "composite")
    for field in composite:
        if others_pass:  # else the failing field already explains the composite
            _check_digit_fix(
                grid, layout, field, repairs=repairs, frozen=frozen, alternatives=alternatives
            )
    kept = enforce_bounds(grid, fixed, layout, repairs[len(length_repairs) :])
    return ["".join(chars) for chars in grid], length_repairs + kept


def _national_number_fixes(grid: list[list[str]], layout: Layout, repairs: list[Repair]) -> None:
    """In a state whose optional data holds a national number of digits only (Norway's
    fødselsnummer or D-nummer, Denmark's CPR), a letter look-alike inside a run that is
    mostly digits becomes its digit (``national_number:<STATE>``); the number's own
    rules (``quirks``) and the check digits judge the result."""
    state = layout.text(grid, "issuing_state").rstrip("<")
    if state not in NATIONAL_DIGIT_STATES:
        return
    for span in layout.spans:
        if span.name not in ("personal_number", "optional_data", "optional_data_2"):
            continue
        chars = grid[span.line]
        pos = span.start
        while pos < span.end:
            if chars[pos] == "<":
                pos += 1
                continue
            end = pos
            while end < span.end and chars[end] != "<":
                end += 1
            run = chars[pos:end]
            digits = sum(c.isdigit() for c in run)
            if digits >= 6 and digits * 3 >= len(run) * 2:
                for p in range(pos, end):
                    new = TO_DIGIT.get(chars[p])
                    if chars[p].isalpha() and new is not None:
                        repairs.append(
                            Repair(
                                span.name, span.line, p, chars[p], new, f"national_number:{state}"
                            )
                        )
                        chars[p] = new
            pos = end


def _numbering(grid: list[list[str]], layout: Layout) -> Numbering | None:
    """The issuing state's numbering for this document number, if known."""
    state = layout.text(grid, "issuing_state").rstrip("<")
    text = layout.text(grid, "document_number").rstrip("<")
    return numbering_for(state, layout.text(grid, "document_type")[:1], len(text))


def field_bound(length: int) -> int:
    """Characters that may change in a field of ``length`` (never the whole field)."""
    return max(1, length // 2)


def _guess_bound(length: int) -> int:
    """Of those, characters that may change by a guess (not by their class)."""
    return max(2, length // 4)


def enforce_bounds(
    grid: list[list[str]], before: Sequence[str], layout: Layout, repairs: list[Repair]
) -> list[Repair]:
    """Put back (in ``grid``) every field whose repairs exceed its bound, and everything
    when the MRZ's total does; the repairs that remain."""
    lengths = field_lengths(layout)
    cells: dict[str, set[tuple[int, int]]] = {}
    guesses: dict[str, set[tuple[int, int]]] = {}
    for r in repairs:
        cells.setdefault(r.field, set()).add((r.line, r.position))
        if not (r.why in _CLASS_WHYS or r.why.startswith(("numbering:", "national_number:"))):
            guesses.setdefault(r.field, set()).add((r.line, r.position))
    over = set()
    for name, changed in cells.items():
        length = lengths.get(name, 1)
        if len(changed) > field_bound(length) or len(guesses.get(name, ())) > _guess_bound(length):
            over.add(name)
    if sum(len(c) for c in cells.values()) > MAX_TOTAL:
        over = set(cells)
    for name in over:
        for li, p in cells[name]:
            grid[li][p] = before[li][p]
    return [r for r in repairs if r.field not in over]


def apply_repairs(lines: Sequence[str], repairs: Sequence[Repair]) -> list[str]:
    """``lines`` with ``repairs`` applied in order: a repair's ``from`` must be what
    stands at its position (ValueError otherwise). Length repairs replace a run."""
    out = list(lines)
    for r in repairs:
        line = out[r.line]
        if line[r.position : r.position + len(r.from_)] != r.from_:
            raise ValueError(f"repair does not apply at line {r.line} position {r.position}")
        out[r.line] = line[: r.position] + r.to + line[r.position + len(r.from_) :]
    return out


def count_checks(lines: Sequence[str], fmt: FormatName | None = None) -> tuple[int, int]:
    """(passing, total) check digits of lines in a known layout; (0, 0) otherwise."""
    fmt = fmt or detect_format(lines)
    if fmt is None:
        return 0, 0
    count, width = LINE_SHAPES[fmt]
    if len(lines) != count or any(len(line) != width for line in lines):
        return 0, 0
    layout = LAYOUTS[fmt]
    passed = sum(check_passes(lines, f) for f in layout.checked)
    return passed, len(layout.checked)
