"""Pure input handling: person identifiers, cursors, periods (no database)."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leveattest.core.errors import InsecureConfigurationError
from leveattest.mrz.national import make_norwegian_id
from register.cursor import decode_cursor, encode_cursor
from register.errors import CursorInvalidError, NationalIdInvalidError
from register.identity import foreign_id, norwegian_id, person_id_from_json
from register.periods import months_before
from register.settings import RegisterSettings

VALID = make_norwegian_id(date(1950, 5, 17), 123)


def test_valid_fodselsnummer_and_d_number_are_accepted():
    assert norwegian_id(VALID).ref == f"no:{VALID}"
    d_number = make_norwegian_id(date(1950, 5, 17), 123, kind="d_number")
    assert norwegian_id(d_number).kind == "d_number"


@pytest.mark.parametrize(
    "value",
    [
        VALID[:-1] + str((int(VALID[-1]) + 1) % 10),  # second control digit
        VALID[:-2] + str((int(VALID[-2]) + 1) % 10) + VALID[-1],  # first control digit
        VALID[:10],
        "1705501234５",
        "",
        "' OR 1=1 --",
    ],
)
def test_malformed_national_ids_are_refused(value):
    with pytest.raises(NationalIdInvalidError):
        norwegian_id(value)


def test_synthetic_and_h_numbers_only_where_allowed():
    synthetic = make_norwegian_id(date(1950, 5, 17), 123, kind="synthetic")
    with pytest.raises(NationalIdInvalidError):
        norwegian_id(synthetic)
    assert norwegian_id(synthetic, accept_synthetic=True).kind == "synthetic"
    h_number = make_norwegian_id(date(1950, 5, 17), 123, kind="h_number")
    with pytest.raises(NationalIdInvalidError):
        norwegian_id(h_number, accept_synthetic=True)


def test_foreign_ids_are_normalised_and_checked():
    assert foreign_id(" ab123 ", "swe").ref == "foreign:SWE:AB123"
    assert foreign_id("X1", "D<<").state == "D<<"
    for value, state in [("AB 12", "SWE"), ("AB12", "NOR"), ("AB12", "SE"), ("A" * 41, "SWE")]:
        with pytest.raises(NationalIdInvalidError):
            foreign_id(value, state)


@given(
    st.recursive(
        st.none() | st.text() | st.integers(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_person_parser_never_raises_anything_but_its_own_error(data):
    with contextlib.suppress(NationalIdInvalidError):
        person_id_from_json(data)


def test_cursor_round_trip_and_tampering():
    cursor = encode_cursor("secret", 7, 42)
    assert decode_cursor("secret", 7, cursor) == 42
    for bad in [cursor[:-1], cursor.replace("v1", "v2"), "", "a.b.c"]:
        with pytest.raises(CursorInvalidError):
            decode_cursor("secret", 7, bad)
    with pytest.raises(CursorInvalidError):
        decode_cursor("secret", 8, cursor)
    with pytest.raises(CursorInvalidError):
        decode_cursor("other-secret", 7, cursor)


@given(st.text(max_size=300))
def test_cursor_decoder_never_raises_anything_but_its_own_error(text):
    with contextlib.suppress(CursorInvalidError):
        decode_cursor("secret", 1, text)


def test_months_before_clamps_to_month_end():
    assert months_before(datetime(2027, 8, 31, tzinfo=UTC), 18) == datetime(2026, 2, 28, tzinfo=UTC)


def test_production_refuses_default_secret_and_sqlite():
    with pytest.raises(InsecureConfigurationError):
        RegisterSettings(production=True)
    with pytest.raises(InsecureConfigurationError):
        RegisterSettings(production=True, secret="x" * 40, accept_synthetic_ids=False)
    ok = RegisterSettings(
        production=True,
        secret="x" * 40,
        accept_synthetic_ids=False,
        database_url="postgresql+psycopg://db/register",
    )
    assert ok.token_endpoint.endswith("/oauth/token")
