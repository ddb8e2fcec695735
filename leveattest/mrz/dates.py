"""MRZ dates: ``YYMMDD`` with a two-digit year (ICAO 9303-3 §4.10 / part 4 §4.2.2).

The century is not written, so we resolve it against ``today``:

* birth date: the latest date with those digits that is not after ``today`` — the
  holder is 0 to 99 years old. A holder aged 100 or more cannot be told apart from a
  child from the MRZ alone; a national identity number (whose individual number
  encodes the century) can settle it, see ``quirks.norwegian_personal_number``.
* expiry date: the year in the 100-year window ``[today.year - 79, today.year + 20]``.
  No travel document is valid for more than about ten years, so a printed expiry lies
  well inside ``today - 50 years .. today + 20 years``; the window's extra room to
  the past keeps long-expired documents in the last century rather than the next.

Month and day are range-checked after the century is known (so 29 February is judged
in the right year): a date such as 30 February is invalid even when its check digit
matches. Unknown parts of a birth date may be written as fillers (``74<<<<``,
``<<<<<<``); they give a ``PartialDate`` and no ``date``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from leveattest.mrz.model import PartialDate

BIRTH_MAX_AGE_YEARS = 99
EXPIRY_YEARS_BACK = 79
EXPIRY_YEARS_AHEAD = 20


@dataclass(frozen=True, slots=True)
class ResolvedDate:
    """A resolved MRZ date: a full ``date``, or a partial one, or an error text."""

    value: date | None = None
    partial: PartialDate | None = None
    error: str = ""


def _two(raw: str) -> int | None:
    """Two digits → int; ``<<`` → None; anything else raises ValueError."""
    if raw == "<<":
        return None
    if len(raw) == 2 and raw.isascii() and raw.isdigit():
        return int(raw)
    raise ValueError(raw)


def _latest_year_not_after(yy: int, ceiling: int) -> int:
    return ceiling - ((ceiling - yy) % 100)


def resolve_birth_date(raw: str, today: date) -> ResolvedDate:
    """The birth date for ``raw`` (``YYMMDD``), resolved into the 100 years up to ``today``."""
    try:
        yy, mm, dd = _two(raw[0:2]), _two(raw[2:4]), _two(raw[4:6])
    except ValueError:
        return ResolvedDate(error="not a YYMMDD date")
    if len(raw) != 6:
        return ResolvedDate(error="not a YYMMDD date")
    if mm is not None and not 1 <= mm <= 12:
        return ResolvedDate(error="month out of range")
    if dd is not None and not 1 <= dd <= 31:
        return ResolvedDate(error="day out of range")
    year: int | None = None
    if yy is not None:
        year = _latest_year_not_after(yy, today.year)
        if year == today.year and (mm or 1, dd or 1) > (today.month, today.day):
            year -= 100
    if yy is None or mm is None or dd is None:
        if dd is not None and mm is not None:
            try:  # a known day and month must exist in a leap year at least
                date(2000, mm, dd)
            except ValueError:
                return ResolvedDate(error="day out of range for the month")
        return ResolvedDate(partial=PartialDate(year=year, month=mm, day=dd, raw=raw))
    if year is None:  # pragma: no cover - unreachable (yy is known here); for the type checker
        return ResolvedDate(error="not a YYMMDD date")
    try:
        return ResolvedDate(value=date(year, mm, dd))
    except ValueError:
        return ResolvedDate(error="day out of range for the month")


def resolve_expiry_date(raw: str, today: date) -> ResolvedDate:
    """The expiry date for ``raw`` in the window ``today.year - 79 .. today.year + 20``."""
    if len(raw) != 6 or not raw.isascii() or not raw.isdigit():
        return ResolvedDate(error="not a YYMMDD date")
    yy, mm, dd = int(raw[0:2]), int(raw[2:4]), int(raw[4:6])
    year = _latest_year_not_after(yy, today.year + EXPIRY_YEARS_AHEAD)
    try:
        return ResolvedDate(value=date(year, mm, dd))
    except ValueError:
        return ResolvedDate(error="month or day out of range")


def yymmdd(d: date) -> str:
    """``date`` → ``YYMMDD``."""
    return f"{d.year % 100:02d}{d.month:02d}{d.day:02d}"
