"""The MRZ engine (ICAO 9303 parts 3-7): pure functions, text in, typed results out."""

from __future__ import annotations

from leveattest.mrz.checkdigit import char_value, check_digit
from leveattest.mrz.compose import (
    MRZFields,
    compose_mrva,
    compose_mrvb,
    compose_td1,
    compose_td2,
    compose_td3,
    transliterate_name,
)
from leveattest.mrz.model import (
    DigitCheck,
    MRZFormat,
    MRZResult,
    PartialDate,
    Problem,
    mrz_check_results,
)
from leveattest.mrz.national.norway import (
    NorwegianIdKind,
    NorwegianIdResult,
    make_norwegian_id,
    validate_norwegian_id,
)
from leveattest.mrz.parse import detect_format, parse_mrz, split_lines

__all__ = [
    "DigitCheck",
    "MRZFields",
    "MRZFormat",
    "MRZResult",
    "NorwegianIdKind",
    "NorwegianIdResult",
    "PartialDate",
    "Problem",
    "char_value",
    "check_digit",
    "compose_mrva",
    "compose_mrvb",
    "compose_td1",
    "compose_td2",
    "compose_td3",
    "detect_format",
    "make_norwegian_id",
    "mrz_check_results",
    "parse_mrz",
    "split_lines",
    "transliterate_name",
    "validate_norwegian_id",
]
