"""ICAO 9303 specimen MRZs (the fictitious state Utopia) used across the MRZ tests."""

from __future__ import annotations

from datetime import date

from leveattest.mrz.compose import MRZFields
from leveattest.mrz.national.norway import control_digit

TODAY = date(2026, 11, 22)

# ICAO 9303-4 Appendix (TD3 passport)
TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
# ICAO 9303-5 Appendix (TD1)
TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
# ICAO 9303-5 §4.2.4 note j: document number D23145890734 (12 characters)
TD1_LONG_NUMBER = [
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
# ICAO 9303-6 Appendix (TD2)
TD2 = [
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
]
# ICAO 9303-7 Appendix (MRV-A and MRV-B visas)
MRVA = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
]
MRVB = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "L8988901C4XXX4009078F9612109<<<<<<<<",
]


_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def with_first_remainder(base9: str, remainder: int) -> str | None:
    """A Norwegian number whose first weighted sum leaves ``remainder`` (K2 classic)."""
    for k1 in range(10):
        ten = base9 + str(k1)
        if sum(int(d) * w for d, w in zip(ten, _W1, strict=True)) % 11 == remainder:
            k2 = control_digit(ten, _W2)
            return None if k2 == 10 else ten + str(k2)
    return None


def number_2032(remainder: int) -> str:
    """The first number born 1 Jan 2032 whose first weighted sum leaves ``remainder``."""
    for individual in range(500, 1000):
        number = with_first_remainder(f"010132{individual:03d}", remainder)
        if number is not None:
            return number
    raise AssertionError("no such number")


def holder_fields(state: str, number: str, document_type: str = "I") -> MRZFields:
    """A fictitious holder (born 1952, card valid to 2034) with this state and number."""
    return MRZFields(
        document_type=document_type,
        issuing_state=state,
        surname="HANSEN",
        given_names="KARI ANNE",
        document_number=number,
        nationality=state,
        birth_date=date(1952, 12, 11),
        sex="F",
        expiry_date=date(2034, 1, 15),
    )
