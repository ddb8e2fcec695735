"""National identity numbers found in MRZ optional data (Norway, Denmark)."""

from __future__ import annotations

from leveattest.mrz.national.norway import (
    ControlRule,
    NorwegianIdKind,
    NorwegianIdResult,
    make_norwegian_id,
    validate_norwegian_id,
)

__all__ = [
    "ControlRule",
    "NorwegianIdKind",
    "NorwegianIdResult",
    "make_norwegian_id",
    "validate_norwegian_id",
]
