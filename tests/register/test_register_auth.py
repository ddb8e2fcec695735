"""private_key_jwt client authentication (RFC 7523 §3), scopes and access tokens."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from joserfc import jws
from register_testkit import BASE_URL, run
from sqlalchemy import select

from register.companies import (
    CompanyKeyError,
    add_company_key,
    company_by_client_id,
    register_company,
    retire_company_key,
)
from register.company_client import RegisterHTTPError, generate_company_key
from register.db.models import AuditEvent
from register.keys import canonical_json


def _assertion(handle, *, key=None, kid=None, **overrides):
    now = int(handle.client.clock.now().timestamp())
    claims = {
        "iss": handle.client_id,
        "sub": handle.client_id,
        "aud": f"{BASE_URL}/oauth/token",
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    key = key or handle.key
    header = {"alg": "ES256", "kid": kid or str(key.kid)}
    return jws.serialize_compact(header, canonical_json(claims), key)


def _token_response(handle, assertion, scope="register.read"):
    return run(handle.client.request_token(scope, assertion))


def _audit_codes(state):
    with state.unit_of_work() as session:
        return [e.code for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_valid_assertion_gets_a_short_lived_bearer_token(make_company):
    handle = make_company()
    response = _token_response(handle, _assertion(handle))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["scope"] == "register.read"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"aud": "https://evil.example/token"}, "register_assertion_wrong_audience"),
        ({"exp": 1_000}, "register_assertion_expired"),
        ({"jti": None}, "register_assertion_claims_invalid"),
        ({"sub": "someone-else"}, "register_assertion_claims_invalid"),
    ],
)
def test_bad_assertion_claims_are_refused_with_a_stable_code(make_company, state, overrides, code):
    handle = make_company()
    response = _token_response(handle, _assertion(handle, **overrides))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.json()["error"] == "invalid_client"
    assert _audit_codes(state) == [code]


def test_forged_assertion_signed_with_another_key_under_the_same_kid_is_refused(make_company):
    handle = make_company()
    forger = generate_company_key(str(handle.key.kid))  # same kid, different key
    response = _token_response(handle, _assertion(handle, key=forger))
    assert response.status_code == 401
    assert response.json()["code"] == "register_assertion_signature_invalid"


def test_replayed_assertion_jti_is_refused(make_company, state):
    handle = make_company()
    assertion = _assertion(handle)
    assert _token_response(handle, assertion).status_code == 200
    replay = _token_response(handle, assertion)
    assert replay.status_code == 401
    assert replay.json()["code"] == "register_assertion_replayed"
    assert "register_assertion_replayed" in _audit_codes(state)


def test_clock_skew_within_tolerance_is_accepted_beyond_it_refused(make_company, clock):
    handle = make_company()
    now = int(clock.now().timestamp())
    ahead = _assertion(handle, iat=now + 30, exp=now + 90)
    assert _token_response(handle, ahead).status_code == 200
    far_ahead = _assertion(handle, iat=now + 600, exp=now + 660)
    response = _token_response(handle, far_ahead)
    assert response.json()["code"] == "register_assertion_not_yet_valid"
    just_expired = _assertion(handle, iat=now - 100, exp=now - 30)  # inside the 60 s skew
    assert _token_response(handle, just_expired).status_code == 200


def test_assertion_valid_for_too_long_is_refused(make_company, clock):
    handle = make_company()
    now = int(clock.now().timestamp())
    response = _token_response(handle, _assertion(handle, exp=now + 86_400))
    assert response.json()["code"] == "register_assertion_lifetime_too_long"


def test_unknown_client_and_garbage_assertions_are_refused(make_company):
    handle = make_company()
    response = _token_response(handle, _assertion(handle, iss="nobody", sub="nobody"))
    assert response.json()["code"] == "register_unknown_client"
    garbage = _token_response(handle, "not.a.jwt")
    assert garbage.json()["code"] == "register_assertion_malformed"
    sql = _token_response(handle, "' OR 1=1 --")
    assert sql.json()["code"] == "register_assertion_malformed"


def test_key_rotation_new_key_works_and_retired_key_is_refused(make_company, state):
    handle = make_company()
    new_key = generate_company_key("pension-a-k2")
    with state.unit_of_work() as session:
        company = company_by_client_id(session, handle.client_id)
        add_company_key(session, state.clock, company, new_key.as_dict(private=False))
    assert _token_response(handle, _assertion(handle, key=new_key)).status_code == 200
    assert _token_response(handle, _assertion(handle)).status_code == 200  # both active
    with state.unit_of_work() as session:
        company = company_by_client_id(session, handle.client_id)
        assert retire_company_key(session, state.clock, company, str(handle.key.kid))
    response = _token_response(handle, _assertion(handle))
    assert response.json()["code"] == "register_unknown_client"


def test_scope_escalation_is_refused_at_the_token_and_at_the_endpoint(make_company):
    reader = make_company("reader-only", scopes=("register.read",))
    denied = _token_response(reader, _assertion(reader), scope="register.relationships")
    assert denied.status_code == 400
    assert denied.json()["code"] == "register_invalid_scope"
    unknown = _token_response(reader, _assertion(reader), scope="register.admin")
    assert unknown.json()["code"] == "register_invalid_scope"
    with pytest.raises(RegisterHTTPError) as caught:
        run(reader.client.register_relationship({"national_id": "x"}, "AGR-1", "2026-02"))
    assert caught.value.context["status"] == 400  # no token for that scope

    full = make_company("full")
    token = run(full.client.token("register.read"))
    response = run(
        full.client._http.post(
            f"{BASE_URL}/relationships",
            json={"statement": "x"},
            headers={"Authorization": f"Bearer {token}"},
        )
    )
    assert response.status_code == 403
    assert response.json()["code"] == "register_insufficient_scope"


def test_tampered_expired_or_foreign_tokens_are_refused(make_company, clock, keys):
    handle = make_company()
    token = run(handle.client.token("register.read"))
    http = handle.client._http

    def call(bearer):
        return run(
            http.post(
                f"{BASE_URL}/status",
                json={"person": {"national_id": "01010012345"}},
                headers={"Authorization": f"Bearer {bearer}"},
            )
        )

    header, payload, signature = token.split(".")
    tampered = ".".join(
        [header, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB"), signature]
    )
    assert call(tampered).json()["code"] == "register_invalid_token"
    # a signed register statement is not an access token (typ differs)
    statement = keys.sign(json.dumps({"scope": "register.read"}).encode(), typ="status+jws")
    assert call(statement).json()["code"] == "register_invalid_token"
    assert run(http.post(f"{BASE_URL}/status", json={})).status_code == 401
    clock.advance(timedelta(minutes=6))
    expired = call(token)
    assert expired.status_code == 401
    assert "invalid_token" in expired.headers["www-authenticate"]


def test_private_or_kidless_keys_are_not_registered(state):
    key = generate_company_key("k-private")
    with state.unit_of_work() as session:
        company = register_company(session, state.clock, client_id="c", name="C AS")
        with pytest.raises(CompanyKeyError):
            add_company_key(session, state.clock, company, key.as_dict(private=True))
        public = key.as_dict(private=False)
        public.pop("kid")
        with pytest.raises(CompanyKeyError):
            add_company_key(session, state.clock, company, public)
