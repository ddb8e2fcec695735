"""Company authentication: OAuth2 client credentials with a private_key_jwt assertion.

RFC 7523 §3 (JWT bearer client authentication) and §2.2 (client_assertion_type):
iss = sub = client_id, aud = this token endpoint, exp required and short, iat within the
allowed clock skew, jti single-use (replay cache table ``assertion_jtis`` so several
processes share it). Access tokens are JWTs (RFC 9068, ``typ: at+jwt``) signed by the
register's key, short-lived, carrying the granted scopes.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from register import errors
from register.companies import active_company_key, company_by_client_id
from register.db.models import AssertionJti
from register.keys import ACCEPTED_ALGS, SIGNING_ALG, RegisterKeys
from register.settings import ALL_SCOPES, RegisterSettings

GRANT_TYPE = "client_credentials"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ACCESS_TOKEN_TYP = "at+jwt"  # noqa: S105 (a JOSE type, RFC 9068 §2.1)


@dataclass(frozen=True, slots=True)
class TokenGrant:
    access_token: str
    expires_in: int
    scope: str
    client_id: str = ""  # who got it (rate limits per client); not part of the answer

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }


@dataclass(frozen=True, slots=True)
class AccessContext:
    client_id: str
    company_id: int
    scopes: frozenset[str]


def _unverified(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        compact = jws.extract_compact(assertion.encode("ascii"))
        header = dict(compact.headers())
        claims = json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError) as exc:
        raise errors.AssertionMalformedError from exc
    if not isinstance(claims, dict):
        raise errors.AssertionMalformedError
    return header, claims


def _check_claims(
    claims: dict[str, Any], client_id: str, settings: RegisterSettings, now: float
) -> tuple[str, float]:
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise errors.AssertionClaimsError(claim="iss/sub")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if settings.token_endpoint not in audiences:
        raise errors.AssertionAudienceError
    exp, iat, jti = claims.get("exp"), claims.get("iat"), claims.get("jti")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise errors.AssertionClaimsError(claim="exp/iat")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 200:
        raise errors.AssertionClaimsError(claim="jti")
    skew = settings.clock_skew_seconds
    if exp <= now - skew:
        raise errors.AssertionExpiredError
    nbf = claims.get("nbf", iat)
    if iat > now + skew or (isinstance(nbf, int | float) and nbf > now + skew):
        raise errors.AssertionNotYetValidError
    if exp - iat > settings.assertion_max_lifetime_seconds:
        raise errors.AssertionLifetimeError
    return jti, float(exp)


def _remember_jti(session: Session, client_id: str, jti: str, exp: float, skew: int) -> None:
    expires_at = datetime.fromtimestamp(exp, UTC) + timedelta(seconds=skew)
    try:
        with session.begin_nested():
            session.add(AssertionJti(client_id=client_id, jti=jti, expires_at=expires_at))
    except IntegrityError as exc:
        raise errors.AssertionReplayedError(client_id=client_id) from exc


def _granted_scopes(requested: str | None, granted: set[str]) -> list[str]:
    wanted = set((requested or "").split()) or granted
    if not wanted <= set(ALL_SCOPES) or not wanted <= granted:
        raise errors.InvalidScopeError
    return sorted(wanted)


def issue_token(
    session: Session,
    clock: Clock,
    settings: RegisterSettings,
    keys: RegisterKeys,
    form: dict[str, str],
) -> TokenGrant:
    """Validate a token request (form fields) and return a signed access token."""
    if form.get("grant_type") != GRANT_TYPE or form.get("client_assertion_type") != (
        ASSERTION_TYPE
    ):
        raise errors.UnsupportedGrantError
    assertion = form.get("client_assertion") or ""
    header, unverified = _unverified(assertion)
    client_id, kid, alg = unverified.get("iss"), header.get("kid"), header.get("alg")
    if not isinstance(client_id, str) or not isinstance(kid, str) or alg not in ACCEPTED_ALGS:
        raise errors.AssertionMalformedError
    if form.get("client_id") not in (None, client_id):
        raise errors.AssertionClaimsError(claim="client_id")
    company = company_by_client_id(session, client_id)
    key = active_company_key(session, company, kid) if company and company.active else None
    if company is None or key is None:
        raise errors.UnknownClientError(client_id=client_id)
    try:
        token = jwt.decode(assertion, key, algorithms=[str(alg)])
    except JoseError as exc:
        raise errors.AssertionSignatureError(client_id=client_id) from exc
    now = clock.now().timestamp()
    jti, exp = _check_claims(dict(token.claims), client_id, settings, now)
    scopes = _granted_scopes(form.get("scope"), set(company.scopes.split()))
    _remember_jti(session, client_id, jti, exp, settings.clock_skew_seconds)
    issued, scope = int(now), " ".join(scopes)
    claims: dict[str, Any] = {
        "iss": settings.issuer,
        "sub": client_id,
        "aud": settings.issuer,
        "client_id": client_id,
        "cid": company.id,
        "scope": scope,
        "iat": issued,
        "exp": issued + settings.access_token_ttl_seconds,
        "jti": secrets.token_urlsafe(16),
    }
    header_out = {"alg": SIGNING_ALG, "kid": keys.current_kid, "typ": ACCESS_TOKEN_TYP}
    access_token = jwt.encode(header_out, claims, keys.key_set, algorithms=[SIGNING_ALG])
    return TokenGrant(access_token, settings.access_token_ttl_seconds, scope, client_id)


@dataclass(frozen=True, slots=True)
class _VerifiedToken:
    context: AccessContext
    exp: int


class TokenCache:
    """Access tokens whose signature and fixed claims this process has already checked.

    Only tokens signed by the register's *own* keys are cached, keyed by the whole token
    (so any change to it is a miss); expiry and scope are still checked on every request,
    and whether the company is still active is checked in the request's transaction.
    Bounded: when full it is cleared (tokens live minutes; refilling is cheap).
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: dict[str, _VerifiedToken] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, token: str) -> _VerifiedToken | None:
        return self._entries.get(token)

    def put(self, token: str, verified: _VerifiedToken) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[token] = verified


