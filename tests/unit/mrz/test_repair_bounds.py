"""Repairs never invent a field: listed, bounded, and noise never becomes a valid MRZ."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from mrz_specimens import holder_fields

from leveattest.core.checks import Reason
from leveattest.mrz import parse_mrz
from leveattest.mrz.checkdigit import check_digit
from leveattest.mrz.compose import compose_td1, compose_td3
from leveattest.mrz.numbering import implausible_number, numbering_for
from leveattest.mrz.ocr import OCRLine
from leveattest.mrz.reader import _attempt_lines, _fuse
from leveattest.mrz.repair import MAX_TOTAL, apply_repairs, repair_lines

TODAY = date(2026, 11, 22)


def test_id_card_number_printed_with_zeros_is_not_rewritten_into_letters_o() -> None:
    # D00000004 read as 0OOOOOOOO: D for the first 0 passes the check digit as well
    # (13 x 7 + 24 x 26 = 715 ≡ 5 = 13 x 7 + 4) and used to invent DOOOOOOOO
    lines = compose_td1(holder_fields("UTO", "D00000004", "I"))
    damaged = [lines[0][:5] + "0OOOOOOOO" + lines[0][14:], lines[1], lines[2]]
    fixed, repairs = repair_lines(damaged)
    result = parse_mrz(fixed, today=TODAY)
    assert not result.valid
    assert all(r.field != "document_number" for r in repairs)


def test_zeros_read_as_letters_o_in_a_passing_field_are_reported_implausible() -> None:
    # 000000000 read as OOOOOOO0O: the check digit passes (24 x 30 = 720 ≡ 0)
    lines = compose_td1(holder_fields("UTO", "000000000", "I"))
    damaged = [lines[0][:5] + "OOOOOOO0O" + lines[0][14:], lines[1], lines[2]]
    fixed, _ = repair_lines(damaged)
    result = parse_mrz(fixed, today=TODAY)
    assert not result.valid
    assert Reason.MRZ_IMPLAUSIBLE_FIELD in result.reasons()


def test_a_number_of_one_repeated_letter_is_implausible_even_with_its_check_digit() -> None:
    lines = compose_td3(holder_fields("UTO", "PPPPPPPPP", "P"))
    assert lines[1][9] == check_digit("PPPPPPPPP")
    result = parse_mrz(lines, today=TODAY)
    assert not result.valid
    problem = next(p for p in result.problems if p.field == "document_number")
    assert (problem.reason, problem.fatal) == (Reason.MRZ_IMPLAUSIBLE_FIELD, True)


def test_implausible_number_folds_look_alikes() -> None:
    assert implausible_number("OOOOOOO0O")
    assert implausible_number("PPPPPPPPP")
    assert implausible_number("000000000<")
    assert not implausible_number("L898902C3")
    assert not implausible_number("00")


def test_numbering_table_knows_only_described_states() -> None:
    assert numbering_for("DNK", "P", 9) is not None
    assert numbering_for("D", "I", 9) is not None
    assert numbering_for("FRA", "I", 12) is not None
    assert numbering_for("FRA", "I", 9) is None  # the 2021 card: not described
    assert numbering_for("NOR", "P", 9) is None
    assert numbering_for("UTO", "P", 9) is None


def _ocr(texts: list[str]) -> list[OCRLine]:
    return [OCRLine(t, tuple(90.0 for _ in t)) for t in texts]


def test_a_field_read_otherwise_beyond_its_bound_is_not_borrowed() -> None:
    # the reading that invents PPPPPPPPP: another pass saw a different number, but a
    # field is borrowed only within its bound (at most half its characters differ)
    lines = compose_td3(holder_fields("UTO", "L898902C3", "P"))
    base = _attempt_lines(_ocr([lines[0], "L89890ZC3" + lines[1][9:]]), "template")
    invented = "PPPPPPPPP" + check_digit("PPPPPPPPP")
    other = _attempt_lines(_ocr([lines[0], invented + lines[1][10:]]), "tesseract")
    assert _fuse(base, [other]) is None


def test_fused_field_within_its_bound_is_borrowed_and_listed() -> None:
    lines = compose_td3(holder_fields("UTO", "L898902C3", "P"))
    misread = [lines[0], lines[1][:3] + "3" + lines[1][4:]]  # 8 read as 3: no look-alike
    other_read = [lines[0], lines[1][:16] + "3" + lines[1][17:]]  # birth date wrong there

    base = _attempt_lines(_ocr(misread), "template")
    fused = _fuse(base, [_attempt_lines(_ocr(other_read), "tesseract")])
    assert fused is not None
    assert list(fused.lines) == lines
    assert [(r.field, r.position, r.from_, r.to, r.why) for r in fused.repairs] == [
        ("document_number", 3, "3", "8", "other_reading:tesseract")
    ]
    assert apply_repairs([line.text for line in fused.raw], fused.repairs) == lines


def test_more_repairs_than_the_mrz_total_leave_the_lines_as_read() -> None:
    fields = holder_fields("UTO", "L898902C3", "P")
    fields = replace(fields, surname="BOSSIGBOZ", given_names="GIBBS")
    lines = compose_td3(fields)
    # 13 name letters read as their digit look-alikes: each a class repair, the names
    # within their bound, but more than the MRZ's total
    to_digit = str.maketrans("BOSIGZ", "805162")
    damaged = [lines[0][:5] + lines[0][5:20].translate(to_digit) + lines[0][20:], lines[1]]
    assert sum(a != b for a, b in zip(damaged[0], lines[0], strict=True)) > MAX_TOTAL
    fixed, repairs = repair_lines(damaged)
    assert fixed == damaged
    assert repairs == []
    fewer = [lines[0][:5] + lines[0][5:10].translate(to_digit) + lines[0][10:], lines[1]]
    assert repair_lines(fewer)[0] == lines


# --- noise never becomes a valid field (issue 16) --------------------------------------

_LOOKALIKES = {"O": "0D", "0": "OD", "P": "R", "I": "1L", "1": "I", "B": "8", "8": "B"}


@st.composite
def noise_lines(draw: st.DrawFn) -> list[str]:
    """MRZ-shaped lines of fillers, one repeated character, P's, O's and zeros, with
    random look-alike substitutions; sometimes a plausible document header."""
    count, width = draw(st.sampled_from([(3, 30), (2, 36), (2, 44)]))
    lines = []
    for _ in range(count):
        parts = []
        while sum(map(len, parts)) < width:
            char = draw(st.sampled_from("<POO0A1I8B5S<<"))
            parts.append(char * draw(st.integers(1, width)))
        line = list("".join(parts)[:width])
        for _ in range(draw(st.integers(0, 4))):
            pos = draw(st.integers(0, width - 1))
            line[pos] = draw(st.sampled_from(_LOOKALIKES.get(line[pos], line[pos])))
        lines.append("".join(line))
    header = draw(st.sampled_from(["", "P<UTO", "I<UTO", "IDFRA", "P<D<<", "I<DNK"]))
    lines[0] = header + lines[0][len(header) :]
    return lines


def _repeated(text: str) -> bool:
    stripped = text.replace("<", "")
    return len(stripped) >= 3 and len(set(stripped)) == 1


@settings(max_examples=400, deadline=None)
@given(noise_lines())
def test_no_repair_turns_fillers_or_repeated_characters_into_a_valid_field(
    lines: list[str],
) -> None:
    fixed, repairs = repair_lines(lines)
    assert apply_repairs(lines, repairs) == fixed
    result = parse_mrz(fixed, today=TODAY)
    if result.valid:
        # only what was read as it stands, every check passing without any repair
        assert repairs == []
        assert parse_mrz(lines, today=TODAY).valid
    assert not (result.valid and _repeated(result.document_number))


_OCR_LIKE = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<KC", min_size=26, max_size=48)


@settings(max_examples=300, deadline=None)
@given(st.lists(_OCR_LIKE, min_size=2, max_size=3), st.sampled_from(["", "IDFRA", "P<NLD"]))
def test_every_changed_character_is_a_listed_repair(lines: list[str], header: str) -> None:
    lines[0] = header + lines[0][len(header) :]
    fixed, repairs = repair_lines(lines)
    assert apply_repairs(lines, repairs) == fixed
    counted = {(r.line, r.position) for r in repairs if r.why != "length"}
    assert len(counted) <= MAX_TOTAL
