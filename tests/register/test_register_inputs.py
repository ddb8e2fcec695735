"""Pure input handling: person identifiers, cursors, periods (no database)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leveattest.core.errors import InsecureConfigurationError
from leveattest.core.settings import Settings
from leveattest.mrz.national import make_norwegian_id
from register.cursor import decode_cursor, encode_cursor
from register.errors import CursorInvalidError, NationalIdInvalidError, RegisterInputError
from register.identity import foreign_id, norwegian_id, person_id_from_json
from register.periods import months_before
from register.schemas import StatusRequest, parse_body

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
    """The register's production behaviour follows the one switch, LEVEATTEST_ENVIRONMENT."""
    service = {
        "environment": "production",
        "security": {"master_key": "m" * 40},
        "database": {"url": "postgresql+psycopg://db/leveattest"},
    }
    with pytest.raises(InsecureConfigurationError, match="REGISTER__SECRET"):
        Settings(**service, register={"database_url": "postgresql+psycopg://db/register"})
    with pytest.raises(InsecureConfigurationError, match="REGISTER__DATABASE_URL"):
        Settings(**service, register={"secret": "x" * 40})
    with pytest.raises(InsecureConfigurationError, match="ACCEPT_SYNTHETIC_IDS"):
        Settings(
            **service,
            register={
                "secret": "x" * 40,
                "database_url": "postgresql+psycopg://db/register",
                "accept_synthetic_ids": True,
            },
        )
    ok = Settings(
        **service,
        register={"secret": "x" * 40, "database_url": "postgresql+psycopg://db/register"},
    ).register
    assert ok.accept_synthetic_ids is False  # production's default
    assert ok.token_endpoint.endswith("/oauth/token")


def _previous_status_body(raw: bytes) -> str:
    """How ``POST /status`` read its body before the pydantic models (the reference)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "register_request_invalid:json"
    if not isinstance(data, dict):
        return "register_request_invalid:json_object"
    try:
        return person_id_from_json(data.get("person"), accept_synthetic=True).ref
    except NationalIdInvalidError as exc:
        return f"{exc.code}:{exc.context['problems']}"


def _status_body(raw: bytes) -> str:
    try:
        return parse_body(StatusRequest, raw).person.person_id(accept_synthetic=True).ref
    except NationalIdInvalidError as exc:
        return f"{exc.code}:{exc.context['problems']}"
    except RegisterInputError as exc:
        return f"{exc.code}:{exc.context['reason']}"


_IDS = st.sampled_from([VALID, VALID[:10], "AB123", "SWE", "D<<", "", "x" * 41])
_PERSONS = st.fixed_dictionaries(
    {},
    optional={
        "national_id": _IDS | st.integers() | st.none(),
        "foreign_id": _IDS | st.none() | st.lists(st.integers(), max_size=2),
        "issuing_state": _IDS | st.none(),
        "other": st.text(max_size=5),
    },
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


@given(
    st.one_of(
        st.fixed_dictionaries({}, optional={"person": _PERSONS | _JSON, "persons": _JSON}).map(
            lambda body: json.dumps(body).encode()
        ),
        _JSON.map(lambda body: json.dumps(body).encode()),
        st.binary(max_size=64),
        st.sampled_from([b"", b"{", b"[]", b"null", b'{"person": {"national_id": 1e999}}']),
    )
)
def test_the_status_body_model_answers_what_the_hand_parser_answered(raw):
    assert _status_body(raw) == _previous_status_body(raw)