def _decode_access_token(
    settings: RegisterSettings, keys: RegisterKeys, token: str
) -> _VerifiedToken:
    try:
        decoded = jwt.decode(token, keys.key_set, algorithms=[SIGNING_ALG])
    except (JoseError, ValueError, UnicodeError) as exc:
        raise errors.InvalidTokenError from exc
    claims = decoded.claims
    if decoded.header.get("typ") != ACCESS_TOKEN_TYP:
        raise errors.InvalidTokenError
    if claims.get("iss") != settings.issuer or claims.get("aud") != settings.issuer:
        raise errors.InvalidTokenError
    exp, cid, client_id = claims.get("exp"), claims.get("cid"), claims.get("client_id")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise errors.InvalidTokenError(reason="expired")
    if not isinstance(cid, int) or not isinstance(client_id, str):
        raise errors.InvalidTokenError
    scopes = frozenset(str(claims.get("scope", "")).split())
    return _VerifiedToken(AccessContext(client_id=client_id, company_id=cid, scopes=scopes), exp)


def verify_access_token(
    clock: Clock,
    settings: RegisterSettings,
    keys: RegisterKeys,
    token: str,
    scope: str,
    *,
    cache: TokenCache | None = None,
) -> AccessContext:
    """Check signature, type, issuer, audience, expiry and the required scope.

    With ``cache``, the signature and fixed claims of a token seen before are not
    verified again (the cache is per process and per set of register keys).
    """
    verified = cache.get(token) if cache is not None else None
    if verified is None:
        verified = _decode_access_token(settings, keys, token)
        if cache is not None:
            cache.put(token, verified)
    if verified.exp <= clock.now().timestamp():
        raise errors.InvalidTokenError(reason="expired")
    ctx = verified.context
    if scope not in ctx.scopes:
        raise errors.InsufficientScopeError(client_id=ctx.client_id, needed=scope)
    return ctx
