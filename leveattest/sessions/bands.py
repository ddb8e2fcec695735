"""Age bands: the only trace of a holder's age that outlives the biometrics.

Recorded on the session when the pipeline decides (from the chip's birth date), so that
outcomes can be compared across ages — a model that fails the oldest pensioners must show
up on the ops dashboard — after the birth date itself is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

AGE_BANDS: Final = ("under 70", "70-79", "80-89", "90-99", "100+")
UNKNOWN_BAND: Final = "unknown"


def age_in_years(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_band(person_facts: Mapping[str, Any] | None, on: date) -> str:
    """The holder's age band at ``on`` (from the chip's birth date), or ``unknown``."""
    raw = (person_facts or {}).get("birth_date")
    try:
        birth = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    except ValueError:
        return UNKNOWN_BAND
    age = age_in_years(birth, on)
    if age < 70:
        return AGE_BANDS[0]
    if age >= 100:
        return AGE_BANDS[-1]
    return AGE_BANDS[(age - 60) // 10]
