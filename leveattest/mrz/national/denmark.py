"""Danish CPR numbers (``DDMMYY-SSSS``), as found in the optional data of DNK documents.

The 7th digit together with the two-digit year gives the century (CPR-kontoret):

    7th digit  YY 00-36  YY 37-57  YY 58-99
    0-3        1900s     1900s     1900s
    4, 9       2000s     1900s     1900s
    5-8        2000s     2000s     1800s

The mod-11 check (weights 4,3,2,7,6,5,4,3,2,1) is no longer guaranteed: since
1 October 2007 CPR numbers without it are issued, so a failed mod-11 is reported in
``mod11`` but does not make the number invalid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

_WEIGHTS: Final = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


class DanishIdKind(StrEnum):
    CPR = "cpr"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DanishCprResult:
    value: str
    valid: bool
    kind: DanishIdKind
    birth_date: date | None = None
    mod11: bool = False
    problems: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, object]:
        """Without the number itself."""
        return {
            "kind": self.kind.value,
            "valid": self.valid,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "mod11": self.mod11,
            "problems": list(self.problems),
        }


def cpr_century(seventh: int, yy: int) -> int:
    """The century the 7th digit and the two-digit year give."""
    if seventh <= 3:
        return 1900
    if seventh in {4, 9}:
        return 2000 if yy <= 36 else 1900
    return 2000 if yy <= 57 else 1800


def validate_cpr(value: str) -> DanishCprResult:
    """Validate a CPR number (10 digits, an optional hyphen after the sixth); never raises."""
    text = value.strip()
    if len(text) == 11 and text[6] == "-":
        text = text[:6] + text[7:]
    if len(text) != 10 or not text.isascii() or not text.isdigit():
        return DanishCprResult(text, False, DanishIdKind.UNKNOWN, problems=("not_10_digits",))
    yy = int(text[4:6])
    year = cpr_century(int(text[6]), yy) + yy
    mod11 = sum(int(d) * w for d, w in zip(text, _WEIGHTS, strict=True)) % 11 == 0
    try:
        birth = date(year, int(text[2:4]), int(text[0:2]))
    except ValueError:
        return DanishCprResult(
            text, False, DanishIdKind.CPR, mod11=mod11, problems=("invalid_birth_date",)
        )
    return DanishCprResult(text, True, DanishIdKind.CPR, birth_date=birth, mod11=mod11)
